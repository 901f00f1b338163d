import { describe, expect, it } from 'vitest';
import type { ModelJson } from '../data/modelSchema';
import { subjectsWithTestData } from '../data/testSet';
import { TINY_DATASET } from '../../test/tinyBundle';
import type { CatalogEntry } from './pipelineStore';
import { runKeys, settleSelection, type Settled } from './selectionRules';
import { DEFAULT_URL_STATE } from './urlState';

const BASE = 'https://example.org/app/';
const resolve = (url: string) => new URL(url, BASE).href;
const subjects = subjectsWithTestData(TINY_DATASET); // subj01, subj02

/** A listed model bundle; the rules read only which subjects it decodes. */
function ready(...ids: string[]): CatalogEntry {
  const json = { name: ids.join('+'), subjects: Object.fromEntries(ids.map((id) => [id, {}])) };
  return { status: 'ready', json: json as unknown as ModelJson };
}

const nothing: Settled = { subject: null, model: null, image: null, trial: 'average' };

function settle(selection: Partial<Settled>, catalog: Record<string, CatalogEntry>) {
  return settleSelection({
    selection: { ...nothing, ...selection },
    dataset: TINY_DATASET,
    subjects,
    catalog,
    resolve,
  });
}

describe('settling the selection', () => {
  it('waits while the catalog is empty or a bundle is still loading', () => {
    expect(settle({}, {})).toBeNull();
    expect(settle({}, { [`${BASE}a/`]: ready('subj01'), [`${BASE}b/`]: { status: 'loading' } })).toBeNull();
  });

  it('defaults to the first subject with a model, its first listed model, its first test image, the mean', () => {
    const catalog = { [`${BASE}a/`]: ready('subj02'), [`${BASE}b/`]: ready('subj02', 'subj01') };
    expect(settle({}, catalog)).toEqual({ subject: 'subj01', model: `${BASE}b/`, image: 'img-002', trial: 'average' });
  });

  it('keeps what can be shown: subject, model as typed, image, trial', () => {
    const catalog = { [`${BASE}a/`]: ready('subj01'), [`${BASE}b/`]: ready('subj01') };
    const chosen: Settled = { subject: 'subj01', model: 'b/', image: 'img-003', trial: 1 };
    expect(settle(chosen, catalog)).toEqual(chosen);
  });

  it('replaces what cannot: a model of another subject, an image not seen, a trial past the repeats', () => {
    const catalog = { [`${BASE}a/`]: ready('subj02'), [`${BASE}b/`]: ready('subj01') };
    expect(settle({ subject: 'subj02', model: 'b/', image: 'img-000', trial: 1 }, catalog)).toEqual({
      subject: 'subj02',
      model: `${BASE}a/`,
      image: 'img-002',
      trial: 'average', // subj02 has one (repeat-average) row of img-002
    });
  });

  it("keeps a shared link's ?model= that the catalog lists only later (the first render saw none)", () => {
    const shared = { model: 'models/alone/' };
    const alone = resolve(shared.model);
    const first = `${BASE}models/finetuned/`;
    // The shipped models answered first; the link's model is not listed yet.
    expect(settle(shared, { [first]: ready('subj01') })?.model).toBe('models/alone/');
    expect(settle(shared, { [first]: ready('subj01'), [alone]: { status: 'loading' } })).toBeNull();
    expect(settle(shared, { [first]: ready('subj01'), [alone]: ready('subj01') })?.model).toBe('models/alone/');
    // Listed and refused: the first usable model stands in.
    const failed: CatalogEntry = { status: 'failed', problems: ['model.json: not found'] };
    expect(settle(shared, { [first]: ready('subj01'), [alone]: failed })?.model).toBe(first);
  });
});

describe('run keys', () => {
  const selection = { ...DEFAULT_URL_STATE, subject: 'subj01', model: 'a/', image: 'img-003', seed: 4 };
  const settings = { samples: 3 };

  it('name what the main slot decodes once its model is listed', () => {
    expect(
      runKeys(selection, settings, TINY_DATASET, { [`${BASE}a/`]: { status: 'loading' } }, resolve).main,
    ).toBeNull();
    expect(runKeys(selection, settings, TINY_DATASET, { [`${BASE}a/`]: ready('subj01') }, resolve)).toEqual({
      main: {
        modelUrl: `${BASE}a/`,
        subject: 'subj01',
        imageIndex: 3,
        trial: 'average',
        seed: 4,
        samples: 3,
      },
      compare: null,
      experiment: null,
    });
  });

  it('give the comparison the same trial on the second model, once that one is listed too', () => {
    const withCompare = { ...selection, compare: 'b/' };
    const catalog: Record<string, CatalogEntry> = {
      [`${BASE}a/`]: ready('subj01'),
      [`${BASE}b/`]: { status: 'loading' },
    };
    expect(runKeys(withCompare, settings, TINY_DATASET, catalog, resolve).compare).toBeNull();
    catalog[`${BASE}b/`] = ready('subj01');
    const { main, compare } = runKeys(withCompare, settings, TINY_DATASET, catalog, resolve);
    expect(compare).toEqual({ ...main, modelUrl: `${BASE}b/` });
  });

  it("give the experiment the main run's trial and seed, and the wrong subject's adapter a model that has it", () => {
    const catalog: Record<string, CatalogEntry> = {
      [`${BASE}a/`]: ready('subj01'),
      [`${BASE}b/`]: ready('subj02'),
    };
    const noise = { ...selection, experiment: { kind: 'noise', sd: 1 } as const };
    const keys = runKeys(noise, settings, TINY_DATASET, catalog, resolve);
    expect(keys.experiment).toEqual({ ...keys.main, experiment: { kind: 'noise', sd: 1 } });
    const other = { ...selection, experiment: { kind: 'subject', other: 'subj02' } as const };
    expect(runKeys(other, settings, TINY_DATASET, catalog, resolve).experiment).toMatchObject({
      modelUrl: `${BASE}b/`,
      subject: 'subj01',
      experiment: { kind: 'subject', other: 'subj02' },
    });
    // The main model is preferred when it has the other subject's adapter too.
    catalog[`${BASE}a/`] = ready('subj01', 'subj02');
    expect(runKeys(other, settings, TINY_DATASET, catalog, resolve).experiment?.modelUrl).toBe(`${BASE}a/`);
    const self = { ...selection, experiment: { kind: 'subject', other: 'subj01' } as const };
    expect(runKeys(self, settings, TINY_DATASET, catalog, resolve).experiment).toBeNull();
    const nobody = { ...selection, experiment: { kind: 'subject', other: 'subj03' } as const };
    expect(runKeys(nobody, settings, TINY_DATASET, catalog, resolve).experiment).toBeNull();
    expect(runKeys(selection, settings, TINY_DATASET, catalog, resolve).experiment).toBeNull();
  });
});
