// 2-D Zarr v2 arrays (betas, encoding) read lazily through a BundleSource with zarrita: a row costs
// one chunk, so a 30000-trial subject can be browsed from a static host without downloading it.
// `.zarray` is checked in full before zarrita acts on it, and zarrita may ask the bundle for nothing
// but that file and chunk keys of the array's own folder (a crafted dimension_separator such as
// "%2F..%2F" would otherwise make it fetch another bundle's files).
import * as zarr from 'zarrita';
import { BundleReadError, errorText, type BundleSource } from './bundleSource';
import { LIMITS, limitText } from './limits';
import { inflateWithin } from './inflate';
import { AsyncMemo } from './asyncMemo';

/** Something wrong with a Zarr file (`.zarray` or a chunk); the message starts with its path. */
export class ZarrFormatError extends Error {
  override name = 'ZarrFormatError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A chunk key of a 2-D-or-more array: integers joined by one separator, "." or "/". */
const CHUNK_KEY = /^(?:\d+(?:\.\d+)*|\d+(?:\/\d+)*)$/;

/**
 * The file name inside the array folder that zarrita's store key stands for, or a ZarrFormatError.
 * zarrita has decoded %XX escapes by then; the key is checked after that decoding, so any escape
 * left, a '..', an absolute path or a URL is refused before a path or URL is made from it.
 */
function storeFile(folder: string, key: string): string {
  const name = key.startsWith('/') ? key.slice(1) : key;
  let decoded: string | null;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    decoded = null;
  }
  if (decoded !== name || (name !== '.zarray' && !CHUNK_KEY.test(name))) {
    throw new ZarrFormatError(`${folder}/.zarray`, `zarr asked for "${key}", which is not a chunk of the array folder`);
  }
  return `${folder}/${name}`;
}

/**
 * A zarrita store over the files of one array folder of a bundle. `.zarray` is checked (parseZarray)
 * before zarrita reads it. Betas and encodings are dense, so a missing chunk is an error naming the
 * file (a writer that stopped early), never Zarr's fill value. Compressed chunks are inflated here,
 * stopping at the size `.zarray` declares for a chunk (zarrita would inflate a few KB of zeros into
 * gigabytes), and zarrita is shown `.zarray` without its compressor so that it does not inflate
 * them again.
 */
export function bundleZarrStore(source: BundleSource, folder: string): zarr.AsyncReadable {
  let inflate: { format: 'deflate' | 'gzip'; bytes: number; chunk: string } | null = null;
  return {
    async get(key, options) {
      const file = storeFile(folder, key);
      const bytes = await source.read(file, options);
      if (!file.endsWith('/.zarray')) return inflate ? inflateChunk(bytes, file, inflate) : bytes;
      const info = parseZarray(bytes, file);
      // Another compressor is refused by formatProblems before zarrita opens the array.
      if (info.compressor !== 'zlib' && info.compressor !== 'gzip') return bytes;
      // An item size that does not parse (a dtype refused before opening, too) takes float64's 8.
      const itemBytes = Number(info.zarrDtype.slice(2)) || 8;
      inflate = {
        format: info.compressor === 'zlib' ? 'deflate' : 'gzip',
        bytes: info.chunks.reduce((product, n) => product * n, itemBytes),
        chunk: `[${info.chunks.join(', ')}] of "${info.zarrDtype}"`,
      };
      const meta = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      return new TextEncoder().encode(JSON.stringify({ ...meta, compressor: null }));
    },
  };
}

/** A chunk inflated, or a ZarrFormatError naming it once it holds more than a chunk's bytes. */
function inflateChunk(
  bytes: Uint8Array,
  file: string,
  inflate: { format: 'deflate' | 'gzip'; bytes: number; chunk: string },
): Promise<Uint8Array> {
  return inflateWithin(bytes, {
    format: inflate.format,
    limit: inflate.bytes,
    corrupt: (error) => new ZarrFormatError(file, `could not be decoded (corrupt?): ${errorText(error)}`),
    tooLarge: () =>
      new ZarrFormatError(
        file,
        `inflates to more than the ${inflate.bytes.toLocaleString('en-US')} bytes a chunk ${inflate.chunk} holds`,
      ),
  });
}

