// NIfTI-1/2 volumes (.nii, .nii.gz) through nifti-reader-js, with the checks it leaves out: it slices
// a truncated file's voxel data silently, accepts any number of dimensions, and any number in a
// header field (a NaN voxel size or scale would draw the volume black). Sizes are checked against
// src/data/limits.ts before the memory is taken: the declared voxels as soon as the header is
// inflated, the inflated bytes as they come.
import * as nifti from 'nifti-reader-js';
import { errorText } from './bundleSource';
import { LIMITS, limitText } from './limits';
import { inflateWithin } from './inflate';
import { concatBytes } from './responseBytes';

export class NiftiError extends Error {
  override name = 'NiftiError';
}

export interface NiftiVolume {
  dims: [number, number, number];
  /** Voxel size in mm. */
  pixDims: [number, number, number];
  /** 4x4 voxel index -> mm (sform, else qform, as NIfTI prescribes). */
  affine: number[][];
  datatype: string;
  scaled: boolean;
  voxelCount: number;
  /** The stored (unscaled) value of the voxel at a storage index (x fastest). */
  value(index: number): number;
}

type VoxelArray =
  Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

interface VoxelType {
  name: string;
  bytes: number;
  get: (view: DataView, offset: number, littleEndian: boolean) => number;
  /** A typed array over (or of) the voxels; integer types hold only finite values. */
  array: new (...args: [ArrayBuffer, number, number] | [number]) => VoxelArray;
  float: boolean;
}

const VOXEL_TYPES: Record<number, VoxelType> = {
  2: { name: 'uint8', bytes: 1, get: (v, o) => v.getUint8(o), array: Uint8Array, float: false },
  4: { name: 'int16', bytes: 2, get: (v, o, le) => v.getInt16(o, le), array: Int16Array, float: false },
  8: { name: 'int32', bytes: 4, get: (v, o, le) => v.getInt32(o, le), array: Int32Array, float: false },
  16: { name: 'float32', bytes: 4, get: (v, o, le) => v.getFloat32(o, le), array: Float32Array, float: true },
  64: { name: 'float64', bytes: 8, get: (v, o, le) => v.getFloat64(o, le), array: Float64Array, float: true },
  256: { name: 'int8', bytes: 1, get: (v, o) => v.getInt8(o), array: Int8Array, float: false },
  512: { name: 'uint16', bytes: 2, get: (v, o, le) => v.getUint16(o, le), array: Uint16Array, float: false },
  768: { name: 'uint32', bytes: 4, get: (v, o, le) => v.getUint32(o, le), array: Uint32Array, float: false },
};

/**
 * The voxels as a typed array: a view when they are little-endian (as the platforms this runs on)
 * and aligned, else a copy. Read through a DataView one by one, checking and counting the voxels of
 * the demo's 16 volumes took 1.4 s of the first second on the main thread.
 */
function voxelArray(buffer: ArrayBuffer, offset: number, count: number, type: VoxelType, littleEndian: boolean) {
  if (littleEndian && offset % type.bytes === 0) return new type.array(buffer, offset, count);
  const view = new DataView(buffer, offset, count * type.bytes);
  const values = new type.array(count);
  for (let i = 0; i < count; i++) values[i] = type.get(view, i * type.bytes, littleEndian);
  return values;
}

const NIFTI1_HEADER_BYTES = 348;
const NIFTI2_HEADER_BYTES = 540;

