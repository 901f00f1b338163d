import { describe, expect, it } from 'vitest';
import { TINY_DATASET } from '../../test/tinyBundle';
import { datasetSchema, isBundlePath } from './datasetSchema';

describe('isBundlePath', () => {
  it.each(['dataset.json', 'subjects/subj01/roi.nii.gz', 'images/img 1.png', 'a/.zarray'])('accepts %s', (path) => {
    expect(isBundlePath(path)).toBe(true);
  });
  it.each([
    '',
    '/etc/passwd',
    '../x',
    'a/../../x',
    'a/./b',
    'a//b',
    'a/',
    'https://example.com/x',
    'C:\\x',
    'a\\..\\b',
    '%2e%2e/x',
    'a?b',
    'a#b',
  ])('rejects %j', (path) => expect(isBundlePath(path)).toBe(false));
});

describe('datasetSchema', () => {
  it('accepts the tiny bundle', () => {
    expect(datasetSchema.safeParse(TINY_DATASET).success).toBe(true);
  });

  it('rejects unknown keys, so that typos do not pass silently', () => {
    const result = datasetSchema.safeParse({ ...TINY_DATASET, voxelsize: [1, 1, 1] });
    expect(result.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining('voxelsize')]);
  });

  it('requires trials with betas and mask labels that roiLabels names', () => {
    const [subject] = TINY_DATASET.subjects;
    const result = datasetSchema.safeParse({
      ...TINY_DATASET,
      subjects: [{ ...subject, trials: undefined, maskLabels: [1, 9] }],
      images: [],
    });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['subjects.0.trials', 'required when betas are given'],
      ['subjects.0.maskLabels.1', 'label 9 is not in roiLabels'],
    ]);
  });

  it('rejects duplicate ids, and image trials of unknown subjects', () => {
    const [image] = TINY_DATASET.images;
    const result = datasetSchema.safeParse({ ...TINY_DATASET, images: [image, { ...image, trials: { subj09: [0] } }] });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['images.1.id', 'duplicate image id "img-000"'],
      ['images.1.trials.subj09', 'no subject "subj09" with betas'],
    ]);
  });

  it('says how betas were z-scored: per session, or on the training trials (MindEye2)', () => {
    const [subject, ...others] = TINY_DATASET.subjects;
    const withZscored = (zscored: string) => ({
      ...TINY_DATASET,
      subjects: [{ ...subject, betas: { ...subject!.betas, zscored } }, ...others],
    });
    expect(datasetSchema.safeParse(withZscored('train')).success).toBe(true);
    expect(datasetSchema.safeParse(withZscored('run')).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'subjects.0.betas.zscored',
    ]);
  });

  it('only accepts http(s) attribution URLs', () => {
    const attribution = [{ source: 'x', license: 'MIT', url: 'javascript:alert(1)' }];
    expect(datasetSchema.safeParse({ ...TINY_DATASET, attribution }).success).toBe(false);
  });
});
