import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleSource } from '../data/bundleSource';
import { FsBundleSource } from '../node/fsBundleSource';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { TinyBundle } from '../../test/tinyBundle';
import { LIMITS } from '../data/limits';
import type { DatasetSummary } from '../data/validation';
import { chunksChecked, createDatasetStore, loadDataset, rejectLocation } from './datasetStore';

const options = { decodeImage: decodeImageWithSharp };
let good: TinyBundle;
/** A subject's trial table is missing: the viewer could not use the bundle. */
let broken: TinyBundle;
/** An image is missing: found by the check after the first picture. */
let damaged: TinyBundle;
beforeAll(async () => {
  [good, broken, damaged] = await Promise.all([TinyBundle.create(), TinyBundle.create(), TinyBundle.create()]);
  await broken.remove('subjects/subj01/trials.json');
  await damaged.remove('images/img-002.png');
});
afterAll(() => Promise.all([good.dispose(), broken.dispose(), damaged.dispose()]));

/** Resolves when the store's check of the rest of the bundle is done. */
function checked(store: ReturnType<typeof createDatasetStore>) {
  return new Promise<void>((resolve) => {
    if (store.getState().check?.status === 'done') return resolve();
    const stop = store.subscribe((state) => state.check?.status === 'done' && (stop(), resolve()));
  });
}

