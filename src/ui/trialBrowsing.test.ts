import { describe, expect, it } from 'vitest';
import type { DatasetJson, TrialsJson } from '../data/datasetSchema';
import {
  ALL_TRIALS,
  filterRows,
  pageOf,
  rowOfSelection,
  selectionOfRow,
  sessionsOf,
  stepRow,
  trialInSession,
} from './trialBrowsing';

// Two sessions of 3 trials; image 0 (test) shown in rows 0 and 4, image 1 (train) in 1 and 3, image 2 in 2 and 5.
const TRIALS: TrialsJson = {
  image: [0, 1, 2, 1, 0, 2],
  session: [0, 0, 0, 1, 1, 1],
  repeat: [0, 0, 0, 1, 1, 1],
  split: ['test', 'train', 'train', 'train', 'test', 'train'],
};
const DATASET = {
  images: [
    { id: 'a', file: 'a.webp', split: 'test', trials: { s1: [0, 4] } },
    { id: 'b', file: 'b.webp', split: 'train', trials: { s1: [1, 3] } },
    { id: 'c', file: 'c.webp', split: 'train', trials: { s1: [2, 5] } },
  ],
} as unknown as DatasetJson;

describe('the trial browser over a trial table', () => {
  it('keeps the rows of a session, a split or an image, in acquisition order', () => {
    expect([...filterRows(TRIALS, ALL_TRIALS)]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...filterRows(TRIALS, { ...ALL_TRIALS, session: 1 })]).toEqual([3, 4, 5]);
    expect([...filterRows(TRIALS, { ...ALL_TRIALS, split: 'test' })]).toEqual([0, 4]);
    expect([...filterRows(TRIALS, { ...ALL_TRIALS, image: 2 })]).toEqual([2, 5]);
    expect([...filterRows(TRIALS, { session: 0, split: 'train', image: null })]).toEqual([1, 2]);
    expect([...filterRows(TRIALS, { ...ALL_TRIALS, image: -1 })]).toEqual([]);
  });

  it('lists the sessions with their rows, and each row’s place in its session', () => {
    expect(sessionsOf(TRIALS)).toEqual([
      { session: 0, rows: 3 },
      { session: 1, rows: 3 },
    ]);
    expect([...trialInSession(TRIALS)]).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('cuts pages, clamping the page asked for to the pages there are', () => {
    const rows = Int32Array.from({ length: 60 }, (_, i) => i);
    expect(pageOf(rows, 0, 25)).toMatchObject({ page: 0, pages: 3 });
    expect([...pageOf(rows, 2, 25).rows]).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    expect(pageOf(rows, 9, 25).page).toBe(2);
    expect(pageOf(rows, -1, 25).page).toBe(0);
    expect(pageOf(new Int32Array(0), 0, 25)).toMatchObject({ page: 0, pages: 1 });
  });

  it('goes from a row to the selection (image id, which repeat) and back', () => {
    expect(selectionOfRow(DATASET, 's1', TRIALS, 4)).toEqual({ image: 'a', trial: 1 });
    expect(selectionOfRow(DATASET, 's1', TRIALS, 3)).toEqual({ image: 'b', trial: 1 });
    expect(selectionOfRow(DATASET, 's2', TRIALS, 3)).toBeNull();
    expect(selectionOfRow(DATASET, 's1', TRIALS, 99)).toBeNull();
    for (let row = 0; row < 6; row++) {
      const choice = selectionOfRow(DATASET, 's1', TRIALS, row)!;
      const index = DATASET.images.findIndex((im) => im.id === choice.image);
      expect(rowOfSelection(DATASET, 's1', index, choice.trial)).toBe(row);
    }
    expect(rowOfSelection(DATASET, 's1', 0, 'average')).toBeNull();
  });

  it('steps through the kept rows, from either end when the row shown is not among them', () => {
    const rows = Int32Array.of(3, 4, 5);
    expect(stepRow(rows, 4, 1)).toBe(5);
    expect(stepRow(rows, 5, 1)).toBe(5);
    expect(stepRow(rows, 3, -1)).toBe(3);
    expect(stepRow(rows, 0, 1)).toBe(3);
    expect(stepRow(rows, null, -1)).toBe(5);
    expect(stepRow(new Int32Array(0), 1, 1)).toBeNull();
  });
});
