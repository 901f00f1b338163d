import { deflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsBundleSource } from '../node/fsBundleSource';
import { BETAS, TinyBundle } from '../../test/tinyBundle';
import { BundleReadError, type BundleSource } from './bundleSource';
import { bundleZarrStore, openRowReader } from './zarrArray';

let bundle: TinyBundle;
beforeAll(async () => {
  bundle = await TinyBundle.create();
});
afterAll(() => bundle.dispose());

describe('openRowReader', () => {
  it('reads int16 rows times their scale, including the padded edge chunk', async () => {
    const reader = await openRowReader(new FsBundleSource(bundle.dir), 'subjects/subj01/betas.zarr', 0.01);
    expect(reader.shape).toEqual([6, 30]);
    for (const row of [0, 5]) {
      const expected = Array.from({ length: 30 }, (_, c) => BETAS.subj01.value(row, c) * 0.01);
      expect([...(await reader.read(row))].map((v) => +v.toFixed(4))).toEqual(expected.map((v) => +v.toFixed(4)));
    }
  });

  it('reads float16 rows (through the polyfill on Node 20)', async () => {
    const reader = await openRowReader(new FsBundleSource(bundle.dir), 'subjects/subj02/betas.zarr');
    const row = await reader.read(1);
    expect(row).toBeInstanceOf(Float32Array);
    expect([...row]).toEqual(Array.from({ length: 40 }, (_, c) => BETAS.subj02.value(1, c)));
  });

  it('fails on a missing chunk instead of returning the fill value', async () => {
    await bundle.remove('subjects/subj01/betas.zarr/1.0');
    const reader = await openRowReader(new FsBundleSource(bundle.dir), 'subjects/subj01/betas.zarr', 0.01);
    await expect(reader.read(0)).resolves.toHaveLength(30);
    await expect(reader.read(4)).rejects.toThrow(/not found/);
  });
});

describe('the zarr store of an array folder (issue 16, finding 1)', () => {
  /** A source that records every path asked of it. */
  function recording() {
    const asked: string[] = [];
    const source: BundleSource = {
      name: 'memory',
      url: (path) => `memory:${path}`,
      read: (path) => {
        asked.push(path);
        return Promise.reject(new BundleReadError(path, 'not found'));
      },
    };
    return { source, asked };
  }

  it.each([
    '/1%2F..%2F..%2Fsubj02%2Fbetas.zarr%2F1.0',
    '/0/../../subj02/betas.zarr/1.0',
    '/../x',
    '//localhost/x',
    '/http://localhost/x',
    '/C:/x',
    '/.zattrs',
    '/0.0?x',
  ])('refuses the key %s without reading anything', async (key) => {
    const { source, asked } = recording();
    const store = bundleZarrStore(source, 'subjects/subj01/betas.zarr');
    await expect(store.get(key as `/${string}`)).rejects.toThrow(
      /^subjects\/subj01\/betas\.zarr\/\.zarray: zarr asked for ".*", which is not a chunk of the array folder/,
    );
    expect(asked).toEqual([]);
  });

  it('reads .zarray and chunk keys of either separator inside the folder', async () => {
    const { source, asked } = recording();
    const store = bundleZarrStore(source, 'a.zarr');
    for (const key of ['/.zarray', '/0.0', '/12/0'] as const) await expect(store.get(key)).rejects.toThrow(/not found/);
    expect(asked).toEqual(['a.zarr/.zarray', 'a.zarr/0.0', 'a.zarr/12/0']);
  });

  it('checks .zarray before zarrita reads it, so openRowReader refuses a crafted separator', async () => {
    await bundle.editJson<Record<string, unknown>>('subjects/subj01/betas.zarr/.zarray', (z) => {
      z.dimension_separator = '%2F..%2F..%2Fsubj02%2Fbetas.zarr%2F0.';
    });
    await expect(openRowReader(new FsBundleSource(bundle.dir), 'subjects/subj01/betas.zarr')).rejects.toThrow(
      /^subjects\/subj01\/betas\.zarr\/\.zarray: dimension_separator ".*" is neither "\." nor "\/"/,
    );
  });
});

describe('rows as the app and the evaluation read them (issue 16, finding 8)', () => {
  let fresh: TinyBundle;
  beforeEach(async () => {
    fresh = await TinyBundle.create();
  });
  afterEach(() => fresh.dispose());

  const write = (value: (row: number, column: number) => number) =>
    fresh.writeZarr('x.zarr', { shape: [6, 4], chunkRows: 2, dtype: 'float32', compressor: null, value });

  it('refuses a row holding NaN, naming the chunk and the row', async () => {
    await write((r, c) => (r === 3 && c === 1 ? NaN : r));
    const reader = await openRowReader(new FsBundleSource(fresh.dir), 'x.zarr');
    await expect(reader.read(2)).resolves.toEqual(Float32Array.of(2, 2, 2, 2));
    await expect(reader.read(3)).rejects.toThrow(/^x\.zarr\/1\.0: row 3 holds NaN at column 1$/);
  });

  it('refuses a short chunk instead of reading zeros', async () => {
    await write((r) => r + 1);
    await fresh.truncate('x.zarr/2.0', 4 * 4);
    const reader = await openRowReader(new FsBundleSource(fresh.dir), 'x.zarr');
    await expect(reader.read(4)).rejects.toThrow(/^x\.zarr\/2\.0: holds 4 values, but a chunk of \[2, 4\] holds 8$/);
  });
});

