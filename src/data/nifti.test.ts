import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GRID, niftiBytes, roiLabel, type NiftiSpec } from '../testing/tinyBundle';
import { countLabels, NiftiError, parseNifti, sameGrid } from './nifti';

const labels = niftiBytes({ datatype: 'int16', value: roiLabel });

describe('parseNifti', () => {
  it('reads dims, voxel size, the sform affine and voxel values in storage order (x fastest)', async () => {
    const volume = await parseNifti(niftiBytes({ datatype: 'float32', value: (x, y, z) => x + 10 * y + 100 * z }));
    expect(volume.dims).toEqual(GRID);
    expect(volume.pixDims).toEqual([2, 2, 2]);
    expect(volume.affine[0]).toEqual([2, 0, 0, -5]);
    expect(volume.affine[2]).toEqual([0, 0, 2, -3]);
    expect(volume.value(1)).toBe(1);
    expect(volume.value(6)).toBe(10);
    expect(volume.value(30)).toBe(100);
  });

  it('reads .nii.gz the same as .nii', async () => {
    const plain = await parseNifti(labels);
    const gzipped = await parseNifti(gzipSync(labels));
    expect(gzipped.dims).toEqual(plain.dims);
    expect(countLabels(gzipped)).toEqual(countLabels(plain));
  });

  it.each([
    ['a file shorter than the header', labels.slice(0, 200), /^truncated: 200 bytes, shorter than a 348-byte/],
    [
      'missing voxel data',
      labels.slice(0, 400),
      /^truncated: 6x5x4 int16 voxels need 240 bytes after offset 352, but the file holds 48/,
    ],
    ['a truncated gzip stream', gzipSync(labels).slice(0, 50), /^not a valid gzip stream \(truncated\?\)/],
    ['a gzip stream without its last byte', gzipSync(labels).slice(0, -1), /^not a valid gzip stream \(truncated\?\)/],
    ['bytes that are not NIfTI', new Uint8Array(400), /^not a NIfTI-1 or NIfTI-2 file/],
  ])('rejects %s with a clear message', async (_, bytes, message) => {
    const error = await parseNifti(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NiftiError);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a 4-D series', async () => {
    const bytes = labels.slice();
    new DataView(bytes.buffer).setInt16(40, 4, true); // dim[0] = 4, dim[4] = 1 ...
    new DataView(bytes.buffer).setInt16(48, 2, true); // ... now 2 volumes
    await expect(parseNifti(bytes)).rejects.toThrow(/expected one 3-D volume, but dim = \[4, 6, 5, 4, 2\]/);
  });
});

describe('countLabels', () => {
  it('counts voxels per label', async () => {
    expect(countLabels(await parseNifti(labels))).toEqual(
      new Map([
        [0, 80],
        [1, 15],
        [2, 15],
        [3, 10],
      ]),
    );
  });

  it('rejects non-integer labels', async () => {
    const volume = await parseNifti(niftiBytes({ datatype: 'float32', value: (x) => x / 2 }));
    expect(() => countLabels(volume)).toThrow(/holds integers, but voxel 1 is 0.5/);
  });
});

describe('sameGrid', () => {
  const grid = (spec: Partial<NiftiSpec>) => parseNifti(niftiBytes({ datatype: 'int16', value: () => 0, ...spec }));
  it('accepts the same grid in another datatype', async () => {
    expect(sameGrid(await grid({}), await grid({ datatype: 'uint8' }))).toBe(true);
  });
  it('rejects other dims or another affine', async () => {
    expect(sameGrid(await grid({}), await grid({ dims: [6, 5, 3] }))).toBe(false);
    expect(sameGrid(await grid({}), await grid({ origin: [-5, -4, -2.9] }))).toBe(false);
  });
});
