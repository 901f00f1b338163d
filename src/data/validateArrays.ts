// Checks of a subject's Zarr arrays (betas, encoding) against dataset.json: metadata first, then the
// first and last rows are read, which proves the codec works and that the chunks were all written
// (a writer that stopped early leaves the last chunk missing or short).
import { BundleReadError, errorText, type BundleSource } from './bundleSource';
import type { SubjectJson } from './datasetSchema';
import { readFailure, type Problem } from './validation';
import { openRowReader, readZarrayInfo } from './zarrArray';

interface ExpectedArray {
  /** The array's folder in the bundle. */
  path: string;
  /** The dataset.json field that names it, e.g. "subjects[0].betas". */
  field: string;
  dtype: { name: string; from: string };
  /** What the number of rows (if known) and columns must be, and which field says so. */
  rows?: { count: number; from: string };
  columns: { count: number; from: string };
  scale?: number;
}

const COMPRESSORS = ['zlib', 'gzip'];

/** Checks one 2-D array; returns its number of rows when its metadata are usable, else null. */
async function checkArray(source: BundleSource, expected: ExpectedArray, problems: Problem[]): Promise<number | null> {
  const file = `${expected.path}/.zarray`;
  const report = (message: string) => problems.push({ file, message });
  let info;
  try {
    info = await readZarrayInfo(source, expected.path);
  } catch (error) {
    const field = `${expected.field}.path`;
    report(error instanceof BundleReadError ? readFailure(error, field) : `${errorText(error)}`);
    return null;
  }
  const before = problems.length;
  const [rows = 0, columns = 0] = info.shape;
  if (info.shape.length !== 2) report(`expected a 2-D array, but shape is [${info.shape.join(', ')}]`);
  if (info.dtype !== expected.dtype.name) {
    const actual = `"${info.zarrDtype}" (${info.dtype ?? 'unsupported'})`;
    report(`dtype ${actual} does not match ${expected.dtype.name}, as ${expected.dtype.from} says`);
  }
  if (expected.rows && rows !== expected.rows.count) {
    report(`has ${rows} rows, but ${expected.rows.from} says ${expected.rows.count}`);
  }
  if (columns !== expected.columns.count) {
    report(`has ${columns} columns, but ${expected.columns.from} says ${expected.columns.count}`);
  }
  if (info.order !== 'C') report(`order is "${info.order}", expected "C"`);
  if (info.chunks[1] !== columns) {
    report(
      `chunks [${info.chunks.join(', ')}] split rows; chunk by whole rows ([n, ${columns}]) so a row is one fetch`,
    );
  }
  if (info.compressor !== null && !COMPRESSORS.includes(info.compressor)) {
    report(`compressor "${info.compressor}" is not one of ${COMPRESSORS.join(', ')} or none`);
  }
  if (info.filters.length > 0) report('filters are not supported');
  if (problems.length === before && rows > 0) await checkRowsRead(source, expected, rows, problems);
  return info.shape.length === 2 ? rows : null;
}

async function checkRowsRead(source: BundleSource, expected: ExpectedArray, rows: number, problems: Problem[]) {
  try {
    const reader = await openRowReader(source, expected.path, expected.scale);
    for (const row of new Set([0, rows - 1])) {
      const values = await reader.read(row);
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        problems.push({ file: expected.path, message: `row ${row} holds a non-finite value at column ${bad}` });
    }
  } catch (error) {
    // A missing chunk arrives as a BundleReadError naming the chunk file; anything else is a codec error.
    const file = error instanceof BundleReadError ? error.path : expected.path;
    const message = error instanceof BundleReadError ? error.message : `could not be decoded: ${errorText(error)}`;
    problems.push({ file, message });
  }
}

/** Betas: [rows, voxelCount] of the declared dtype. Returns the number of rows, or null. */
export function checkBetas(source: BundleSource, subject: SubjectJson, field: string, problems: Problem[]) {
  const betas = subject.betas;
  if (!betas) return Promise.resolve(null);
  return checkArray(
    source,
    {
      path: betas.path,
      field: `${field}.betas`,
      dtype: { name: betas.dtype, from: `${field}.betas.dtype` },
      columns: { count: subject.voxelCount, from: `${field}.voxelCount` },
      scale: betas.scale,
    },
    problems,
  );
}

/** Encoding: float32 [voxelCount, columns.length]. */
export async function checkEncoding(source: BundleSource, subject: SubjectJson, field: string, problems: Problem[]) {
  const encoding = subject.encoding;
  if (!encoding) return;
  await checkArray(
    source,
    {
      path: encoding.path,
      field: `${field}.encoding`,
      dtype: { name: 'float32', from: 'the format (encoding arrays are float32)' },
      rows: { count: subject.voxelCount, from: `${field}.voxelCount` },
      columns: { count: encoding.columns.length, from: `${field}.encoding.columns` },
    },
    problems,
  );
}
