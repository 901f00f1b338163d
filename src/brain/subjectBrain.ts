// Loading what the brain view shows of one subject: the anatomy and ROI files (the bytes go to NiiVue
// as they are), the ROI parsed here for its grid and labels, the voxel mask, and, on demand, the
// ground-truth encoding table. Every failure is a BrainFileError naming the bundle file.
// The validator parsed these volumes too; they are parsed again for the one subject shown (20-50 ms
// each here) rather than kept parsed for every subject of the bundle (about 2 MB a subject).
import * as zarr from 'zarrita';
import { BundleReadError, errorText, type BundleSource } from '../data/bundleSource';
import type { SubjectJson } from '../data/datasetSchema';
import { offGrid, parseNifti, type NiftiVolume } from '../data/nifti';
import { maskSizeMismatch } from '../data/validateSubject';
import { bundleZarrStore } from '../data/zarrArray';
import { enumerateMask, type VoxelMask } from './voxelMask';

/** Something wrong with one bundle file; the message starts with its path. */
export class BrainFileError extends Error {
  override name = 'BrainFileError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export interface BundleFile {
  /** The bundle path, e.g. "subj01/roi.nii.gz". */
  path: string;
  bytes: Uint8Array;
}

export interface SubjectBrain {
  subjectId: string;
  anatomy: BundleFile;
  roi: BundleFile & { volume: NiftiVolume };
  mask: VoxelMask;
}

export async function loadSubjectBrain(
  source: BundleSource,
  subject: SubjectJson,
  signal?: AbortSignal,
): Promise<SubjectBrain> {
  const [anatomyBytes, roiBytes] = await Promise.all([
    readFile(source, subject.anatomy, signal),
    readFile(source, subject.roi, signal),
  ]);
  const [anatomyVolume, roiVolume] = await Promise.all([
    parseVolume(subject.anatomy, anatomyBytes),
    parseVolume(subject.roi, roiBytes),
  ]);
  const grid = offGrid(roiVolume, anatomyVolume, subject.anatomy);
  if (grid) throw new BrainFileError(subject.roi, `${grid}, so the activity cannot be painted over the anatomy`);
  const mask = enumerateMask(roiVolume.value, roiVolume.dims, subject.maskLabels, subject.voxelOrder);
  const size = maskSizeMismatch(subject, mask.indices.length, 'voxelCount in dataset.json');
  if (size) throw new BrainFileError(subject.roi, size);
  return {
    subjectId: subject.id,
    anatomy: { path: subject.anatomy, bytes: anatomyBytes },
    roi: { path: subject.roi, bytes: roiBytes, volume: roiVolume },
    mask,
  };
}

/** The ground-truth encoding: one row of `columns` per mask voxel, in vector order. */
export interface EncodingTable {
  columns: string[];
  /** [voxelCount, columns.length], row-major */
  values: Float32Array;
}

/** Reads the whole encoding array at once: a few MB at NSD scale, and every click reads a row of it. */
export async function loadEncoding(
  source: BundleSource,
  subject: SubjectJson,
  signal?: AbortSignal,
): Promise<EncodingTable> {
  const encoding = subject.encoding;
  if (!encoding) throw new Error(`${subject.id} has no encoding in dataset.json`);
  try {
    const array = await zarr.open.v2(zarr.root(bundleZarrStore(source, encoding.path)), {
      kind: 'array',
      attrs: false,
    });
    const expected = [subject.voxelCount, encoding.columns.length];
    if (array.shape.join() !== expected.join()) {
      throw new Error(`shape [${array.shape.join(', ')}] is not [voxelCount, columns] = [${expected.join(', ')}]`);
    }
    if (!array.is('float32')) throw new Error(`dtype ${array.dtype} is not float32`);
    const chunk = await zarr.get(array, null, { signal });
    return { columns: encoding.columns, values: chunk.data };
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new BrainFileError(error instanceof BundleReadError ? error.path : encoding.path, errorText(error));
  }
}

async function readFile(source: BundleSource, path: string, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    // Within the NIfTI size limit (src/data/limits.ts): all this reads are NIfTI files.
    return await source.read(path, { signal, limit: 'niftiBytes' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new BrainFileError(path, errorText(error));
  }
}

async function parseVolume(path: string, bytes: Uint8Array): Promise<NiftiVolume> {
  try {
    return await parseNifti(bytes);
  } catch (error) {
    throw new BrainFileError(path, errorText(error));
  }
}
