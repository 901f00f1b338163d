import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBundleSource } from '../node/fsBundleSource';
import { BETAS, TinyBundle } from '../testing/tinyBundle';
import { openRowReader } from './zarrArray';

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
