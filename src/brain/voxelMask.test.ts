import { describe, expect, it } from 'vitest';
import { enumerateMask, storageIndex, vectorToVolume, volumeToVector, type Dims, type VoxelOrder } from './voxelMask';

const DIMS: Dims = [4, 3, 5];
const COUNT = 4 * 3 * 5;

/** Every voxel of the grid, as (i, j, k) with its storage index. */
function allVoxels(dims: Dims = DIMS) {
  const voxels: { ijk: [number, number, number]; index: number }[] = [];
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) voxels.push({ ijk: [i, j, k], index: voxels.length });
  return voxels;
}

/** A label volume in storage order: labels 0..3 scattered over the grid. */
const labels = Int32Array.from(allVoxels(), ({ ijk: [i, j, k] }) => (i * 7 + j * 3 + k * 5) % 4);
const label = (index: number) => labels[index]!;

describe('storageIndex', () => {
  it('is NIfTI storage order: i fastest, then j, then k', () => {
    for (const { ijk, index } of allVoxels()) expect(storageIndex(ijk, DIMS)).toBe(index);
  });
});

describe('enumerateMask', () => {
  it('fortran: the whole grid enumerates in storage order', () => {
    const mask = enumerateMask(() => 1, DIMS, [1], 'fortran');
    expect(Array.from(mask.indices)).toEqual(allVoxels().map((v) => v.index));
  });

  it('c: the whole grid enumerates as numpy C order over [i, j, k], k fastest', () => {
    const mask = enumerateMask(() => 1, DIMS, [1], 'c');
    const [, ny, nz] = DIMS;
    for (const {
      ijk: [i, j, k],
      index,
    } of allVoxels()) {
      expect(mask.positions[index]).toBe(k + nz * (j + ny * i));
    }
  });

  it.each<VoxelOrder>(['fortran', 'c'])('%s: keeps only the mask labels, in np.argwhere order for c', (order) => {
    const mask = enumerateMask(label, DIMS, [1, 3], order);
    const inMask = allVoxels().filter((v) => [1, 3].includes(labels[v.index]!));
    // np.argwhere lists voxels sorted by (i, j, k); storage order sorts them by (k, j, i).
    const key = ({ ijk: [i, j, k] }: (typeof inMask)[number]) => (order === 'c' ? [i, j, k] : [k, j, i]);
    const expected = [...inMask].sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      return ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
    });
    expect(Array.from(mask.indices)).toEqual(expected.map((v) => v.index));
    for (let index = 0; index < COUNT; index++) {
      const position = mask.positions[index]!;
      if ([1, 3].includes(labels[index]!)) expect(mask.indices[position]).toBe(index);
      else expect(position).toBe(-1);
    }
  });

  it('the two orders enumerate the same voxels differently', () => {
    const fortran = enumerateMask(label, DIMS, [1, 2], 'fortran');
    const c = enumerateMask(label, DIMS, [1, 2], 'c');
    expect([...c.indices].sort((a, b) => a - b)).toEqual([...fortran.indices]);
    expect(Array.from(c.indices)).not.toEqual(Array.from(fortran.indices));
  });
});

describe('vector <-> volume', () => {
  it.each<VoxelOrder>(['fortran', 'c'])(
    '%s: volume -> vector -> volume keeps the mask voxels and zeroes the rest',
    (order) => {
      const mask = enumerateMask(label, DIMS, [2, 3], order);
      const volume = Float32Array.from(allVoxels(), ({ ijk: [i, j, k] }) => 1 + i + 10 * j + 100 * k);
      const vector = volumeToVector(volume, mask);
      expect(vector).toHaveLength(mask.indices.length);
      const back = vectorToVolume(vector, mask);
      for (let index = 0; index < COUNT; index++) {
        expect(back[index]).toBe([2, 3].includes(labels[index]!) ? volume[index] : 0);
      }
    },
  );

  it.each<VoxelOrder>(['fortran', 'c'])('%s: vector -> volume -> vector is the identity', (order) => {
    const mask = enumerateMask(label, DIMS, [0, 1], order);
    const vector = Float32Array.from(mask.indices, (_, position) => position * 0.5 - 3);
    expect(volumeToVector(vectorToVolume(vector, mask), mask)).toEqual(vector);
  });

  it('c: entry p of the vector lands on the voxel numpy would flatten to p', () => {
    const mask = enumerateMask(() => 1, DIMS, [1], 'c');
    const vector = Float32Array.from({ length: COUNT }, (_, p) => p);
    const volume = vectorToVolume(vector, mask);
    expect(volume[storageIndex([0, 0, 1], DIMS)]).toBe(1);
    expect(volume[storageIndex([0, 1, 0], DIMS)]).toBe(5);
    expect(volume[storageIndex([1, 0, 0], DIMS)]).toBe(15);
  });

  it('refuses a vector or a volume of the wrong length', () => {
    const mask = enumerateMask(label, DIMS, [1], 'fortran');
    expect(() => vectorToVolume(new Float32Array(3), mask)).toThrow(
      `the vector has 3 values, but the mask has ${mask.indices.length} voxels`,
    );
    expect(() => volumeToVector(new Float32Array(7), mask)).toThrow(
      /the volume has 7 voxels, but the mask's grid has 60/,
    );
  });
});
