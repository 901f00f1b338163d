// A tiny, valid dataset bundle written from TypeScript alone (NIfTI by hand, Zarr v2 by hand, images
// with sharp), and the file edits that break it, for the validator's, CLI's, store's and e2e tests.
// Node only.
import { Float16Array } from '@petamoriken/float16';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { DatasetJson, TrialsJson } from '../src/data/datasetSchema';

export const GRID: [number, number, number] = [6, 5, 4];
const VOXEL_MM = 2;
const ORIGIN: [number, number, number] = [-5, -4, -3];

/** ROI: label 1 (V1) and 2 (V2) fill the z = 1 slice (15 voxels each), label 3 (ventral) 10 voxels of z = 2. */
export function roiLabel(x: number, _y: number, z: number): number {
  if (z === 1) return x < 3 ? 1 : 2;
  return z === 2 && x < 2 ? 3 : 0;
}

type NiftiType = 'uint8' | 'int16' | 'float32';
const NIFTI_CODES: Record<NiftiType, [code: number, bits: number]> = {
  uint8: [2, 8],
  int16: [4, 16],
  float32: [16, 32],
};

export interface NiftiSpec {
  dims?: [number, number, number];
  datatype: NiftiType;
  value: (x: number, y: number, z: number) => number;
  origin?: [number, number, number];
}

/** A NIfTI-1 single file: the 348-byte header, 4 bytes of "no extensions", then the voxels, x fastest. */
export function niftiBytes({ dims = GRID, datatype, value, origin = ORIGIN }: NiftiSpec): Uint8Array {
  const [code, bits] = NIFTI_CODES[datatype];
  const [nx, ny, nz] = dims;
  const count = nx * ny * nz;
  const buffer = new ArrayBuffer(352 + (count * bits) / 8);
  const view = new DataView(buffer);
  view.setInt32(0, 348, true); // sizeof_hdr
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
  view.setInt16(70, code, true);
  view.setInt16(72, bits, true);
  [1, VOXEL_MM, VOXEL_MM, VOXEL_MM, 1, 0, 0, 0].forEach((d, i) => view.setFloat32(76 + 4 * i, d, true));
  view.setFloat32(108, 352, true); // vox_offset
  view.setFloat32(112, 1, true); // scl_slope
  view.setUint8(123, 2); // xyzt_units: mm
  view.setInt16(254, 2, true); // sform_code: aligned anatomy (qform_code stays 0)
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) view.setFloat32(280 + 16 * row + 4 * col, row === col ? VOXEL_MM : 0, true);
    view.setFloat32(280 + 16 * row + 12, origin[row]!, true);
  }
  new Uint8Array(buffer, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
  let offset = 352;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const v = value(x, y, z);
        if (datatype === 'uint8') view.setUint8(offset, v);
        else if (datatype === 'int16') view.setInt16(offset, v, true);
        else view.setFloat32(offset, v, true);
        offset += bits / 8;
      }
    }
  }
  return new Uint8Array(buffer);
}

type ZarrType = 'int8' | 'int16' | 'float16' | 'float32';
const ZARR_TYPES = {
  int8: ['|i1', Int8Array],
  int16: ['<i2', Int16Array],
  float16: ['<f2', Float16Array],
  float32: ['<f4', Float32Array],
} as const;

export interface ZarrSpec {
  shape: [number, number];
  chunkRows: number;
  dtype: ZarrType;
  compressor: 'zlib' | 'gzip' | null;
  value: (row: number, column: number) => number;
}

/** A Zarr v2 array: `.zarray` and one file per chunk of whole rows, edge chunks padded as Zarr does. */
function zarrFiles({ shape, chunkRows, dtype, compressor, value }: ZarrSpec): Record<string, Uint8Array | string> {
  const [rows, columns] = shape;
  const [zarrDtype, TypedArray] = ZARR_TYPES[dtype];
  const files: Record<string, Uint8Array | string> = {
    '.zarray': JSON.stringify({
      zarr_format: 2,
      shape,
      chunks: [chunkRows, columns],
      dtype: zarrDtype,
      compressor: compressor && { id: compressor, level: 1 },
      fill_value: 0,
      order: 'C',
      filters: null,
    }),
  };
  for (let chunk = 0; chunk * chunkRows < rows; chunk++) {
    const values = new TypedArray(chunkRows * columns);
    for (let r = 0; r < chunkRows && chunk * chunkRows + r < rows; r++) {
      for (let c = 0; c < columns; c++) values[r * columns + c] = value(chunk * chunkRows + r, c);
    }
    const raw = new Uint8Array(values.buffer);
    files[`${chunk}.0`] = compressor === 'zlib' ? deflateSync(raw) : compressor === 'gzip' ? gzipSync(raw) : raw;
  }
  return files;
}