describe('the dataset store', () => {
  it('is loading while the bundle validates, then ready with it', async () => {
    const store = createDatasetStore();
    const loading = loadDataset(store, new FsBundleSource(good.dir), options);
    expect(store.getState()).toMatchObject({ status: 'loading', location: good.dir });
    await loading;
    expect(store.getState()).toMatchObject({ status: 'ready', problems: [] });
    expect(store.getState().loaded?.summary.id).toBe('tiny');
  });

  it('keeps the previous dataset when the next one fails, and lists its problems', async () => {
    const store = createDatasetStore();
    await loadDataset(store, new FsBundleSource(good.dir), options);
    const previous = store.getState().loaded;
    await loadDataset(store, new FsBundleSource(broken.dir), options);
    expect(store.getState()).toMatchObject({ status: 'failed', location: broken.dir, loaded: previous });
    expect(store.getState().problems).toEqual([
      { file: 'subjects/subj01/trials.json', message: expect.stringMatching(/not found/) as string },
    ]);
  });

  it('checks the other files once told to, counting them, and keeps the dataset open when they fail', async () => {
    const store = createDatasetStore();
    let firstPicture!: () => void;
    await loadDataset(
      store,
      new FsBundleSource(damaged.dir),
      options,
      () => new Promise<void>((r) => (firstPicture = r)),
    );
    expect(store.getState()).toMatchObject({ status: 'ready', problems: [], check: { status: 'waiting', parts: {} } });
    firstPicture();
    await checked(store);
    const { check, status } = store.getState();
    expect(status).toBe('ready');
    expect(check?.problems).toEqual([
      { file: 'images/img-002.png', message: expect.stringMatching(/not found/) as string },
    ]);
    // 4 images and every chunk of the two subjects' betas and one encoding array
    expect(check?.parts.images).toEqual({ done: 4, total: 4 });
    expect(Object.keys(check!.parts).sort()).toEqual([
      'images',
      'subjects/subj01/betas.zarr',
      'subjects/subj01/encoding.zarr',
      'subjects/subj02/betas.zarr',
    ]);
  });

  it('reads every chunk in the background up to LIMITS.backgroundCheckValues, past it only as they are read', async () => {
    const summary = (rows: number, voxelCount: number): DatasetSummary => ({
      id: 'x',
      name: 'x',
      synthetic: true,
      images: { train: 0, test: 0 },
      imageSizes: [],
      subjects: [
        { id: 's', voxelCount, roiLabels: [], trials: { train: rows - 100, test: 100 }, betasRows: 'single-trial' },
        { id: 'anatomy-only', voxelCount, roiLabels: [], trials: null, betasRows: null },
      ],
    });
    expect(chunksChecked(summary(900, 15010))).toBe('every'); // the demo's subj01
    expect(chunksChecked(summary(LIMITS.backgroundCheckValues / 4, 4))).toBe('every');
    expect(chunksChecked(summary(LIMITS.backgroundCheckValues / 4 + 1, 4))).toBe('as-read');
    expect(chunksChecked(summary(30000, 15724))).toBe('as-read'); // an NSD subject
    // A bundle past the limit: its arrays' ends were checked before it was shown; the check reads no more chunks.
    const store = createDatasetStore();
    const files = new FsBundleSource(good.dir);
    const read: string[] = [];
    const source: BundleSource = {
      ...files,
      url: (p) => files.url(p),
      read: (p, o) => (read.push(p), files.read(p, o)),
    };
    const limits = LIMITS as { backgroundCheckValues: number };
    const before = limits.backgroundCheckValues;
    limits.backgroundCheckValues = 1;
    try {
      await loadDataset(store, source, options);
      read.length = 0;
      await checked(store);
    } finally {
      limits.backgroundCheckValues = before;
    }
    expect(store.getState().check).toMatchObject({ chunks: 'as-read', problems: [] });
    expect(read.filter((p) => p.includes('.zarr/'))).toEqual([]);
    expect(read.filter((p) => p.startsWith('images/'))).toHaveLength(4);
  });

  it('reads nothing more of a bundle once another is shown', async () => {
    const store = createDatasetStore();
    const files = new FsBundleSource(good.dir);
    let reads = 0;
    const counted: BundleSource = {
      name: files.name,
      url: (path) => files.url(path),
      read: (path, readOptions) => {
        reads++;
        return files.read(path, readOptions);
      },
    };
    let firstPicture!: () => void;
    await loadDataset(store, counted, options, () => new Promise<void>((r) => (firstPicture = r)));
    await loadDataset(store, new FsBundleSource(damaged.dir), options, () => new Promise<void>(() => undefined));
    const before = reads;
    firstPicture();
    await new Promise((r) => setTimeout(r, 100));
    expect(reads).toBe(before);
  });

  it('finds nothing to report in a sound bundle', async () => {
    const store = createDatasetStore();
    await loadDataset(store, new FsBundleSource(good.dir), options);
    await checked(store);
    expect(store.getState().check).toMatchObject({ status: 'done', problems: [], location: good.dir });
  });

  it('lets the latest of two overlapping loads win', async () => {
    const store = createDatasetStore();
    const first = loadDataset(store, new FsBundleSource(broken.dir), options);
    const second = loadDataset(store, new FsBundleSource(good.dir), options);
    await Promise.all([first, second]);
    expect(store.getState()).toMatchObject({ status: 'ready', location: good.dir, problems: [] });
  });

  it('cancels a load whose server never answers: its reads are aborted and the previous dataset stays', async () => {
    const store = createDatasetStore();
    await loadDataset(store, new FsBundleSource(good.dir), options);
    const before = store.getState();
    const aborted: string[] = [];
    const silent: BundleSource = {
      name: 'datasets/silent/',
      url: (path) => `datasets/silent/${path}`,
      read: (path, { signal } = {}) =>
        new Promise((_, reject) =>
          signal?.addEventListener('abort', () => {
            aborted.push(path);
            reject(new Error('aborted'));
          }),
        ),
    };
    const controller = new AbortController();
    const loading = loadDataset(store, silent, options, undefined, controller.signal);
    expect(store.getState()).toMatchObject({ status: 'loading', location: silent.name });
    controller.abort();
    await loading;
    expect(aborted).toEqual(['dataset.json']);
    expect(store.getState()).toMatchObject({
      status: 'ready',
      location: good.dir,
      loaded: before.loaded,
      problems: [],
      cancelled: silent.name,
    });
    // The next load starts afresh.
    await loadDataset(store, new FsBundleSource(broken.dir), options);
    expect(store.getState()).toMatchObject({ status: 'failed', location: broken.dir, cancelled: null });
  });

  it('puts back what was before the first of two overlapping loads when the second is cancelled', async () => {
    const store = createDatasetStore();
    await loadDataset(store, new FsBundleSource(broken.dir), options);
    const failed = store.getState();
    const first = loadDataset(store, new FsBundleSource(good.dir), options);
    const controller = new AbortController();
    const second = loadDataset(store, new FsBundleSource(good.dir), options, undefined, controller.signal);
    controller.abort();
    await Promise.all([first, second]);
    expect(store.getState()).toMatchObject({
      status: 'failed',
      location: broken.dir,
      problems: failed.problems,
      loaded: null,
      cancelled: good.dir,
    });
  });

  it('reports a location that is not a URL', () => {
    const store = createDatasetStore();
    rejectLocation(store, 'http://', 'is not a valid URL');
    expect(store.getState()).toMatchObject({
      status: 'failed',
      problems: [{ file: 'http://', message: 'is not a valid URL' }],
    });
  });
});
