// 2-D Zarr v2 arrays (betas, encoding) read lazily through a BundleSource with zarrita: a row costs
// one chunk, so a 30000-trial subject can be browsed from a static host without downloading it.
import * as zarr from 'zarrita';
import { errorText, type BundleSource } from './bundleSource';

export class ZarrFormatError extends Error {
  override name = 'ZarrFormatError';
}

/**
 * A zarrita store over the files of one array folder of a bundle. Betas and encodings are dense, so a
 * missing chunk is an error naming the file (a writer that stopped early), never Zarr's fill value.
 */
export function bundleZarrStore(source: BundleSource, folder: string): zarr.AsyncReadable {
  return { get: (key, options) => source.read(`${folder}${key}`, options) };
}

/** What `.zarray` declares, with its dtype named the way dataset.json names dtypes. */
export interface ZarrayInfo {
  shape: number[];
  chunks: number[];
  /** e.g. "<i2" as written */
  zarrDtype: string;
  /** e.g. "int16", or null when it is not a plain little-endian or byte numeric type */
  dtype: string | null;
  order: string;
  compressor: string | null;
  filters: unknown[];
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

/** Reads and parses `<folder>/.zarray`; throws a BundleReadError or a ZarrFormatError. */
export async function readZarrayInfo(source: BundleSource, folder: string): Promise<ZarrayInfo> {
  const bytes = await source.read(`${folder}/.zarray`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw new ZarrFormatError(`not valid JSON: ${errorText(error)}`);
  }
  if (meta.zarr_format !== 2)
    throw new ZarrFormatError(`zarr_format is ${JSON.stringify(meta.zarr_format)}, expected 2`);
  const shape = meta.shape;
  const chunks = meta.chunks;
  const isDims = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0);
  if (!isDims(shape) || !isDims(chunks) || chunks.length !== shape.length || chunks.some((c) => c < 1)) {
    throw new ZarrFormatError(
      `shape ${JSON.stringify(shape)} and chunks ${JSON.stringify(chunks)} are not matching dimensions`,
    );
  }
  const zarrDtype = String(meta.dtype);
  const compressor = meta.compressor as { id?: unknown } | null;
  return {
    shape,
    chunks,
    zarrDtype,
    dtype: DTYPE_NAMES[zarrDtype] ?? null,
    order: String(meta.order),
    compressor: compressor === null ? null : String(compressor?.id),
    filters: Array.isArray(meta.filters) ? meta.filters : [],
  };
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
  /** One row as float32, times `scale` (the stored value's unit, for int betas). */
  read(row: number, options?: { signal?: AbortSignal }): Promise<Float32Array>;
}

/** Opens a 2-D numeric Zarr v2 array for reading rows; throws when zarrita cannot open it. */
export async function openRowReader(source: BundleSource, folder: string, scale = 1): Promise<RowReader> {
  await ensureFloat16Array(); // before open: zarrita picks the typed array class when it opens
  const array = await zarr.open.v2(zarr.root(bundleZarrStore(source, folder)), { kind: 'array', attrs: false });
  const [rows, columns] = array.shape;
  if (array.shape.length !== 2 || rows === undefined || columns === undefined) {
    throw new ZarrFormatError(`expected a 2-D array, got shape [${array.shape.join(', ')}]`);
  }
  if (!NUMERIC_DTYPES.has(array.dtype))
    throw new ZarrFormatError(`dtype ${array.dtype} is not a supported number type`);
  return {
    shape: [rows, columns],
    async read(row, options = {}) {
      const chunk = await zarr.get(array, [row, null], { signal: options.signal });
      const values = chunk.data as ArrayLike<number>;
      const out = new Float32Array(values.length);
      for (let i = 0; i < out.length; i++) out[i] = values[i]! * scale;
      return out;
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
