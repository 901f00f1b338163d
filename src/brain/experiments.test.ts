import { describe, expect, it } from 'vitest';
import {
  addNoise,
  experimentSeed,
  formatExperiment,
  hemifieldVoxels,
  parseExperiment,
  sameExperiment,
  shuffleVoxels,
  silenceVoxels,
  voxelsByPosition,
  type Experiment,
} from './experiments';
import { enumerateMask } from './voxelMask';

describe('experiments in the URL', () => {
  it('reads back what it writes, for every kind', () => {
    const all: Experiment[] = [
      { kind: 'rois', silenced: [1, 3] },
      { kind: 'hemifield', side: 'left' },
      { kind: 'hemifield', side: 'right' },
      { kind: 'noise', sd: 0.5 },
      { kind: 'repeats', count: 1 },
      { kind: 'shuffle' },
      { kind: 'subject', other: 'subj02' },
    ];
    for (const experiment of all) expect(parseExperiment(formatExperiment(experiment))).toEqual(experiment);
    expect(formatExperiment({ kind: 'hemifield', side: 'left' })).toBe('field:left');
  });

  it('sorts and dedupes ROI labels, and refuses what does not parse', () => {
    expect(parseExperiment('rois:3,1,3')).toEqual({ kind: 'rois', silenced: [1, 3] });
    for (const bad of ['', 'rois:', 'rois:0', 'rois:1,x', 'field:up', 'noise:0', 'noise:9', 'noise:', 'repeats:0'])
      expect(parseExperiment(bad), bad).toBeNull();
    for (const bad of ['repeats:1.5', 'shuffle:1', 'subject:', 'subject:a/b', 'explode']) {
      expect(parseExperiment(bad), bad).toBeNull();
    }
    expect(parseExperiment(null)).toBeNull();
  });

  it('tells experiments apart by what they do', () => {
    expect(sameExperiment({ kind: 'noise', sd: 1 }, { kind: 'noise', sd: 1 })).toBe(true);
    expect(sameExperiment({ kind: 'noise', sd: 1 }, { kind: 'noise', sd: 2 })).toBe(false);
    expect(sameExperiment(null, undefined)).toBe(true);
    expect(sameExperiment(null, { kind: 'shuffle' })).toBe(false);
  });
});

describe('the experiments on a voxel vector', () => {
  const voxels = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 2);

  it('visual-field ablation silences the voxels whose true pRF centre lies in the chosen half, and no other', () => {
    // columns: prf_x, prf_y, prf_sigma; voxel 3 has no pRF (a ventral voxel), voxel 4 sits on the midline.
    const encoding = {
      columns: ['prf_x', 'prf_y', 'prf_sigma'],
      values: Float32Array.from([-2, 1, 0.5, 3, -1, 0.4, -0.1, 0, 1, -4, 0, 0, 0, 2, 0.3]),
    };
    expect(Array.from(hemifieldVoxels(encoding, 'left'))).toEqual([1, 0, 1, 0, 0]);
    expect(Array.from(hemifieldVoxels(encoding, 'right'))).toEqual([0, 1, 0, 0, 0]);
    const five = Float32Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(silenceVoxels(five, hemifieldVoxels(encoding, 'left')))).toEqual([0, 2, 0, 4, 5]);
    expect(Array.from(five)).toEqual([1, 2, 3, 4, 5]);
    expect(() => hemifieldVoxels({ columns: ['prf_x', 'cat:face'], values: new Float32Array(4) }, 'left')).toThrow(
      /no prf_x and prf_sigma/,
    );
    expect(() => silenceVoxels(five, new Uint8Array(2))).toThrow(/5 voxel values for 2/);
  });

  it('added noise has the asked-for sd, the same noise for the same seed, other noise for another', () => {
    const noisy = addNoise(voxels, 0.5, 7);
    const diff = noisy.map((v, i) => v - voxels[i]!);
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    const sd = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / diff.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.45);
    expect(sd).toBeLessThan(0.55);
    expect(addNoise(voxels, 0.5, 7)).toEqual(noisy);
    expect(addNoise(voxels, 0.5, 8)).not.toEqual(noisy);
  });

  it('shuffling keeps every value, moves almost every voxel, and is the same for the same seed', () => {
    const shuffled = shuffleVoxels(voxels, 3);
    expect(Array.from(shuffled).sort()).toEqual(Array.from(voxels).sort());
    const kept = shuffled.filter((v, i) => v === voxels[i]).length;
    expect(kept).toBeLessThan(10);
    expect(shuffleVoxels(voxels, 3)).toEqual(shuffled);
    expect(shuffleVoxels(voxels, 4)).not.toEqual(shuffled);
  });

  it("places one subject's voxels onto another's by grid position, 0 where the first has none", () => {
    // A 2x2x1 grid; subject A's mask holds storage indices 0, 1, 2, B's 1, 2, 3.
    const a = enumerateMask((i) => [1, 1, 1, 0][i]!, [2, 2, 1], [1], 'fortran');
    const b = enumerateMask((i) => [0, 1, 1, 1][i]!, [2, 2, 1], [1], 'fortran');
    const { voxels: placed, shared } = voxelsByPosition(Float32Array.from([10, 11, 12]), a, b);
    expect(Array.from(placed)).toEqual([11, 12, 0]);
    expect(shared).toBe(2);
    const other = enumerateMask(() => 1, [4, 1, 1], [1], 'fortran');
    expect(() => voxelsByPosition(Float32Array.from([10, 11, 12]), a, other)).toThrow(/grids differ/);
    expect(() => voxelsByPosition(Float32Array.from([10]), a, b)).toThrow(/1 voxel values for a mask of 3/);
  });

  it("draws the experiment's randomness away from the sampler's seeds", () => {
    for (const seed of [0, 1, 2, 99, 536870911]) {
      const own = experimentSeed(seed);
      expect(own >= seed * 1000 && own < seed * 1000 + 8, `seed ${seed}`).toBe(false);
    }
    expect(experimentSeed(1)).not.toBe(experimentSeed(2));
  });
});
