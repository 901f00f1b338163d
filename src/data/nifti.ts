// NIfTI-1/2 volumes (.nii, .nii.gz) through nifti-reader-js, with the checks it leaves out: it slices
// a truncated file's voxel data silently, and accepts any number of dimensions.
import * as nifti from 'nifti-reader-js';
import { errorText } from './bundleSource';

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

interface VoxelType {
  name: string;
  bytes: number;
  get: (view: DataView, offset: number, littleEndian: boolean) => number;
}

const VOXEL_TYPES: Record<number, VoxelType> = {
  2: { name: 'uint8', bytes: 1, get: (v, o) => v.getUint8(o) },
  4: { name: 'int16', bytes: 2, get: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', bytes: 4, get: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', bytes: 4, get: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', bytes: 8, get: (v, o, le) => v.getFloat64(o, le) },
  256: { name: 'int8', bytes: 1, get: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', bytes: 2, get: (v, o, le) => v.getUint16(o, le) },
  768: { name: 'uint32', bytes: 4, get: (v, o, le) => v.getUint32(o, le) },
};

const HEADER_BYTES = 348;

/** Parses a NIfTI file (gzipped or not) holding one 3-D volume; throws a NiftiError saying why not. */
export async function parseNifti(bytes: Uint8Array): Promise<NiftiVolume> {
  let buffer = toArrayBuffer(bytes);
  if (nifti.isCompressed(buffer)) buffer = await gunzip(bytes);
  if (buffer.byteLength < HEADER_BYTES) {
    throw new NiftiError(`truncated: ${buffer.byteLength} bytes, shorter than a ${HEADER_BYTES}-byte NIfTI header`);
  }
  if (!nifti.isNIFTI(buffer)) throw new NiftiError('not a NIfTI-1 or NIfTI-2 file (no magic "n+1"/"n+2")');
  const header = nifti.readHeader(buffer);

  const [rank = 0, x = 0, y = 0, z = 0, ...rest] = header.dims;
  const extra = rest.slice(0, Math.max(0, rank - 3)).reduce((a, b) => a * b, 1);
  if (rank < 3 || rank > 7 || x < 1 || y < 1 || z < 1 || extra !== 1) {
    throw new NiftiError(`expected one 3-D volume, but dim = [${header.dims.slice(0, rank + 1).join(', ')}]`);
  }
  const type = VOXEL_TYPES[header.datatypeCode];
  if (!type) throw new NiftiError(`unsupported voxel datatype ${header.getDatatypeCodeString(header.datatypeCode)}`);

  const offset = header.vox_offset;
  const length = x * y * z * type.bytes;
  if (buffer.byteLength < offset + length) {
    throw new NiftiError(
      `truncated: ${x}x${y}x${z} ${type.name} voxels need ${length} bytes after offset ${offset}, ` +
        `but the file holds ${Math.max(0, buffer.byteLength - offset)}`,
    );
  }
  const slope = header.scl_slope;
  const data = new DataView(buffer, offset, length);
  const littleEndian = header.littleEndian;
  return {
    dims: [x, y, z],
    pixDims: [header.pixDims[1] ?? 0, header.pixDims[2] ?? 0, header.pixDims[3] ?? 0],
    affine: header.affine.map((row) => [...row]),
    datatype: type.name,
    // NIfTI: slope 0 means "no scaling".
    scaled: Number.isFinite(slope) && slope !== 0 && (slope !== 1 || header.scl_inter !== 0),
    voxelCount: x * y * z,
    value: (index) => type.get(data, index * type.bytes, littleEndian),
  };
}

/** How many voxels carry each label value; throws a NiftiError when a value is not an integer. */
export function countLabels(volume: NiftiVolume): Map<number, number> {
  if (volume.scaled) throw new NiftiError('a label volume must not be scaled (scl_slope/scl_inter)');
  const counts = new Map<number, number>();
  for (let index = 0; index < volume.voxelCount; index++) {
    const value = volume.value(index);
    if (!Number.isInteger(value)) throw new NiftiError(`a label volume holds integers, but voxel ${index} is ${value}`);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** Whether two volumes lie on one grid: same dims, and affines equal to float32 rounding. */
export function sameGrid(a: NiftiVolume, b: NiftiVolume): boolean {
  if (a.dims.some((d, i) => d !== b.dims[i])) return false;
  return a.affine.every((row, i) =>
    row.every((value, j) => Math.abs(value - (b.affine[i]?.[j] ?? NaN)) <= 1e-4 * Math.max(1, Math.abs(value))),
  );
}

export function formatAffine(affine: number[][]): string {
  return affine
    .slice(0, 3)
    .map((row) => `[${row.map((v) => +v.toFixed(4)).join(' ')}]`)
    .join(' ');
}

/**
 * The platform's gzip (browser and Node alike), not nifti-reader-js's: fflate sizes its output from
 * the last 4 bytes of the stream and returns what it has when the stream is cut short; zlib stops
 * with an error at the missing end and checks the CRC.
 */
async function gunzip(bytes: Uint8Array): Promise<ArrayBuffer> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return await new Response(stream).arrayBuffer();
  } catch (error) {
    throw new NiftiError(`not a valid gzip stream (truncated?): ${errorText(error)}`);
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}