/** What `.zarray` declares, with its dtype named the way dataset.json names dtypes. */
export interface ZarrayInfo {
  shape: number[];
  chunks: number[];
  /** e.g. "<i2" as written */
  zarrDtype: string;
  /** e.g. "int16", or null when it is not a plain little-endian or byte numeric type */
  dtype: string | null;
  order: 'C' | 'F';
  compressor: string | null;
  filters: unknown[];
  /** Between a chunk key's indices: "0.0" or "0/0". */
  separator: '.' | '/';
}

const DTYPE_NAMES: Record<string, string> = {
  '|i1': 'int8',
  '<i1': 'int8',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '<i2': 'int16',
  '<u2': 'uint16',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<f2': 'float16',
  '<f4': 'float32',
  '<f8': 'float64',
};

/** The keys of a Zarr v2 `.zarray` (all required but dimension_separator). */
const ZARRAY_KEYS = ['zarr_format', 'shape', 'chunks', 'dtype', 'compressor', 'fill_value', 'order', 'filters'];

/** The compressors this app reads (zarrita's zlib and gzip codecs); none is fine too. */
export const COMPRESSORS = ['zlib', 'gzip'];

/**
 * Parses a `.zarray` and checks every field Zarr v2 defines, whatever this app uses of it; throws a
 * ZarrFormatError naming `file`.
 */
export function parseZarray(bytes: Uint8Array, file: string): ZarrayInfo {
  const fail = (problem: string): never => {
    throw new ZarrFormatError(file, problem);
  };
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return fail(`not valid JSON: ${errorText(error)}`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return fail('is not a JSON object');
  const fields = meta as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !ZARRAY_KEYS.includes(key) && key !== 'dimension_separator');
  if (unknown.length > 0) fail(`has keys Zarr v2 does not define: ${unknown.join(', ')}`);
  const missing = ZARRAY_KEYS.filter((key) => !Object.hasOwn(fields, key));
  if (missing.length > 0) fail(`lacks ${missing.join(', ')}`);

  if (fields.zarr_format !== 2) fail(`zarr_format is ${JSON.stringify(fields.zarr_format)}, expected 2`);
  const { shape, chunks } = fields;
  const isDims = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 0);
  if (!isDims(shape) || !isDims(chunks) || chunks.length !== shape.length || chunks.some((c) => c < 1)) {
    return fail(`shape ${JSON.stringify(shape)} and chunks ${JSON.stringify(chunks)} are not matching dimensions`);
  }
  if (typeof fields.dtype !== 'string') return fail(`dtype ${JSON.stringify(fields.dtype)} is not a string`);
  const dtype = Object.hasOwn(DTYPE_NAMES, fields.dtype) ? DTYPE_NAMES[fields.dtype]! : null;
  const order = fields.order;
  if (order !== 'C' && order !== 'F') return fail(`order ${JSON.stringify(order)} is neither "C" nor "F"`);

  const compressor = fields.compressor;
  let compressorId: string | null = null;
  if (compressor !== null) {
    const id =
      typeof compressor === 'object' && !Array.isArray(compressor) ? (compressor as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return fail(`compressor ${JSON.stringify(compressor)} is neither null nor {"id": ...}`);
    compressorId = id;
  }
  const filters = fields.filters;
  if (filters !== null && !Array.isArray(filters))
    return fail(`filters ${JSON.stringify(filters)} is neither null nor a list`);

  const fill = fields.fill_value;
  const isFloat = dtype?.startsWith('float') ?? false;
  const fillOk =
    fill === null ||
    (typeof fill === 'number' && (isFloat || Number.isSafeInteger(fill))) ||
    (isFloat && (fill === 'NaN' || fill === 'Infinity' || fill === '-Infinity'));
  if (!fillOk) fail(`fill_value ${JSON.stringify(fill)} is not a value of dtype "${fields.dtype}"`);

  const separator = Object.hasOwn(fields, 'dimension_separator') ? fields.dimension_separator : '.';
  if (separator !== '.' && separator !== '/') {
    return fail(`dimension_separator ${JSON.stringify(separator)} is neither "." nor "/"`);
  }
  return {
    shape,
    chunks,
    zarrDtype: fields.dtype,
    dtype,
    order,
    compressor: compressorId,
    filters: filters ?? [],
    separator,
  };
}