/** Parses a NIfTI file (gzipped or not) holding one 3-D volume; throws a NiftiError saying why not. */
export async function parseNifti(bytes: Uint8Array): Promise<NiftiVolume> {
  if (!isGzip(bytes) && bytes.length > LIMITS.niftiBytes) {
    throw new NiftiError(`is ${bytes.length} bytes, more than ${limitText('niftiBytes', 'bytes')}`);
  }
  const buffer = isGzip(bytes) ? await gunzip(bytes) : toArrayBuffer(bytes);
  const { header, x, y, z, type } = readVolumeHeader(buffer);

  const offset = Number(header.vox_offset);
  const minimum = nifti.isNIFTI1(buffer) ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (!Number.isSafeInteger(offset) || offset < minimum) {
    throw new NiftiError(`vox_offset ${header.vox_offset} is not a byte offset past the ${minimum}-byte header`);
  }
  const length = x * y * z * type.bytes;
  if (buffer.byteLength < offset + length) {
    throw new NiftiError(
      `truncated: ${x}x${y}x${z} ${type.name} voxels need ${length} bytes after offset ${offset}, ` +
        `but the file holds ${Math.max(0, buffer.byteLength - offset)}`,
    );
  }
  const pixDims: [number, number, number] = [
    header.pixDims[1] ?? NaN,
    header.pixDims[2] ?? NaN,
    header.pixDims[3] ?? NaN,
  ];
  const badSize = pixDims.findIndex((size) => !(Number.isFinite(size) && size > 0));
  if (badSize >= 0) throw new NiftiError(`pixdim[${badSize + 1}] is ${pixDims[badSize]}, not a voxel size in mm`);
  const affine = header.affine.map((row) => [...row]);
  if (affine.flat().some((v) => !Number.isFinite(v))) {
    throw new NiftiError(`the affine (sform or qform) holds values that are not finite: ${formatAffine(affine)}`);
  }
  const scaled = checkScaling(header.scl_slope, header.scl_inter);

  const values = voxelArray(buffer, offset, x * y * z, type, header.littleEndian);
  const value = (index: number) => values[index]!;
  checkVoxels(values, type.float, [x, y, z], scaled ? [header.scl_slope, header.scl_inter] : null);
  return {
    dims: [x, y, z],
    pixDims,
    affine,
    datatype: type.name,
    scaled: scaled !== null,
    voxelCount: x * y * z,
    value,
  };
}

/**
 * The header of one 3-D volume of a supported datatype, within the voxel limit; reads as much as
 * the header needs, so an inflating .nii.gz is checked as soon as its header is in.
 */
function readVolumeHeader(buffer: ArrayBuffer) {
  if (buffer.byteLength < NIFTI1_HEADER_BYTES) {
    throw new NiftiError(
      `truncated: ${buffer.byteLength} bytes, shorter than a ${NIFTI1_HEADER_BYTES}-byte NIfTI header`,
    );
  }
  if (!nifti.isNIFTI(buffer)) throw new NiftiError('not a NIfTI-1 or NIfTI-2 file (no magic "n+1"/"n+2")');
  if (!nifti.isNIFTI1(buffer) && buffer.byteLength < NIFTI2_HEADER_BYTES) {
    throw new NiftiError(
      `truncated: ${buffer.byteLength} bytes, shorter than a ${NIFTI2_HEADER_BYTES}-byte NIfTI-2 header`,
    );
  }
  let header: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    header = nifti.readHeader(buffer)!;
    if (!header) throw new Error('no header');
  } catch (error) {
    throw new NiftiError(`the header cannot be read: ${errorText(error)}`);
  }
  const dims = header.dims.map(Number);
  const [rank = 0, x = 0, y = 0, z = 0, ...rest] = dims;
  const extra = rest.slice(0, Math.max(0, rank - 3)).reduce((a, b) => a * b, 1);
  if (
    !dims.slice(0, rank + 1).every(Number.isSafeInteger) ||
    rank < 3 ||
    rank > 7 ||
    x < 1 ||
    y < 1 ||
    z < 1 ||
    extra !== 1
  ) {
    throw new NiftiError(
      `expected one 3-D volume, but dim = [${header.dims.slice(0, Math.max(1, Math.min(rank, 7) + 1)).join(', ')}]`,
    );
  }
  if (x * y * z > LIMITS.niftiVoxels) {
    throw new NiftiError(
      `declares ${x}x${y}x${z} = ${(x * y * z).toLocaleString('en-US')} voxels, more than ${limitText('niftiVoxels', 'voxels')}`,
    );
  }
  const type = VOXEL_TYPES[header.datatypeCode];
  if (!type) throw new NiftiError(`unsupported voxel datatype ${header.getDatatypeCodeString(header.datatypeCode)}`);
  return { header, x, y, z, type };
}

/**
 * [slope, inter] when the stored values are scaled, null when not. NIfTI: slope 0 means "no
 * scaling"; NaN does too (nibabel writes NaN slope and intercept for unscaled data). An infinite
 * slope or intercept, or a NaN intercept beside a slope, is an error, not "unscaled".
 */
function checkScaling(slope: number, inter: number): [number, number] | null {
  if (slope === Infinity || slope === -Infinity || inter === Infinity || inter === -Infinity) {
    throw new NiftiError(`scl_slope ${slope} and scl_inter ${inter} are not a finite scaling`);
  }
  if (Number.isNaN(slope) || slope === 0) return null;
  if (Number.isNaN(inter)) throw new NiftiError(`scl_inter is NaN beside scl_slope ${slope}`);
  return slope === 1 && inter === 0 ? null : [slope, inter];
}

