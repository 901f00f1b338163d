// ROI ablation: silence every voxel of some regions before decoding, to see what the reconstruction
// loses without them (V1-V3+ carry layout and colour, ventral carries category). Betas are z-scored,
// so 0 is the voxel's mean response: "no information", not a strong negative one.
import type { VoxelMask } from './voxelMask';

/** The ROI label of each vector entry, in vector order. */
export function voxelLabels(mask: VoxelMask, label: (storageIndex: number) => number): Int32Array {
  return Int32Array.from(mask.indices, (index) => label(index));
}

/** A copy of `voxels` with the entries `off` picks set to 0. */
export function silenceWhere(voxels: Float32Array, off: (position: number) => boolean): Float32Array {
  return voxels.map((value, i) => (off(i) ? 0 : value));
}

/** A copy of `voxels` with the voxels whose label is in `silenced` set to 0. */
export function silenceRois(voxels: Float32Array, labels: Int32Array, silenced: readonly number[]): Float32Array {
  if (voxels.length !== labels.length) {
    throw new RangeError(`${voxels.length} voxel values for ${labels.length} labelled voxels`);
  }
  const off = new Set(silenced);
  return silenceWhere(voxels, (i) => off.has(labels[i]!));
}
