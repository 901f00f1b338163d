// What the validator reports, and the helpers its checks share for turning failures into problems.
import type { z } from 'zod';
import { BundleReadError, errorText, type BundleSource, type ReadOptions } from './bundleSource';
import type { Split } from './datasetSchema';

/** One thing wrong with a bundle: the bundle file it is about, and what is wrong, for people. */
export interface Problem {
  file: string;
  message: string;
}

/**
 * Problems as the lines every report shows, `<file>: <message>`; the CLI passes `escape` to keep a
 * hostile bundle's control characters out of the terminal.
 */
export function problemLines(
  problems: readonly Problem[],
  escape: (text: string) => string = (text) => text,
): string[] {
  return problems.map(({ file, message }) => `${escape(file)}: ${escape(message)}`);
}

export interface RoiLabelSummary {
  value: number;
  name: string;
  voxels: number;
  inMask: boolean;
}

export interface SubjectSummary {
  id: string;
  voxelCount: number;
  /** ROI labels with their voxel counts; empty when the ROI could not be read. */
  roiLabels: RoiLabelSummary[];
  /** Betas rows per split; null for an anatomy-only subject (or unreadable trials). */
  trials: Record<Split, number> | null;
  betasRows: 'single-trial' | 'repeat-average' | null;
}

export interface ImageSizeCount {
  width: number;
  height: number;
  count: number;
}

export interface DatasetSummary {
  id: string;
  name: string;
  synthetic: boolean;
  subjects: SubjectSummary[];
  images: Record<Split, number>;
  /** The distinct sizes of the images that decoded. */
  imageSizes: ImageSizeCount[];
}

/** A message per schema issue, capped per file: one systematic mistake should not bury the rest. */
const MAX_SCHEMA_MESSAGES = 20;

export function schemaProblems(file: string, error: z.ZodError): Problem[] {
  const problems = error.issues.slice(0, MAX_SCHEMA_MESSAGES).map((issue) => ({
    file,
    message: issue.path.length > 0 ? `${formatPath(issue.path)}: ${issue.message}` : issue.message,
  }));
  const more = error.issues.length - MAX_SCHEMA_MESSAGES;
  if (more > 0) problems.push({ file, message: `and ${more} more schema problems like these` });
  return problems;
}

/** ['subjects', 0, 'betas', 'scale'] -> 'subjects[0].betas.scale' */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/** "a, b, c and 12 more": examples of a repeated problem, without listing thousands of rows. */
export function listExamples(items: readonly string[], limit = 5): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}

/**
 * Reads a file the bundle refers to (from `referencedBy`, a field of dataset.json); on failure
 * records the problem and returns null.
 */
export async function readBundleFile(
  source: BundleSource,
  path: string,
  referencedBy: string,
  problems: Problem[],
  options: ReadOptions = {},
): Promise<Uint8Array | null> {
  try {
    return await source.read(path, options);
  } catch (error) {
    problems.push({ file: path, message: readFailure(error, referencedBy) });
    return null;
  }
}

export function readFailure(error: unknown, referencedBy: string): string {
  const what = error instanceof BundleReadError ? error.message : `could not be read: ${errorText(error)}`;
  return referencedBy ? `referenced by ${referencedBy}, but ${what}` : what;
}

/** Parses a JSON file and checks it against a schema; on failure records the problems and returns null. */
export async function readJsonFile<T>(
  source: BundleSource,
  path: string,
  referencedBy: string,
  schema: z.ZodType<T>,
  problems: Problem[],
): Promise<T | null> {
  const bytes = await readBundleFile(source, path, referencedBy, problems);
  if (!bytes) return null;
  let json: unknown;
  let protoKey = false;
  try {
    // JSON.parse makes "__proto__" an own key, but zod drops it: refuse it rather than lose it.
    json = JSON.parse(new TextDecoder().decode(bytes), (key, value: unknown) => {
      if (key === '__proto__') protoKey = true;
      return value;
    });
  } catch (error) {
    problems.push({ file: path, message: `not valid JSON: ${errorText(error)}` });
    return null;
  }
  if (protoKey) {
    problems.push({ file: path, message: 'has a key "__proto__", which JavaScript reads as an object\'s prototype' });
    return null;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    problems.push(...schemaProblems(path, parsed.error));
    return null;
  }
  return parsed.data;
}

/** `items.map(work)` with at most `limit` calls pending at a time; results keep the input order. */
/** Bundle files read at once: enough to hide HTTP latency, few enough not to flood a small static server. */
export const CONCURRENT_READS = 8;

export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
