import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelJson } from '../data/modelSchema';
import { TINY_DATASET } from '../../test/tinyBundle';
import {
  chanceRank,
  galleryImages,
  galleryJobs,
  galleryRows,
  gallerySlot,
  pendingJobs,
  sharedAndSingle,
  sortRows,
  summarize,
  trainedOnOthers,
  type GalleryJob,
  type ModelPair,
} from './galleryRules';
import { startedRun, type CatalogEntry, type RunState } from './pipelineStore';

const BASE = 'https://example.org/app/models/';
const shipped = (id: string) => JSON.parse(readFileSync(`public/models/${id}/model.json`, 'utf8')) as ModelJson;

/** The demo's catalog as the page lists it: the shipped model.json files, read as they are. */
const CATALOG: Record<string, CatalogEntry> = Object.fromEntries(
  ['mini-subj01-finetuned', 'mini-subj01-alone', 'mini-multisubject'].map((id) => [
    `${BASE}${id}/`,
    { status: 'ready', json: shipped(id) } as CatalogEntry,
  ]),
);

const PAIR: ModelPair = {
  shared: { url: 'shared/', json: shipped('mini-subj01-finetuned') },
  single: { url: 'single/', json: shipped('mini-subj01-alone') },
};

/** A run of the job finished with the seen image at `rank` of 300 (null: decoded, not ranked yet). */
function finished(job: GalleryJob, rank: number | null): RunState {
  return {
    ...startedRun(job.key),
    status: 'done',
    resemblance: rank === null ? null : { rank, of: 300, matches: [] },
  };
}

describe('which models the gallery sets side by side', () => {
  it("tells shared-subject from single-subject by the shipped bundles' model.json", () => {
    expect(trainedOnOthers(shipped('mini-subj01-finetuned'))).toBe(true);
    expect(trainedOnOthers(shipped('mini-subj01-alone'))).toBe(false);
    expect(trainedOnOthers(shipped('mini-multisubject'))).toBe(true);
  });

  it('pairs the first of each kind that decodes the subject, whatever order they are listed in', () => {
    const pair = sharedAndSingle(CATALOG, 'subj01');
    expect(pair.shared?.url).toBe(`${BASE}mini-subj01-finetuned/`);
    expect(pair.single?.url).toBe(`${BASE}mini-subj01-alone/`);
    const reversed = Object.fromEntries(Object.entries(CATALOG).reverse());
    expect(sharedAndSingle(reversed, 'subj01').shared?.url).toBe(`${BASE}mini-subj01-finetuned/`);
    // Subject 02 has the multi-subject model alone: no single-subject column.
    expect(sharedAndSingle(CATALOG, 'subj02')).toEqual({
      shared: { url: `${BASE}mini-multisubject/`, json: shipped('mini-multisubject') },
      single: null,
    });
  });

  it('reads a pretraining stage, or the name, when the sessions list only this subject', () => {
    const alone = shipped('mini-subj01-alone');
    const notes = { stageSeconds: { pretrain: 1, finetune: 2 } };
    expect(trainedOnOthers({ ...alone, provenance: { ...alone.provenance, notes } })).toBe(true);
    expect(trainedOnOthers({ ...alone, provenance: { ...alone.provenance, notes: 'free text' } })).toBe(false);
    expect(trainedOnOthers({ ...alone, name: 'my shared-subject model' })).toBe(true);
  });
});