async function imageBytes(color: { r: number; g: number; b: number }, format: 'png' | 'webp'): Promise<Uint8Array> {
  const image = sharp({ create: { width: 8, height: 6, channels: 3, background: color } });
  return format === 'png' ? image.png().toBuffer() : image.webp({ lossless: true }).toBuffer();
}

export const TINY_DATASET: DatasetJson = {
  format: 'mindeye-web/dataset@1',
  id: 'tiny',
  name: 'Tiny test bundle',
  description: 'Three subjects on a 6x5x4 grid and four images, written by the tests.',
  synthetic: true,
  license: 'CC0-1.0',
  attribution: [
    { source: 'Test clip art', license: 'CC0-1.0', notice: 'NOTICE-clipart.txt', url: 'https://example.org/clipart' },
  ],
  voxelSize: [VOXEL_MM, VOXEL_MM, VOXEL_MM],
  stimulusDeg: 8.4,
  generator: { name: 'tinyBundle.ts', version: '1', profile: 'test', seed: 0 },
  categories: ['animal', 'food'],
  subjects: [
    {
      id: 'subj01',
      anatomy: 'subjects/subj01/anatomy.nii',
      roi: 'subjects/subj01/roi.nii.gz',
      roiLabels: { '1': 'V1', '2': 'V2', '3': 'ventral' },
      maskLabels: [1, 2],
      voxelOrder: 'fortran',
      voxelCount: 30,
      betas: {
        path: 'subjects/subj01/betas.zarr',
        dtype: 'int16',
        scale: 0.01,
        rows: 'single-trial',
        zscored: 'session',
      },
      trials: 'subjects/subj01/trials.json',
      encoding: { path: 'subjects/subj01/encoding.zarr', columns: ['prf_x', 'prf_y', 'cat:animal'] },
    },
    {
      id: 'subj02',
      anatomy: 'subjects/subj02/anatomy.nii.gz',
      roi: 'subjects/subj02/roi.nii',
      roiLabels: { '1': 'V1', '2': 'V2', '3': 'ventral' },
      maskLabels: [1, 2, 3],
      voxelOrder: 'c',
      voxelCount: 40,
      betas: { path: 'subjects/subj02/betas.zarr', dtype: 'float16', rows: 'repeat-average', zscored: 'session' },
      trials: 'subjects/subj02/trials.json',
    },
    {
      id: 'subj03',
      anatomy: 'subjects/subj03/anatomy.nii',
      roi: 'subjects/subj03/roi.nii',
      roiLabels: { '1': 'V1', '2': 'V2', '3': 'ventral' },
      maskLabels: [1],
      voxelOrder: 'fortran',
      voxelCount: 15,
    },
  ],
  images: [
    { id: 'img-000', file: 'images/img-000.png', split: 'train', caption: 'a red cat', categories: ['animal'] },
    { id: 'img-001', file: 'images/img-001.png', split: 'train', caption: 'a green pear', categories: ['food'] },
    {
      id: 'img-002',
      file: 'images/img-002.png',
      split: 'test',
      caption: 'a blue dog',
      categories: ['animal'],
      scene: { objects: [{ category: 'animal', x: 0.5, y: 0.5 }] },
      trials: { subj01: [2, 4], subj02: [0] },
    },
    {
      id: 'img-003',
      file: 'images/img-003.webp',
      split: 'test',
      caption: 'a yellow cake',
      categories: ['food'],
      trials: { subj01: [3, 5], subj02: [1] },
    },
  ],
};

