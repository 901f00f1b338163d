import { describe, expect, it } from 'vitest';
import { silenceRois, voxelLabels } from './ablation';
import { enumerateMask } from './voxelMask';

describe('ROI ablation', () => {
  it('labels vector entries in mask order and zeroes only the silenced regions', () => {
    // A 2x1x2 volume: storage index = i + 2k; labels 1, 2, 0 (outside), 4.
    const volume = [1, 2, 0, 4];
    const mask = enumerateMask((i) => volume[i]!, [2, 1, 2], [1, 2, 4], 'c');
    const labels = voxelLabels(mask, (i) => volume[i]!);
    // C order walks k fastest: (0,0,0)=1, (0,0,1)=0 skipped, (1,0,0)=2, (1,0,1)=4.
    expect(Array.from(labels)).toEqual([1, 2, 4]);
    const voxels = Float32Array.from([0.5, -1, 2]);
    expect(Array.from(silenceRois(voxels, labels, [2]))).toEqual([0.5, 0, 2]);
    expect(Array.from(silenceRois(voxels, labels, [1, 4]))).toEqual([0, -1, 0]);
    expect(Array.from(silenceRois(voxels, labels, []))).toEqual([0.5, -1, 2]);
    expect(Array.from(voxels)).toEqual([0.5, -1, 2]);
    expect(() => silenceRois(voxels, Int32Array.from([1]), [1])).toThrow(/3 voxel values for 1/);
  });
});