describe('the decoded chunks a reader keeps (paging through a 30,000-trial subject, issue 14)', () => {
  let fresh: TinyBundle;
  beforeEach(async () => {
    fresh = await TinyBundle.create();
    // 40 rows in 20 chunks of 2 rows x 4 columns (8 values a chunk); row r holds r everywhere.
    await fresh.writeZarr('x.zarr', {
      shape: [40, 4],
      chunkRows: 2,
      dtype: 'int16',
      compressor: 'zlib',
      value: (r) => r,
    });
  });
  afterEach(() => fresh.dispose());

  function counting() {
    const disk = new FsBundleSource(fresh.dir);
    const fetched: string[] = [];
    const source: BundleSource = {
      name: disk.name,
      url: (p) => disk.url(p),
      read: (p, o) => (fetched.push(p), disk.read(p, o)),
    };
    return { source, fetched };
  }

  it('keeps the chunks read last within its bound, fetching an evicted one again', async () => {
    const { source, fetched } = counting();
    // 24 values: three chunks of 8.
    const reader = await openRowReader(source, 'x.zarr', 1, { cachedValues: 24 });
    for (let row = 0; row < 40; row++) expect((await reader.read(row))[0]).toBe(row);
    expect(reader.cachedChunks).toBe(3);
    expect(fetched.filter((p) => p !== 'x.zarr/.zarray')).toHaveLength(20); // every chunk once
    fetched.length = 0;
    await reader.read(39); // chunk 19, kept
    await reader.read(35); // chunk 17, kept
    expect(fetched).toEqual([]);
    await reader.read(0); // chunk 0, long evicted
    expect(fetched).toEqual(['x.zarr/0.0']);
    expect(reader.cachedChunks).toBe(3);
  });

  it('keeps one chunk when a chunk alone is past the bound', async () => {
    const { source, fetched } = counting();
    const reader = await openRowReader(source, 'x.zarr', 1, { cachedValues: 1 });
    await reader.read(4);
    await reader.read(5); // same chunk: no fetch
    await reader.read(6);
    expect(reader.cachedChunks).toBe(1);
    expect(fetched.filter((p) => p !== 'x.zarr/.zarray')).toEqual(['x.zarr/2.0', 'x.zarr/3.0']);
  });
});

describe('what one read of a Zarr array may decode (issue 16, limits)', () => {
  let fresh: TinyBundle;
  beforeEach(async () => {
    fresh = await TinyBundle.create();
  });
  afterEach(() => fresh.dispose());

  it('refuses chunks declaring more values than the limit before reading any of them', async () => {
    // 4 columns in chunks of 2²³ rows: 2²⁵ values a read, twice the limit; the array itself is tiny.
    await fresh.writeZarr('x.zarr', {
      shape: [6, 4],
      chunkRows: 2,
      dtype: 'float32',
      compressor: null,
      value: () => 1,
    });
    await fresh.editJson<{ chunks: number[] }>('x.zarr/.zarray', (z) => {
      z.chunks = [2 ** 23, 4];
    });
    const disk = new FsBundleSource(fresh.dir);
    const asked: string[] = [];
    const source: BundleSource = {
      name: disk.name,
      url: (p) => disk.url(p),
      read: (p, o) => (asked.push(p), disk.read(p, o)),
    };
    await expect(openRowReader(source, 'x.zarr')).rejects.toThrow(
      /^x\.zarr\/\.zarray: chunks \[8388608, 4\] hold 33,554,432 values each, more than the limit of 16,777,216 values \(LIMITS\.zarrChunkValues, src\/data\/limits\.ts\)/,
    );
    expect(asked).toEqual(['x.zarr/.zarray']);
  });

  it('stops inflating a chunk past the bytes .zarray declares for it, naming the chunk', async () => {
    await fresh.writeZarr('x.zarr', {
      shape: [6, 4],
      chunkRows: 2,
      dtype: 'float32',
      compressor: 'zlib',
      value: () => 1,
    });
    // 1 KB of zlib that inflates to 1 MiB, where a chunk [2, 4] of float32 holds 32 bytes.
    await fresh.write('x.zarr/1.0', deflateSync(new Uint8Array(2 ** 20)));
    const reader = await openRowReader(new FsBundleSource(fresh.dir), 'x.zarr');
    await expect(reader.read(0)).resolves.toEqual(Float32Array.of(1, 1, 1, 1));
    await expect(reader.read(2)).rejects.toThrow(
      /^x\.zarr\/1\.0: inflates to more than the 32 bytes a chunk \[2, 4\] of "<f4" holds$/,
    );
  });
});
