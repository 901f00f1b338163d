import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GRID, niftiBytes, roiLabel, type NiftiSpec } from '../../test/tinyBundle';
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
    ['a truncated gzip stream', gzipSync(labels).slice(0, 50), /^corrupt or truncated gzip data/],
    ['a gzip stream without its last byte', gzipSync(labels).slice(0, -1), /^corrupt or truncated gzip data/],
    ['an empty file', new Uint8Array(0), /^truncated: 0 bytes, shorter than a 348-byte/],
    ['one byte', Uint8Array.of(0x1f), /^truncated: 1 bytes/],
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

/** The tiny bundle's labels with header fields changed through `edit` (little-endian offsets of NIfTI-1). */
function withHeader(edit: (view: DataView) => void, spec: NiftiSpec = { datatype: 'int16', value: roiLabel }) {
  const bytes = niftiBytes(spec);
  edit(new DataView(bytes.buffer));
  return bytes;
}

describe('NaN and infinity in a NIfTI file (issue 16, finding 9)', () => {
  it.each([
    ['a NaN voxel size', (v: DataView) => v.setFloat32(80, NaN, true), /^pixdim\[1\] is NaN, not a voxel size in mm$/],
    ['an infinite voxel size', (v: DataView) => v.setFloat32(88, Infinity, true), /^pixdim\[3\] is Infinity/],
    ['a zero voxel size', (v: DataView) => v.setFloat32(84, 0, true), /^pixdim\[2\] is 0/],
    [
      'an infinite scl_slope',
      (v: DataView) => v.setFloat32(112, Infinity, true),
      /^scl_slope Infinity and scl_inter 0 are not a finite scaling/,
    ],
    [
      'an infinite scl_inter',
      (v: DataView) => v.setFloat32(116, -Infinity, true),
      /^scl_slope 1 and scl_inter -Infinity/,
    ],
    [
      'a NaN scl_inter beside a slope',
      (v: DataView) => (v.setFloat32(112, 2, true), v.setFloat32(116, NaN, true)),
      /^scl_inter is NaN beside scl_slope 2/,
    ],
    [
      'a NaN affine',
      (v: DataView) => v.setFloat32(280, NaN, true),
      /^the affine \(sform or qform\) holds values that are not finite/,
    ],
    ['a NaN vox_offset', (v: DataView) => v.setFloat32(108, NaN, true), /^vox_offset NaN is not a byte offset/],
    [
      'a vox_offset inside the header',
      (v: DataView) => v.setFloat32(108, 100, true),
      /^vox_offset 100 is not a byte offset past the 348-byte header/,
    ],
  ])('rejects %s', async (_, edit, message) => {
    await expect(parseNifti(withHeader(edit))).rejects.toThrow(message);
  });

  it('rejects NaN and infinite voxels, naming the first', async () => {
    const value = (x: number, y: number, z: number) =>
      x === 1 && y === 2 && z === 3 ? NaN : z === 3 && x === 5 ? -Infinity : 1;
    await expect(parseNifti(niftiBytes({ datatype: 'float32', value }))).rejects.toThrow(
      /^6 voxels are not finite numbers, the first at \(5, 0, 3\): -Infinity$/,
    );
  });

  it('rejects stored values that a scale makes infinite', async () => {
    const bytes = withHeader((v) => v.setFloat32(112, 3e38, true), { datatype: 'float32', value: () => 2 });
    await expect(parseNifti(bytes)).rejects.toThrow(
      /^120 voxels are not finite numbers.*\(scaled by 3\.0\d*e\+38, 0\)/,
    );
  });

  it('reads NaN scl_slope and scl_inter as nibabel\'s "no scaling"', async () => {
    const bytes = withHeader((v) => (v.setFloat32(112, NaN, true), v.setFloat32(116, NaN, true)));
    const volume = await parseNifti(bytes);
    expect(volume.scaled).toBe(false);
    expect(countLabels(volume).get(1)).toBe(15);
  });

  it('counts an ROI with an infinite slope as an error, not as unscaled', async () => {
    // Before: Number.isFinite(Infinity) was false, so the volume counted as unscaled labels.
    const bytes = withHeader((v) => v.setFloat32(112, -Infinity, true));
    await expect(parseNifti(bytes)).rejects.toBeInstanceOf(NiftiError);
  });
});

describe('NIfTI limits (src/data/limits.ts), checked before the memory is taken', () => {
  it('refuses a header declaring more voxels than the limit, before reading them', async () => {
    const bytes = withHeader((v) => [1024, 1024, 1024].forEach((d, i) => v.setInt16(42 + 2 * i, d, true)));
    const message =
      /^declares 1024x1024x1024 = 1,073,741,824 voxels, more than the limit of 16,777,216 voxels \(LIMITS\.niftiVoxels, src\/data\/limits\.ts\)$/;
    await expect(parseNifti(bytes)).rejects.toThrow(message);
    // A .nii.gz says so as soon as its header is inflated.
    await expect(parseNifti(gzipSync(bytes))).rejects.toThrow(message);
  });

  it('stops inflating a .nii.gz at the limit', async () => {
    // 257 MiB of zeros behind a valid header, about 1 MB compressed: a gzip bomb.
    const gzip = createGzip({ level: 1 });
    const compressed: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    gzip.write(labels);
    const zeros = new Uint8Array(2 ** 20);
    for (let i = 0; i < 257; i++) gzip.write(zeros);
    gzip.end();
    await done;
    const bomb = Buffer.concat(compressed);
    expect(bomb.length).toBeLessThan(2 * 2 ** 20);
    await expect(parseNifti(bomb)).rejects.toThrow(
      /^inflates to more than the limit of 268,435,456 bytes \(LIMITS\.niftiBytes, src\/data\/limits\.ts\)$/,
    );
  });
});