describe('the rows and what fills them', () => {
  const images = galleryImages(TINY_DATASET, 'subj01');
  const jobs = galleryJobs(images, PAIR, 'subj01', 3);

  it("lists the subject's test images in dataset order, each decoded by both models, row by row", () => {
    expect(images.length).toBeGreaterThan(1);
    for (const index of images) {
      expect(TINY_DATASET.images[index]!.split).toBe('test');
      expect(TINY_DATASET.images[index]!.trials?.subj01?.length).toBeGreaterThan(0);
    }
    expect(images).toEqual([...images].sort((a, b) => a - b));
    expect(jobs.map((j) => [j.key.imageIndex, j.key.modelUrl])).toEqual(
      images.flatMap((i) => [
        [i, 'shared/'],
        [i, 'single/'],
      ]),
    );
    expect(jobs[0]!.key).toEqual({
      modelUrl: 'shared/',
      subject: 'subj01',
      imageIndex: images[0],
      trial: 'average',
      seed: 3,
      samples: 1,
    });
    expect(new Set(jobs.map((j) => j.slot)).size).toBe(jobs.length);
    expect(galleryImages(TINY_DATASET, null)).toEqual([]);
  });

  it('leaves a column out when its kind of model is missing', () => {
    const sharedOnly = galleryJobs(images, { ...PAIR, single: null }, 'subj01', 0);
    expect(sharedOnly.map((j) => j.key.modelUrl)).toEqual(images.map(() => 'shared/'));
  });

  it('fills each row from its own runs; a run of another seed in the slot is not shown', () => {
    const [a, b, c] = jobs;
    const runs: Record<string, RunState> = {
      [a!.slot]: finished(a!, 4),
      [b!.slot]: finished(b!, 40),
      [c!.slot]: finished({ ...c!, key: { ...c!.key, seed: 99 } }, 1),
    };
    const rows = galleryRows(images, PAIR, 'subj01', 3, runs);
    expect(rows).toHaveLength(images.length);
    expect(rows[0]!.shared?.resemblance?.rank).toBe(4);
    expect(rows[0]!.single?.resemblance?.rank).toBe(40);
    expect(rows[1]!.shared).toBeUndefined();
    expect(rows[1]!.single).toBeUndefined();
  });

  it('runs again what was cancelled, failed, or decoded without its rank; not what is done or running', () => {
    const [a, b, c, d] = jobs;
    const runs: Record<string, RunState> = {
      [a!.slot]: finished(a!, 4),
      [b!.slot]: { ...startedRun(b!.key), status: 'cancelled' },
      [c!.slot]: finished(c!, null),
      [d!.slot]: startedRun(d!.key),
    };
    const pending = pendingJobs(jobs, runs);
    expect(pending.map((j) => j.slot)).toEqual([b!.slot, c!.slot, ...jobs.slice(4).map((j) => j.slot)]);
    expect(pendingJobs(jobs, {})).toEqual(jobs);
    expect(gallerySlot(7, 'x/')).toBe('gallery:7:x/');
  });
});

describe('ordering by rank', () => {
  const images = [10, 11, 12, 13];
  const jobs = galleryJobs(images, PAIR, 'subj01', 0);
  const ranks: Record<number, [number | null, number | null]> = {
    10: [50, 2],
    11: [3, null],
    12: [null, null],
    13: [3, 80],
  };
  const runs = Object.fromEntries(
    jobs.map((job) => {
      const [shared, single] = ranks[job.key.imageIndex]!;
      return [job.slot, finished(job, job.key.modelUrl === 'shared/' ? shared : single)];
    }),
  );
  const rows = galleryRows(images, PAIR, 'subj01', 0, runs);
  const order = (by: Parameters<typeof sortRows>[1]) => sortRows(rows, by).map((r) => r.imageIndex);

  it('puts the best rank first, ties and unranked rows in dataset order', () => {
    expect(order('shared')).toEqual([11, 13, 10, 12]);
    expect(order('single')).toEqual([10, 13, 11, 12]);
    expect(order('image')).toEqual(images);
    expect(sortRows(sortRows(rows, 'single'), 'image').map((r) => r.imageIndex)).toEqual(images);
  });

  it('summarizes the rows both models ranked, against chance', () => {
    expect(summarize(rows)).toEqual({
      compared: 2,
      sharedBetter: 1, // 13: 3 against 80
      singleBetter: 1, // 10: 2 against 50
      medianShared: 3,
      medianSingle: 41,
      of: 300,
    });
    expect(summarize([])).toMatchObject({ compared: 0, medianShared: null, of: null });
    expect(chanceRank(300)).toBe(150);
    expect(chanceRank(5)).toBe(3);
  });
});
