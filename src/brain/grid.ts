// From a point in world millimetres (what NiiVue reports for a click) to the voxel of a NIfTI grid
// that holds it. Done here rather than through NiiVue's voxel coordinates, which are those of its
// RAS-reoriented copy of the volume, not the file's (i, j, k) that the voxel vector enumerates.
import type { Dims, Voxel } from './voxelMask';

/** The voxel whose centre is nearest to `mm`, through the inverse of the 4x4 voxel -> mm affine; null outside the grid. */
export function voxelAtWorld(affine: readonly (readonly number[])[], dims: Dims, mm: readonly number[]): Voxel | null {
  const m = (row: number, col: number) => affine[row]?.[col] ?? NaN;
  const d = [0, 1, 2].map((row) => (mm[row] ?? NaN) - m(row, 3));
  // Inverse of the 3x3 part by cofactors: the affine may be oblique or flipped, not just scaled.
  const c00 = m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1);
  const c01 = m(1, 2) * m(2, 0) - m(1, 0) * m(2, 2);
  const c02 = m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0);
  const det = m(0, 0) * c00 + m(0, 1) * c01 + m(0, 2) * c02;
  if (!Number.isFinite(det) || det === 0) return null;
  const inverse = [
    [c00, m(0, 2) * m(2, 1) - m(0, 1) * m(2, 2), m(0, 1) * m(1, 2) - m(0, 2) * m(1, 1)],
    [c01, m(0, 0) * m(2, 2) - m(0, 2) * m(2, 0), m(0, 2) * m(1, 0) - m(0, 0) * m(1, 2)],
    [c02, m(0, 1) * m(2, 0) - m(0, 0) * m(2, 1), m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0)],
  ];
  // `+ 0` turns the -0 that rounding gives on a flipped axis into 0.
  const voxel = inverse.map((row) => Math.round((row[0]! * d[0]! + row[1]! * d[1]! + row[2]! * d[2]!) / det) + 0);
  const inside = voxel.every((v, axis) => Number.isFinite(v) && v >= 0 && v < dims[axis]!);
  return inside ? [voxel[0]!, voxel[1]!, voxel[2]!] : null;
}
