import { describe, expect, it } from 'vitest';
import type { DatasetJson } from '../data/datasetSchema';
import {
  clickerMove,
  computeAhead,
  DEFAULT_PLAYLIST_LENGTH,
  movedPosition,
  playlistPosition,
  preloadOrder,
  resolvePlaylist,
} from './presentation';
import { parsePlaylist, serializePlaylist } from './urlState';

/** Twelve images: train-00, then test-01 … test-11; subj01 saw every test image 3 times but test-02 (never). */
const dataset = {
  id: 'tiny',
  images: Array.from({ length: 12 }, (_, i) => ({
    id: i === 0 ? 'train-00' : `test-${String(i).padStart(2, '0')}`,
    split: i === 0 ? 'train' : 'test',
    trials: i === 2 ? { subj02: [9] } : { subj01: [3 * i, 3 * i + 1, 3 * i + 2] },
  })),
} as unknown as DatasetJson;

describe('the presentation playlist', () => {
  it('parses entries with an optional trial counted from 1, and drops what does not parse', () => {
    expect(parsePlaylist('test-01, test-03:2')).toEqual([
      { image: 'test-01', trial: 'average' },
      { image: 'test-03', trial: 1 },
    ]);
    expect(parsePlaylist('')).toEqual([]);
    expect(parsePlaylist('test-01:0,test-03:two,:2,a:1:2,test-04')).toEqual([{ image: 'test-04', trial: 'average' }]);
    const entries = parsePlaylist('test-05:3,test-01');
    expect(parsePlaylist(serializePlaylist(entries))).toEqual(entries);
  });

  it('by default: the first test images the subject saw, as the mean of their repeats, in dataset order', () => {
    const { items, skipped } = resolvePlaylist([], dataset, 'subj01');
    expect(items).toHaveLength(DEFAULT_PLAYLIST_LENGTH);
    expect(items.map((item) => item.image)).toEqual([
      'test-01',
      'test-03',
      'test-04',
      'test-05',
      'test-06',
      'test-07',
      'test-08',
      'test-09',
    ]);
    expect(items.every((item) => item.trial === 'average')).toBe(true);
    expect(items[0]!.imageIndex).toBe(1);
    expect(skipped).toEqual([]);
  });

  it("keeps a given playlist's order and says why each entry it leaves out cannot be shown", () => {
    const { items, skipped } = resolvePlaylist(
      parsePlaylist('test-09:2,test-99,test-02,test-04:4,test-01'),
      dataset,
      'subj01',
    );
    expect(items).toEqual([
      { image: 'test-09', trial: 1, imageIndex: 9 },
      { image: 'test-01', trial: 'average', imageIndex: 1 },
    ]);
    expect(skipped).toEqual([
      'test-99: not an image of dataset tiny',
      'test-02: subj01 did not see it',
      'test-04:4: subj01 saw test-04 3 time(s)',
    ]);
  });

  it('finds the shown item by image and trial, else by image, else the first', () => {
    const items = parsePlaylist('test-01,test-03:1,test-03');
    expect(playlistPosition(items, 'test-03', 'average')).toBe(2);
    expect(playlistPosition(items, 'test-03', 1)).toBe(1);
    expect(playlistPosition(items, 'test-03', 2)).toBe(1);
    expect(playlistPosition(items, 'test-07', 'average')).toBe(0);
  });

  it('computes the shown item first, then those after it, then those before', () => {
    expect(preloadOrder(5, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(preloadOrder(5, 3)).toEqual([3, 4, 0, 1, 2]);
    expect(preloadOrder(0, 0)).toEqual([]);
  });

  it("moves on a clicker's keys and stays within the playlist", () => {
    expect(['PageDown', 'ArrowRight', 'ArrowDown', ' '].map((key) => clickerMove(key, false))).toEqual([1, 1, 1, 1]);
    expect(['PageUp', 'ArrowLeft', 'ArrowUp'].map((key) => clickerMove(key, false))).toEqual([-1, -1, -1]);
    expect(clickerMove(' ', true)).toBe(-1);
    expect(clickerMove('Home', false)).toBe('first');
    expect(clickerMove('End', false)).toBe('last');
    expect(clickerMove('a', false)).toBeNull();
    expect(movedPosition(0, -1, 8)).toBe(0);
    expect(movedPosition(7, 1, 8)).toBe(7);
    expect(movedPosition(3, 1, 8)).toBe(4);
    expect(movedPosition(3, 'last', 8)).toBe(7);
    expect(movedPosition(3, 'first', 8)).toBe(0);
  });
});

describe('computing the playlist ahead', () => {
  it('computes one item at a time from the one shown, follows a jump, skips what is done and stops when told', async () => {
    const computed: number[] = [];
    let shown = 1;
    let stop = false;
    await computeAhead({
      count: 6,
      position: () => shown,
      settled: (i) => i === 3,
      compute: async (i) => {
        computed.push(i);
        if (i === 2) shown = 5; // the presenter jumped to the last slide while item 2 was computed
        if (computed.length === 4) stop = true;
      },
      stopped: () => stop,
    });
    expect(computed).toEqual([1, 2, 5, 0]);
  });

  it('tries each item once, even when its computation leaves it unsettled', async () => {
    const computed: number[] = [];
    await computeAhead({
      count: 3,
      position: () => 0,
      settled: () => false,
      compute: async (i) => void computed.push(i),
      stopped: () => false,
    });
    expect(computed).toEqual([0, 1, 2]);
  });
});