/** Every voxel (scaled, when it is) is a finite number; else an error naming the first and the count. */
function checkVoxels(
  values: VoxelArray,
  float: boolean,
  [nx, ny, nz]: [number, number, number],
  scale: [number, number] | null,
) {
  // Scaled values as float32, as viewers hold them: 2 x 3e38 is finite in JS, not in float32.
  const finite = scale ? (v: number) => Number.isFinite(Math.fround(v * scale[0] + scale[1])) : Number.isFinite;
  // Integers are finite, and scaling is monotonic: the extremes decide for every voxel between them.
  if (!float) {
    let min = Infinity;
    let max = -Infinity;
    for (let index = 0; index < values.length; index++) {
      const v = values[index]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!scale || (finite(min) && finite(max))) return;
  }
  let count = 0;
  let first = -1;
  for (let index = 0; index < nx * ny * nz; index++) {
    if (finite(values[index]!)) continue;
    if (count++ === 0) first = index;
  }
  if (count > 0) {
    const at = `(${first % nx}, ${Math.floor(first / nx) % ny}, ${Math.floor(first / (nx * ny))})`;
    throw new NiftiError(
      `${count} voxel${count === 1 ? ' is' : 's are'} not finite numbers, the first at ${at}: ${values[first]}${scale ? ` (scaled by ${scale[0]}, ${scale[1]})` : ''}`,
    );
  }
}

/** How many voxels carry each label value; throws a NiftiError when a value is not an integer. */
export function countLabels(volume: NiftiVolume): Map<number, number> {
  if (volume.scaled) throw new NiftiError('a label volume must not be scaled (scl_slope/scl_inter)');
  const counts = new Map<number, number>();
  // Labels come in runs (most voxels are 0): a run is counted when it ends, not voxel by voxel.
  let run = volume.value(0);
  let start = 0;
  const count = (end: number) => {
    if (!Number.isInteger(run)) throw new NiftiError(`a label volume holds integers, but voxel ${start} is ${run}`);
    counts.set(run, (counts.get(run) ?? 0) + end - start);
  };
  for (let index = 1; index < volume.voxelCount; index++) {
    const value = volume.value(index);
    if (value === run) continue;
    count(index);
    run = value;
    start = index;
  }
  count(volume.voxelCount);
  return counts;
}

/** Whether two volumes lie on one grid: same dims, and affines equal to float32 rounding. */
export function sameGrid(a: NiftiVolume, b: NiftiVolume): boolean {
  if (a.dims.some((d, i) => d !== b.dims[i])) return false;
  return a.affine.every((row, i) =>
    row.every((value, j) => Math.abs(value - (b.affine[i]?.[j] ?? NaN)) <= 1e-4 * Math.max(1, Math.abs(value))),
  );
}

/** Why `volume` is not on the grid of `reference` (at `referencePath`), or null when it is. */
export function offGrid(volume: NiftiVolume, reference: NiftiVolume, referencePath: string): string | null {
  if (sameGrid(volume, reference)) return null;
  return (
    `not on the grid of ${referencePath}: dims ${volume.dims.join('x')} vs ${reference.dims.join('x')}, ` +
    `affine ${formatAffine(volume.affine)} vs ${formatAffine(reference.affine)}`
  );
}

function formatAffine(affine: number[][]): string {
  return affine
    .slice(0, 3)
    .map((row) => `[${row.map((v) => +v.toFixed(4)).join(' ')}]`)
    .join(' ');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The platform's gzip (browser and Node alike), not nifti-reader-js's: fflate sizes its output from
 * the last 4 bytes of the stream and returns what it has when the stream is cut short; zlib stops
 * with an error at the missing end and checks the CRC. Read chunk by chunk, so that inflating stops
 * at the limit, and the header's declared size is checked as soon as the header is in.
 */
async function gunzip(bytes: Uint8Array): Promise<ArrayBuffer> {
  let headerChecked = false;
  const inflated = await inflateWithin(bytes, {
    format: 'gzip',
    limit: LIMITS.niftiBytes,
    // The browser's message here is often just "Failed to fetch": say what it means.
    corrupt: (error) => new NiftiError(`corrupt or truncated gzip data (${errorText(error)})`),
    tooLarge: () => new NiftiError(`inflates to more than ${limitText('niftiBytes', 'bytes')}`),
    onPart: (parts, total) => {
      if (headerChecked || total < NIFTI2_HEADER_BYTES) return;
      headerChecked = true;
      const start = concatBytes(parts, total);
      if (nifti.isNIFTI(start.buffer)) readVolumeHeader(start.buffer);
    },
  });
  return inflated.buffer;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}