/** Reads and checks `<folder>/.zarray`; throws a BundleReadError or a ZarrFormatError. */
export async function readZarrayInfo(source: BundleSource, folder: string): Promise<ZarrayInfo> {
  const file = `${folder}/.zarray`;
  return parseZarray(await source.read(file), file);
}

/**
 * What this app's bundle format asks of an array beyond Zarr (docs/dataset-format.md): 2-D, C order,
 * chunks of whole rows (a row is one fetch) within LIMITS.zarrChunkValues, zlib, gzip or no
 * compressor, no filters.
 */
export function formatProblems(info: ZarrayInfo): string[] {
  const problems: string[] = [];
  const [, columns = 0] = info.shape;
  if (info.shape.length !== 2) problems.push(`expected a 2-D array, but shape is [${info.shape.join(', ')}]`);
  if (info.order !== 'C') problems.push(`order is "${info.order}", expected "C"`);
  if (info.shape.length === 2 && info.chunks[1] !== columns) {
    problems.push(
      `chunks [${info.chunks.join(', ')}] split rows; chunk by whole rows ([n, ${columns}]) so a row is one fetch`,
    );
  }
  // Declared sizes, checked before zarrita allocates a chunk's values for the first read.
  const chunkValues = info.chunks.reduce((product, n) => product * n, 1);
  if (chunkValues > LIMITS.zarrChunkValues) {
    problems.push(
      `chunks [${info.chunks.join(', ')}] hold ${chunkValues.toLocaleString('en-US')} values each, more than ${limitText('zarrChunkValues', 'values')}; a read decodes a whole chunk`,
    );
  }
  if (info.compressor !== null && !COMPRESSORS.includes(info.compressor)) {
    problems.push(`compressor "${info.compressor}" is not one of ${COMPRESSORS.join(', ')} or none`);
  }
  if (info.filters.length > 0) problems.push('filters are not supported');
  return problems;
}

// Types whose values are plain JS numbers (not bigint, bool or strings).
const NUMERIC_DTYPES = new Set([
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float16',
  'float32',
  'float64',
]);

export interface RowReader {
  /** [rows, columns] */
  shape: [number, number];
  /** Rows per chunk: chunk i holds rows i·chunkRows up to the next chunk's first. */
  chunkRows: number;
  chunkCount: number;
  /** The bundle path of chunk i, for messages. */
  chunkFile(chunk: number): string;
  /** How many decoded chunks it keeps now (at most LIMITS.zarrCachedValues values' worth). */
  readonly cachedChunks: number;
  /**
   * One row as float32, times `scale` (the stored value's unit, for int betas); a ZarrFormatError
   * when its chunk is short or the row holds a value that is not finite.
   */
  read(row: number, options?: { signal?: AbortSignal }): Promise<Float32Array>;
  /** Chunk i's rows (the padding of an edge chunk left out) as float32 times `scale`, row after row. */
  readChunk(chunk: number, options?: { signal?: AbortSignal }): Promise<Float32Array>;
}

/** The first column of a row that is not finite, or -1. */
export function firstNonFinite(values: Float32Array, start = 0, end = values.length): number {
  for (let i = start; i < end; i++) if (!Number.isFinite(values[i]!)) return i - start;
  return -1;
}

/**
 * Opens a 2-D numeric Zarr v2 array for reading rows; throws a BundleReadError or a ZarrFormatError.
 * `cachedValues`: how many decoded values of recent chunks it keeps (LIMITS.zarrCachedValues).
 */