const TRIALS: Record<string, TrialsJson> = {
  subj01: {
    image: [0, 1, 2, 3, 2, 3],
    session: [0, 0, 0, 0, 1, 1],
    repeat: [0, 0, 0, 0, 1, 1],
    split: ['train', 'train', 'test', 'test', 'test', 'test'],
  },
  subj02: { image: [2, 3], session: [-1, -1], repeat: [-1, -1], split: ['test', 'test'], averageOf: [3, 3] },
};

/** subj01: int16 (scale 0.01) with zlib and a padded edge chunk; subj02: float16 with gzip. */
export const BETAS: Record<'subj01' | 'subj02', ZarrSpec> = {
  subj01: { shape: [6, 30], chunkRows: 4, dtype: 'int16', compressor: 'zlib', value: (r, c) => (r - c) * 7 },
  subj02: { shape: [2, 40], chunkRows: 2, dtype: 'float16', compressor: 'gzip', value: (r, c) => (r + c) / 8 },
};

/** A tiny bundle in its own temp folder, with the edits that break it. */
export class TinyBundle {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TinyBundle> {
    const bundle = new TinyBundle(await mkdtemp(join(tmpdir(), 'mindeye-tiny-')));
    const anatomy = (x: number, y: number, z: number) => 100 + x + 10 * y + 100 * z;
    const files: Record<string, Uint8Array | string> = {
      'dataset.json': JSON.stringify(TINY_DATASET, null, 2),
      'NOTICE-clipart.txt': 'Test clip art, dedicated to the public domain (CC0).\n',
      'subjects/subj01/anatomy.nii': niftiBytes({ datatype: 'float32', value: anatomy }),
      'subjects/subj01/roi.nii.gz': gzipSync(niftiBytes({ datatype: 'uint8', value: roiLabel })),
      'subjects/subj01/trials.json': JSON.stringify(TRIALS.subj01),
      'subjects/subj02/anatomy.nii.gz': gzipSync(niftiBytes({ datatype: 'int16', value: anatomy })),
      'subjects/subj02/roi.nii': niftiBytes({ datatype: 'int16', value: roiLabel }),
      'subjects/subj02/trials.json': JSON.stringify(TRIALS.subj02),
      'subjects/subj03/anatomy.nii': niftiBytes({ datatype: 'float32', value: anatomy }),
      'subjects/subj03/roi.nii': niftiBytes({ datatype: 'uint8', value: roiLabel }),
      'images/img-000.png': await imageBytes({ r: 200, g: 40, b: 40 }, 'png'),
      'images/img-001.png': await imageBytes({ r: 40, g: 200, b: 40 }, 'png'),
      'images/img-002.png': await imageBytes({ r: 40, g: 40, b: 200 }, 'png'),
      'images/img-003.webp': await imageBytes({ r: 220, g: 220, b: 40 }, 'webp'),
    };
    await bundle.writeZarr('subjects/subj01/betas.zarr', BETAS.subj01);
    await bundle.writeZarr('subjects/subj02/betas.zarr', BETAS.subj02);
    await bundle.writeZarr('subjects/subj01/encoding.zarr', {
      shape: [30, 3],
      chunkRows: 30,
      dtype: 'float32',
      compressor: null,
      value: (r, c) => r + c / 10,
    });
    for (const [path, bytes] of Object.entries(files)) await bundle.write(path, bytes);
    return bundle;
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  async write(file: string, contents: Uint8Array | string): Promise<void> {
    await mkdir(dirname(this.path(file)), { recursive: true });
    await writeFile(this.path(file), contents);
  }

  async writeZarr(folder: string, spec: ZarrSpec): Promise<void> {
    for (const [name, bytes] of Object.entries(zarrFiles(spec))) await this.write(`${folder}/${name}`, bytes);
  }

  /** Rewrites a JSON file through `edit`, which changes the parsed value in place. */
  async editJson<T = DatasetJson>(file: string, edit: (json: T) => void): Promise<void> {
    const json = JSON.parse(await readFile(this.path(file), 'utf8')) as T;
    edit(json);
    await this.write(file, JSON.stringify(json, null, 2));
  }

  async truncate(file: string, bytes: number): Promise<void> {
    await truncate(this.path(file), bytes);
  }

  async remove(file: string): Promise<void> {
    await rm(this.path(file), { recursive: true });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
