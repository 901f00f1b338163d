import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetSchema, type DatasetJson, type SubjectJson } from '../data/datasetSchema';
import { FsBundleSource } from '../node/fsBundleSource';
import { niftiBytes, roiLabel, TINY_DATASET, TinyBundle } from '../../test/tinyBundle';
import { BrainFileError, loadEncoding, loadSubjectBrain } from './subjectBrain';
import { storageIndex } from './voxelMask';

let bundle: TinyBundle;
let source: FsBundleSource;
beforeAll(async () => {
  bundle = await TinyBundle.create();
  source = new FsBundleSource(bundle.dir);
});
afterAll(() => bundle.dispose());

const subject = (index: number, edit: Partial<SubjectJson> = {}): SubjectJson => ({
  ...TINY_DATASET.subjects[index]!,
  ...edit,
});

async function failure(promise: Promise<unknown>): Promise<BrainFileError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BrainFileError);
  return error as BrainFileError;
}

describe('loadSubjectBrain', () => {
  it('reads the anatomy and ROI bytes and enumerates the mask in the declared order', async () => {
    const brain = await loadSubjectBrain(source, subject(1)); // subj02: labels 1-3, "c" order
    expect(brain.anatomy.path).toBe('subjects/subj02/anatomy.nii.gz');
    expect(brain.roi.volume.dims).toEqual([6, 5, 4]);
    expect(brain.mask.indices).toHaveLength(40);
    // C order walks i slowest: the first voxels are those of i = 0 (labels 1 at z = 1, 3 at z = 2).
    expect(Array.from(brain.mask.indices.slice(0, 3))).toEqual([
      storageIndex([0, 0, 1], [6, 5, 4]),
      storageIndex([0, 0, 2], [6, 5, 4]),
      storageIndex([0, 1, 1], [6, 5, 4]),
    ]);
    for (const index of brain.mask.indices) expect(roiLabel(index % 6, 0, Math.floor(index / 30))).toBeGreaterThan(0);
  });

  it('names the file that is missing', async () => {
    await bundle.write('subjects/missing/anatomy.nii', niftiBytes({ datatype: 'uint8', value: () => 1 }));
    const error = await failure(
      loadSubjectBrain(
        source,
        subject(0, { anatomy: 'subjects/missing/anatomy.nii', roi: 'subjects/missing/roi.nii' }),
      ),
    );
    expect(error.file).toBe('subjects/missing/roi.nii');
    expect(error.message).toMatch(/^subjects\/missing\/roi\.nii: not found/);
  });

  it('names a truncated NIfTI', async () => {
    const bytes = gzipSync(niftiBytes({ datatype: 'uint8', value: roiLabel }));
    await bundle.write('subjects/broken/roi.nii.gz', bytes.slice(0, 40));
    const error = await failure(loadSubjectBrain(source, subject(0, { roi: 'subjects/broken/roi.nii.gz' })));
    expect(error.message).toMatch(/^subjects\/broken\/roi\.nii\.gz: corrupt or truncated gzip data/);
  });

  it('refuses an ROI on another grid than the anatomy', async () => {
    await bundle.write(
      'subjects/shifted/roi.nii',
      niftiBytes({ datatype: 'uint8', value: roiLabel, origin: [0, 0, 0] }),
    );
    const error = await failure(loadSubjectBrain(source, subject(0, { roi: 'subjects/shifted/roi.nii' })));
    expect(error.message).toMatch(/^subjects\/shifted\/roi\.nii: not on the grid of subjects\/subj01\/anatomy\.nii/);
  });

  it('refuses a mask whose size is not voxelCount', async () => {
    const error = await failure(loadSubjectBrain(source, subject(0, { voxelCount: 31 })));
    expect(error.message).toBe(
      'subjects/subj01/roi.nii.gz: the mask (labels 1, 2) holds 30 voxels, but voxelCount in dataset.json is 31',
    );
  });
});

describe('loadEncoding', () => {
  it('reads the whole table, one row per mask voxel', async () => {
    const table = await loadEncoding(source, subject(0));
    expect(table.columns).toEqual(['prf_x', 'prf_y', 'cat:animal']);
    expect(table.values).toHaveLength(30 * 3);
    expect(table.values[7 * 3 + 2]).toBeCloseTo(7.2);
  });

  it('refuses a table of another shape, naming it', async () => {
    const error = await failure(loadEncoding(source, subject(0, { voxelCount: 29 })));
    expect(error.message).toBe('subjects/subj01/encoding.zarr: shape [30, 3] is not [voxelCount, columns] = [29, 3]');
  });

  it('names a missing chunk', async () => {
    await bundle.remove('subjects/subj01/encoding.zarr/0.0');
    const error = await failure(loadEncoding(source, subject(0)));
    expect(error.message).toMatch(/^subjects\/subj01\/encoding\.zarr\/0\.0: not found/);
  });
});

// The shipped demo bundle, written by models/dataset/bundle.py: its encoding's `area` column holds each
// mask voxel's ROI label in the Python writer's vector order, so it shows whether "c" means what the
// writer meant.
describe('the demo bundle (Python writer) and voxelOrder "c"', () => {
  const demo = new FsBundleSource('public/datasets/synthetic-nsd');

  it('enumerates subj01 the way the writer did: the area column equals the ROI label of each entry', async () => {
    const dataset: DatasetJson = datasetSchema.parse(
      JSON.parse(new TextDecoder().decode(await demo.read('dataset.json'))),
    );
    const subj01 = dataset.subjects.find((s) => s.id === 'subj01')!;
    expect(subj01.voxelOrder).toBe('c');
    const [brain, encoding] = await Promise.all([loadSubjectBrain(demo, subj01), loadEncoding(demo, subj01)]);
    const area = encoding.columns.indexOf('area');
    const width = encoding.columns.length;
    const mismatches = (mask: Int32Array) =>
      Array.from(mask).filter(
        (index, position) => brain.roi.volume.value(index) !== encoding.values[position * width + area],
      ).length;
    expect(mismatches(brain.mask.indices)).toBe(0);

    // The other order puts the same voxels in another order, which the area column does not match.
    const fortran = Int32Array.from(brain.mask.indices).sort();
    expect(mismatches(fortran)).toBeGreaterThan(1000);
  });
});