export async function openRowReader(
  source: BundleSource,
  folder: string,
  scale = 1,
  { cachedValues = LIMITS.zarrCachedValues }: { cachedValues?: number } = {},
): Promise<RowReader> {
  const zarrayFile = `${folder}/.zarray`;
  const info = await readZarrayInfo(source, folder);
  const problems = formatProblems(info);
  if (info.dtype === null || !NUMERIC_DTYPES.has(info.dtype))
    problems.push(`dtype "${info.zarrDtype}" is not a supported number type`);
  if (problems.length > 0) throw new ZarrFormatError(zarrayFile, problems.join('; '));
  await ensureFloat16Array(); // before open: zarrita picks the typed array class when it opens
  let array: zarr.Array<zarr.DataType, zarr.AsyncReadable>;
  try {
    array = await zarr.open.v2(zarr.root(bundleZarrStore(source, folder)), { kind: 'array', attrs: false });
  } catch (error) {
    if (error instanceof BundleReadError || error instanceof ZarrFormatError) throw error;
    throw new ZarrFormatError(zarrayFile, errorText(error));
  }
  const [rows, columns] = info.shape as [number, number];
  const chunkRows = info.chunks[0]!;
  const chunkFile = (chunk: number) => `${folder}/${chunk}${info.separator}0`;

  // The chunks read last, decoded, within LIMITS.zarrCachedValues: neighbouring rows and an image's
  // repeats are usually in chunks read a moment ago.
  const chunkValues = chunkRows * columns;
  const cached = new AsyncMemo<number, Float32Array>(Math.max(1, Math.floor(cachedValues / chunkValues)));
  const readChunk = (chunk: number, options: { signal?: AbortSignal } = {}): Promise<Float32Array> =>
    cached.get(chunk, async () => {
      let data: ArrayLike<number>;
      try {
        data = (await array.getChunk([chunk, 0], { signal: options.signal })).data as ArrayLike<number>;
      } catch (error) {
        if (error instanceof BundleReadError || error instanceof ZarrFormatError) throw error; // names the chunk
        const cause = error instanceof Error && error.cause !== undefined ? `: ${errorText(error.cause)}` : '';
        throw new ZarrFormatError(chunkFile(chunk), `could not be decoded (corrupt?): ${errorText(error)}${cause}`);
      }
      if (data.length !== chunkValues) {
        throw new ZarrFormatError(
          chunkFile(chunk),
          `holds ${data.length} values, but a chunk of [${chunkRows}, ${columns}] holds ${chunkValues}`,
        );
      }
      const count = Math.min(chunkRows, rows - chunk * chunkRows) * columns;
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = data[i]! * scale;
      return out;
    });

  return {
    shape: [rows, columns],
    chunkRows,
    chunkCount: Math.ceil(rows / chunkRows),
    chunkFile,
    readChunk,
    get cachedChunks() {
      return cached.size;
    },
    async read(row, options = {}) {
      if (!Number.isInteger(row) || row < 0 || row >= rows) {
        throw new ZarrFormatError(zarrayFile, `row ${row} is outside the array's ${rows} rows`);
      }
      const chunk = Math.floor(row / chunkRows);
      const values = await readChunk(chunk, options);
      const start = (row - chunk * chunkRows) * columns;
      const bad = firstNonFinite(values, start, start + columns);
      if (bad >= 0) {
        throw new ZarrFormatError(chunkFile(chunk), `row ${row} holds ${values[start + bad]} at column ${bad}`);
      }
      return values.slice(start, start + columns);
    },
  };
}

/**
 * zarrita reads float16 through the built-in Float16Array (Chromium has it); Node 20 and older
 * browsers lack it, and the CLI and the tests run on Node 20, so install the standard polyfill there.
 */
async function ensureFloat16Array(): Promise<void> {
  if ('Float16Array' in globalThis) return;
  const { Float16Array } = await import('@petamoriken/float16');
  Object.assign(globalThis, { Float16Array });
}
