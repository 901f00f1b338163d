// A subject's voxel vector and the volume it comes from: which ROI voxels make up the vector, in the
// order dataset.json declares, and the painting between the two. Pure: no NiiVue, no DOM.

/** Voxels along i, j, k of a NIfTI array. */
export type Dims = readonly [number, number, number];
export type Voxel = readonly [number, number, number];
export type VoxelOrder = 'fortran' | 'c';

/** The mask voxels of one subject, both ways round. */
export interface VoxelMask {
  dims: Dims;
  /** The storage index (i fastest, NIfTI's on-disk order) of each vector entry. */
  indices: Int32Array;
  /** The vector entry of each storage index; -1 outside the mask. */
  positions: Int32Array;
}

/** Where voxel (i, j, k) sits in NIfTI storage order, which is also NiiVue's `img` order. */
export function storageIndex([i, j, k]: Voxel, [nx, ny]: Dims): number {
  return i + nx * (j + ny * k);
}

/**
 * Enumerates the voxels whose label is one of `maskLabels`. `fortran` walks storage order (i fastest);
 * `c` walks numpy's C order over nibabel's [i, j, k] array (k fastest): what np.argwhere(roi > 0)
 * yields in models/dataset/anatomy.py, and how MindEye2's HDF5 betas were flattened.
 */
export function enumerateMask(
  label: (storageIndex: number) => number,
  dims: Dims,
  maskLabels: readonly number[],
  order: VoxelOrder,
): VoxelMask {
  const [nx, ny, nz] = dims;
  const inMask = new Set(maskLabels);
  const positions = new Int32Array(nx * ny * nz).fill(-1);
  const indices: number[] = [];
  const visit = (index: number) => {
    if (!inMask.has(label(index))) return;
    positions[index] = indices.length;
    indices.push(index);
  };
  if (order === 'fortran') {
    for (let index = 0; index < positions.length; index++) visit(index);
  } else {
    for (let i = 0; i < nx; i++) {
      for (let j = 0; j < ny; j++) {
        for (let k = 0; k < nz; k++) visit(i + nx * (j + ny * k));
      }
    }
  }
  return { dims, indices: Int32Array.from(indices), positions };
}

/** A vector painted into a volume in storage order; voxels outside the mask are 0. */
export function vectorToVolume(vector: ArrayLike<number>, mask: VoxelMask): Float32Array {
  if (vector.length !== mask.indices.length) {
    throw new RangeError(`the vector has ${vector.length} values, but the mask has ${mask.indices.length} voxels`);
  }
  const volume = new Float32Array(mask.positions.length);
  mask.indices.forEach((index, position) => {
    volume[index] = vector[position]!;
  });
  return volume;
}

/** The mask voxels of a volume in storage order, as a vector. */
export function volumeToVector(volume: ArrayLike<number>, mask: VoxelMask): Float32Array {
  if (volume.length !== mask.positions.length) {
    throw new RangeError(`the volume has ${volume.length} voxels, but the mask's grid has ${mask.positions.length}`);
  }
  return Float32Array.from(mask.indices, (index) => volume[index]!);
}
