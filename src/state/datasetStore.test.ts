import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBundleSource } from '../node/fsBundleSource';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { TinyBundle } from '../testing/tinyBundle';
import { createDatasetStore, loadDataset, rejectLocation } from './datasetStore';

const options = { decodeImage: decodeImageWithSharp };
let good: TinyBundle;
let broken: TinyBundle;
beforeAll(async () => {
  [good, broken] = await Promise.all([TinyBundle.create(), TinyBundle.create()]);
  await broken.remove('images/img-002.png');
});
afterAll(() => Promise.all([good.dispose(), broken.dispose()]));

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
      { file: 'images/img-002.png', message: expect.stringMatching(/not found/) as string },
    ]);
  });

  it('lets the latest of two overlapping loads win', async () => {
    const store = createDatasetStore();
    const first = loadDataset(store, new FsBundleSource(broken.dir), options);
    const second = loadDataset(store, new FsBundleSource(good.dir), options);
    await Promise.all([first, second]);
    expect(store.getState()).toMatchObject({ status: 'ready', location: good.dir, problems: [] });
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
