// What the trial browser shows of a subject's trial table, as pure functions: the rows a filter
// keeps (session, split, image), a page of them, each row's place in its session, and the way
// between a betas row and the selection (image id + which of its repeats). At NSD's size (30,000
// rows) a filter is one pass over typed arrays, well under a frame.
import type { DatasetJson, Split, TrialsJson } from '../data/datasetSchema';

export interface TrialFilter {
  /** 0-based session, or null for every session. */
  session: number | null;
  split: Split | null;
  /** An image index of dataset.json, or null for every image. */
  image: number | null;
}

export const ALL_TRIALS: TrialFilter = { session: null, split: null, image: null };

/** The rows the filter keeps, in acquisition order. */
export function filterRows(trials: TrialsJson, filter: TrialFilter): Int32Array {
  const kept = new Int32Array(trials.image.length);
  let count = 0;
  for (let row = 0; row < trials.image.length; row++) {
    if (filter.session !== null && trials.session[row] !== filter.session) continue;
    if (filter.split !== null && trials.split[row] !== filter.split) continue;
    if (filter.image !== null && trials.image[row] !== filter.image) continue;
    kept[count++] = row;
  }
  return kept.slice(0, count);
}

/** The sessions the table holds (0-based), ascending, with how many rows each has. */
export function sessionsOf(trials: TrialsJson): { session: number; rows: number }[] {
  const counts = new Map<number, number>();
  for (const session of trials.session) counts.set(session, (counts.get(session) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([session, rows]) => ({ session, rows }));
}

/** Each row's 0-based place among the earlier rows of its session (NSD's trial within the session). */
export function trialInSession(trials: TrialsJson): Int32Array {
  const seen = new Map<number, number>();
  return Int32Array.from(trials.session, (session) => {
    const place = seen.get(session) ?? 0;
    seen.set(session, place + 1);
    return place;
  });
}

export interface Page {
  /** 0-based, clamped to the pages there are. */
  page: number;
  pages: number;
  rows: Int32Array;
}

export function pageOf(rows: Int32Array, page: number, size: number): Page {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const at = Math.min(Math.max(0, page), pages - 1);
  return { page: at, pages, rows: rows.subarray(at * size, (at + 1) * size) };
}

/** The selection that shows a betas row: its image's id and which of the image's repeats it is. */
export function selectionOfRow(
  dataset: DatasetJson,
  subject: string,
  trials: TrialsJson,
  row: number,
): { image: string; trial: number } | null {
  const imageIndex = trials.image[row];
  const image = imageIndex === undefined ? undefined : dataset.images[imageIndex];
  const repeat = image?.trials?.[subject]?.indexOf(row) ?? -1;
  return image && repeat >= 0 ? { image: image.id, trial: repeat } : null;
}

/** The betas row a selection shows, or null for the mean of the repeats (or nothing selected). */
export function rowOfSelection(
  dataset: DatasetJson,
  subject: string,
  imageIndex: number,
  trial: 'average' | number,
): number | null {
  if (trial === 'average') return null;
  return dataset.images[imageIndex]?.trials?.[subject]?.[trial] ?? null;
}

/** The row `delta` places from `row` among `rows` (from the first or last when `row` is not among them). */
export function stepRow(rows: Int32Array, row: number | null, delta: number): number | null {
  if (rows.length === 0) return null;
  const at = row === null ? -1 : rows.indexOf(row);
  const from = at >= 0 ? at : delta > 0 ? -1 : rows.length;
  return rows[Math.min(rows.length - 1, Math.max(0, from + delta))]!;
}
