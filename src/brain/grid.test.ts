import { describe, expect, it } from 'vitest';
import { voxelAtWorld } from './grid';
import type { Dims } from './voxelMask';

const DIMS: Dims = [81, 104, 83];

function apply(affine: number[][], [i, j, k]: readonly number[]): number[] {
  return affine.slice(0, 3).map((row) => row[0]! * i! + row[1]! * j! + row[2]! * k! + row[3]!);
}

describe('voxelAtWorld', () => {
  const scaled = [
    [1.8, 0, 0, -72],
    [0, 1.8, 0, -108],
    [0, 0, 1.8, -72],
    [0, 0, 0, 1],
  ];
  // Flipped x (LAS, as many scanners write it), and a rotation about z.
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const oblique = [
    [-1.8 * c, -1.8 * s, 0, 80],
    [-1.8 * s, 1.8 * c, 0, -100],
    [0, 0, 2.5, -60],
    [0, 0, 0, 1],
  ];

  it.each([
    ['a scaled affine', scaled],
    ['a flipped, rotated affine', oblique],
  ])('finds the voxel of a voxel centre, and of points near it (%s)', (_, affine) => {
    for (const voxel of [
      [0, 0, 0],
      [40, 51, 41],
      [80, 103, 82],
      [7, 90, 3],
    ]) {
      expect(voxelAtWorld(affine, DIMS, apply(affine, voxel))).toEqual(voxel);
      const near = apply(
        affine,
        voxel.map((v) => v + 0.4),
      );
      expect(voxelAtWorld(affine, DIMS, near)).toEqual(voxel);
    }
  });

  it('says null outside the grid', () => {
    expect(voxelAtWorld(scaled, DIMS, apply(scaled, [-1, 0, 0]))).toBeNull();
    expect(voxelAtWorld(scaled, DIMS, apply(scaled, [0, 104, 0]))).toBeNull();
    expect(voxelAtWorld(scaled, DIMS, apply(scaled, [0, 0, 83]))).toBeNull();
  });

  it('says null for a degenerate affine or a point that is not a number', () => {
    const flat = scaled.map((row, i) => (i === 2 ? [0, 0, 0, 0] : row));
    expect(voxelAtWorld(flat, DIMS, [0, 0, 0])).toBeNull();
    expect(voxelAtWorld(scaled, DIMS, [NaN, 0, 0])).toBeNull();
  });
});
