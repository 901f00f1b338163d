import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBundleSource } from '../node/fsBundleSource';
import { TINY_DATASET, TinyBundle } from '../../test/tinyBundle';
import { SubjectDataError } from './subjectBetas';
import { loadTestSet, noTestDataReason, subjectsWithTestData } from './testSet';

describe('loadTestSet', () => {
  let bundle: TinyBundle;
  beforeAll(async () => {
    bundle = await TinyBundle.create();
  });
  afterAll(() => bundle.dispose());

  it('averages the single-trial rows of each test image', async () => {
    const samples = await loadTestSet(new FsBundleSource(bundle.dir), TINY_DATASET, 'subj01');
    expect(samples.map((s) => [s.image.id, s.imageIndex, s.trials])).toEqual([
      ['img-002', 2, 2],
      ['img-003', 3, 2],
    ]);
    // row r, voxel c holds (r - c)·7 at scale 0.01; img-002 is rows 2 and 4: mean (3 - c)·0.07
    expect(samples[0]!.voxels).toHaveLength(30);
    expect(samples[0]!.voxels[0]).toBeCloseTo(0.21, 6);
    expect(samples[0]!.voxels[5]).toBeCloseTo(-0.14, 6);
    expect(samples[1]!.voxels[0]).toBeCloseTo(0.28, 6); // rows 3 and 5
  });

  it('takes repeat-average rows as they are, counting the trials they average', async () => {
    const samples = await loadTestSet(new FsBundleSource(bundle.dir), TINY_DATASET, 'subj02', { limit: 1 });
    expect(samples).toHaveLength(1);
    expect(samples[0]!.trials).toBe(3);
    expect(Array.from(samples[0]!.voxels.subarray(0, 3))).toEqual([0, 0.125, 0.25]); // (0 + c) / 8
  });

  it('says why nothing can be decoded when no subject has test data (issue 16)', () => {
    expect(noTestDataReason(TINY_DATASET)).toBeNull();
    const noBetas = structuredClone(TINY_DATASET);
    delete noBetas.subjects[0]!.betas;
    for (const image of noBetas.images) delete image.trials?.subj02;
    expect(noTestDataReason(noBetas)).toBe(
      'Nothing to decode in dataset tiny: no subject has betas with trials of a test image (subj01: no betas; subj02: no trials of a test image; subj03: no betas).',
    );
  });

  it('knows which subjects have test data, and refuses the others', async () => {
    expect(subjectsWithTestData(TINY_DATASET)).toEqual(['subj01', 'subj02']);
    const source = new FsBundleSource(bundle.dir);
    await expect(loadTestSet(source, TINY_DATASET, 'subj03')).rejects.toThrow(
      new SubjectDataError('dataset tiny: subj03 has no betas'),
    );
    await expect(loadTestSet(source, TINY_DATASET, 'subj09')).rejects.toThrow('dataset tiny has no subject subj09');
  });
});
