// Presentation mode (`?present`): a playlist of test trials shown full screen, one at a time, every
// reconstruction computed ahead so that a talk never waits. Pure functions: the playlist resolved
// against the dataset (urlState.ts reads and writes it), the default one, the order the
// reconstructions are computed in, the clicker's keys.
import type { DatasetJson } from '../data/datasetSchema';
import { imageIndexOf, repeatsOf } from './selectionRules';
import { serializePlaylist, type PlaylistEntry } from './urlState';

/** How many test images the default playlist shows: a talk's worth, computed ahead in about a minute. */
export const DEFAULT_PLAYLIST_LENGTH = 8;

/** A playlist entry the dataset can show: its image's index, and the repeats it has for the subject. */
export interface PlaylistItem extends PlaylistEntry {
  imageIndex: number;
}

export interface ResolvedPlaylist {
  items: PlaylistItem[];
  /** Entries left out, each with why, e.g. `test-9999: not an image of dataset synthetic-nsd`. */
  skipped: string[];
}

/**
 * The playlist the page shows for a subject: the URL's entries the dataset has (trials the subject
 * has), in the URL's order; with none asked for, the first DEFAULT_PLAYLIST_LENGTH test images the
 * subject saw, each as the mean of its repeats. The first ones rather than the model's best: the
 * same slides on every machine without decoding all test images first, and not a cherry-picked
 * view of the model (a presenter who wants others names them in the URL).
 */
export function resolvePlaylist(
  entries: readonly PlaylistEntry[],
  dataset: DatasetJson,
  subject: string,
): ResolvedPlaylist {
  if (entries.length === 0) {
    const items = dataset.images
      .flatMap((image, imageIndex) =>
        image.split === 'test' && repeatsOf(dataset, subject, imageIndex) > 0
          ? [{ image: image.id, trial: 'average' as const, imageIndex }]
          : [],
      )
      .slice(0, DEFAULT_PLAYLIST_LENGTH);
    return { items, skipped: [] };
  }
  const items: PlaylistItem[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const imageIndex = imageIndexOf(dataset, entry.image);
    const repeats = repeatsOf(dataset, subject, imageIndex);
    if (imageIndex < 0) skipped.push(`${entry.image}: not an image of dataset ${dataset.id}`);
    else if (repeats === 0) skipped.push(`${entry.image}: ${subject} did not see it`);
    else if (entry.trial !== 'average' && entry.trial >= repeats)
      skipped.push(`${serializePlaylist([entry])}: ${subject} saw ${entry.image} ${repeats} time(s)`);
    else items.push({ ...entry, imageIndex });
  }
  return { items, skipped };
}

/** The item the selection shows: the same image and trial, else the same image, else the first. */
export function playlistPosition(
  items: readonly PlaylistEntry[],
  image: string | null,
  trial: 'average' | number,
): number {
  const exact = items.findIndex((item) => item.image === image && item.trial === trial);
  if (exact >= 0) return exact;
  return Math.max(
    0,
    items.findIndex((item) => item.image === image),
  );
}

/** The order to compute the reconstructions in: the one shown, then the ones after it, then those before. */
export function preloadOrder(length: number, current: number): number[] {
  return Array.from({ length }, (_, i) => (current + i) % length);
}

/**
 * What a clicker or keyboard key does: +1 (next), -1 (previous), 'first', 'last', or null. Clickers
 * send PageDown/PageUp (some send the arrow keys); space goes on, as in slide software.
 */
export function clickerMove(key: string, shift: boolean): 1 | -1 | 'first' | 'last' | null {
  switch (key) {
    case 'PageDown':
    case 'ArrowRight':
    case 'ArrowDown':
      return 1;
    case ' ':
      return shift ? -1 : 1;
    case 'PageUp':
    case 'ArrowLeft':
    case 'ArrowUp':
      return -1;
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    default:
      return null;
  }
}

/** The position after a move, kept within the playlist (no wrap: the last slide stays the last). */
export function movedPosition(position: number, move: 1 | -1 | 'first' | 'last', length: number): number {
  if (move === 'first') return 0;
  if (move === 'last') return Math.max(0, length - 1);
  return Math.min(Math.max(0, length - 1), Math.max(0, position + move));
}

export interface ComputeAhead {
  count: number;
  /** The item shown now: asked again before each computation, so a jump ahead is served next. */
  position: () => number;
  /** Whether an item has its result already (computed earlier, or failed for good). */
  settled: (index: number) => boolean;
  compute: (index: number) => Promise<void>;
  /** Whether to stop (the mode was left): checked before each computation. */
  stopped: () => boolean;
}

/**
 * Computes every item not yet settled, one at a time (the worker runs one reconstruction at a time
 * anyway), in preloadOrder from the position shown at each turn; each item is tried once.
 */
export async function computeAhead({ count, position, settled, compute, stopped }: ComputeAhead): Promise<void> {
  const tried = new Set<number>();
  for (;;) {
    if (stopped()) return;
    const next = preloadOrder(count, position()).find((i) => !tried.has(i) && !settled(i));
    if (next === undefined) return;
    tried.add(next);
    await compute(next);
  }
}
