// Checks of a subject's Zarr arrays (betas, encoding) against dataset.json: metadata first (Zarr's and
// this format's, zarrArray.ts), then the content. `npm run validate` reads every chunk: each must be
// there, decode, hold a whole chunk of values (a short one would read as zeros), and hold finite
// numbers, reported by row. The app, at load, reads the chunks of the first and last rows, which
// proves the codec works and catches a writer that stopped early (the last chunk missing or short).
import { BundleReadError, errorText, type BundleSource } from './bundleSource';
import type { SubjectJson } from './datasetSchema';
import { listExamples, mapConcurrently, readFailure, type Problem } from './validation';
import { firstNonFinite, formatProblems, openRowReader, readZarrayInfo, ZarrFormatError } from './zarrArray';

/** Which chunks the content check reads, and whom it tells how far it got. */
export interface ArrayScan {
  /** 'every' chunk, or the chunks of the first and last rows ('ends'). */
  chunks: 'every' | 'ends';
  onProgress?: (progress: ChunkProgress) => void;
  /** Awaited before each chunk: the app's background check yields to the page there. */
  pace?: () => Promise<void>;
}

/** Chunks of one array read so far. */
export interface ChunkProgress {
  /** The array's folder. */
  file: string;
  done: number;
  total: number;
}

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

/** Checks one 2-D array; returns its number of rows when its metadata are usable, else null. */
async function checkArray(
  source: BundleSource,
  expected: ExpectedArray,
  scan: ArrayScan,
  problems: Problem[],
): Promise<number | null> {
  const file = `${expected.path}/.zarray`;
  const report = (message: string) => problems.push({ file, message });
  let info;
  try {
    info = await readZarrayInfo(source, expected.path);
  } catch (error) {
    if (error instanceof ZarrFormatError) problems.push({ file: error.file, message: error.problem });
    else report(readFailure(error, `${expected.field}.path`));
    return null;
  }
  const before = problems.length;
  const [rows = 0, columns = 0] = info.shape;
  for (const problem of formatProblems(info)) report(problem);
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
  if (problems.length === before && rows > 0) await checkContent(source, expected, scan, problems);
  return info.shape.length === 2 ? rows : null;
}

/** Chunk problems listed one by one before the rest are counted. */
const LISTED_CHUNKS = 5;

/** Reads the chunks `scan` asks for: each present, decodable, whole, and every value finite. */
async function checkContent(source: BundleSource, expected: ExpectedArray, scan: ArrayScan, problems: Problem[]) {
  let reader;
  try {
    reader = await openRowReader(source, expected.path, expected.scale);
  } catch (error) {
    problems.push(contentProblem(error, `${expected.path}/.zarray`));
    return;
  }
  const { chunkRows, chunkCount } = reader;
  const [rows, columns] = reader.shape;
  const chunks =
    scan.chunks === 'every'
      ? Array.from({ length: chunkCount }, (_, i) => i)
      : [...new Set([0, Math.floor((rows - 1) / chunkRows)])];
  const unreadable: Problem[] = [];
  const nonFinite: { row: number; text: string }[] = [];
  let done = 0;
  // A few chunks in flight hide HTTP latency; each holds one chunk's values at a time.
  await mapConcurrently(chunks, 4, async (chunk) => {
    await scan.pace?.();
    try {
      const values = await reader.readChunk(chunk);
      for (let r = 0; r * columns < values.length; r++) {
        const bad = firstNonFinite(values, r * columns, (r + 1) * columns);
        const row = chunk * chunkRows + r;
        if (bad >= 0) nonFinite.push({ row, text: `row ${row} (${values[r * columns + bad]} at column ${bad})` });
      }
    } catch (error) {
      unreadable.push(contentProblem(error, reader.chunkFile(chunk)));
    }
    scan.onProgress?.({ file: expected.path, done: ++done, total: chunks.length });
  });
  unreadable.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  problems.push(...unreadable.slice(0, LISTED_CHUNKS));
  if (unreadable.length > LISTED_CHUNKS) {
    problems.push({
      file: expected.path,
      message: `and ${unreadable.length - LISTED_CHUNKS} more chunks that cannot be read: ${listExamples(unreadable.slice(LISTED_CHUNKS).map((p) => p.file))}`,
    });
  }
  if (nonFinite.length > 0) {
    nonFinite.sort((a, b) => a.row - b.row);
    problems.push({
      file: expected.path,
      message: `${nonFinite.length} row${nonFinite.length === 1 ? ' holds' : 's hold'} values that are not finite numbers: ${listExamples(nonFinite.map((r) => r.text))}`,
    });
  }
}

/** A missing chunk is a BundleReadError naming it, a short or undecodable one a ZarrFormatError. */
function contentProblem(error: unknown, file: string): Problem {
  if (error instanceof BundleReadError) return { file: error.path, message: error.message };
  if (error instanceof ZarrFormatError) return { file: error.file, message: error.problem };
  return { file, message: `could not be decoded: ${errorText(error)}` };
}

/** Betas: [rows, voxelCount] of the declared dtype. Returns the number of rows, or null. */
export function checkBetas(
  source: BundleSource,
  subject: SubjectJson,
  field: string,
  scan: ArrayScan,
  problems: Problem[],
) {
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
    scan,
    problems,
  );
}

/** Encoding: float32 [voxelCount, columns.length]. */
export async function checkEncoding(
  source: BundleSource,
  subject: SubjectJson,
  field: string,
  scan: ArrayScan,
  problems: Problem[],
) {
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
    scan,
    problems,
  );
}
