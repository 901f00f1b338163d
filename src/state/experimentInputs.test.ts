import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrialVoxels } from '../data/trialVoxels';
import { FsBundleSource } from '../node/fsBundleSource';
import { TINY_DATASET, TinyBundle } from '../../test/tinyBundle';
import { adapterSubject, ExperimentInputs, runVoxels } from './experimentInputs';
import type { RunKey } from './pipelineStore';

// The experiments' inputs read from a bundle (the tiny one: subj01 holds V1 and V2 in Fortran order,
// subj02 V1, V2 and ventral in C order, on one grid).
let bundle: TinyBundle;
let trials: TrialVoxels;
let inputs: ExperimentInputs;
beforeAll(async () => {
  bundle = await TinyBundle.create();
  const source = new FsBundleSource(bundle.dir);
  trials = new TrialVoxels(source, TINY_DATASET);
  inputs = new ExperimentInputs(source, TINY_DATASET);
});
afterAll(() => bundle.dispose());

const key = (change: Partial<RunKey> = {}): RunKey => ({
  modelUrl: 'models/tiny/',
  subject: 'subj01',
  imageIndex: 2,
  trial: 'average',
  seed: 0,
  samples: 1,
  ...change,
});

describe("an experiment's voxel vector", () => {
  it("places subj01's voxels onto subj02's by position and decodes them through subj02's adapter", async () => {
    const own = await runVoxels(key(), trials, inputs);
    const other = key({ experiment: { kind: 'subject', other: 'subj02' } });
    expect(adapterSubject(other)).toBe('subj02');
    expect(adapterSubject(key())).toBe('subj01');
    const placed = await runVoxels(other, trials, inputs);
    expect(placed).toHaveLength(40);
    // subj02's V1 and V2 voxels are subj01's 30, in subj02's order; its 10 ventral ones have none: 0.
    const labels = await inputs.roiLabels('subj02');
    const ventral = Array.from(placed).filter((_, i) => labels[i] === 3);
    expect(ventral).toEqual(new Array(10).fill(0));
    const early = Array.from(placed).filter((_, i) => labels[i] !== 3);
    expect(early.sort()).toEqual(Array.from(own).sort());
    expect(early).not.toEqual(Array.from(own)); // the orders differ (C against Fortran)
  });

  it('says why the visual field cannot be switched off without true receptive fields', async () => {
    await expect(runVoxels(key({ experiment: { kind: 'hemifield', side: 'left' } }), trials, inputs)).rejects.toThrow(
      /no prf_x and prf_sigma columns/,
    );
    await expect(
      runVoxels(key({ subject: 'subj02', experiment: { kind: 'hemifield', side: 'left' } }), trials, inputs),
    ).rejects.toThrow(/subj02 has no encoding/);
  });

  it('asks for no more repeats than the image has', async () => {
    await expect(runVoxels(key({ experiment: { kind: 'repeats', count: 3 } }), trials, inputs)).rejects.toThrow(
      /img-002 has 2 repeat\(s\) for subj01, not 3/,
    );
  });
});
