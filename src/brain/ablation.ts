// ROI ablation: silence every voxel of some regions before decoding, to see what the reconstruction
// loses without them (V1-V3+ carry layout and colour, ventral carries category). Betas are z-scored,
// so 0 is the voxel's mean response: "no information", not a strong negative one.
import type { VoxelMask } from './voxelMask';

/** The ROI label of each vector entry, in vector order. */
export function voxelLabels(mask: VoxelMask, label: (storageIndex: number) => number): Int32Array {
  return Int32Array.from(mask.indices, (index) => label(index));
}

/** A copy of `voxels` with the voxels whose label is in `silenced` set to 0. */
export function silenceRois(voxels: Float32Array, labels: Int32Array, silenced: readonly number[]): Float32Array {
  if (voxels.length !== labels.length) {
    throw new RangeError(`${voxels.length} voxel values for ${labels.length} labelled voxels`);
  }
  const out = voxels.slice();
  if (silenced.length === 0) return out;
  const off = new Set(silenced);
  for (let i = 0; i < out.length; i++) if (off.has(labels[i]!)) out[i] = 0;
  return out;
}
