import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { TINY_DATASET } from '../../test/tinyBundle';
import { withCustomNode, withExternalInitializer } from '../../test/onnxEdits';
import { TinyModel } from '../../test/tinyModel';
import { validateModelBundle } from './validateModel';

describe('validateModelBundle', () => {
  let tiny: TinyModel;
  beforeEach(async () => {
    await tiny?.dispose();
    tiny = await TinyModel.create();
  });
  afterAll(() => tiny.dispose());

  it("accepts a bundle whose files (its own and its sibling's) exist and whose subjects fit the dataset", async () => {
    const { model, problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir), TINY_DATASET);
    expect(problems).toEqual([]);
    expect(model?.id).toBe('tiny-brain');
  });

  it('names a missing file and the field that names it', async () => {
    await rm(join(tiny.imageDir, 'vae-decoder.onnx'));
    const { problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir));
    expect(problems).toEqual([
      {
        file: '../tiny-image/vae-decoder.onnx',
        message: expect.stringMatching(
          /^referenced by model\.json files\.vaeDecoder, but not found \(.*tiny-image\/vae-decoder\.onnx\)$/,
        ) as string,
      },
    ]);
  });

  it('names both sides when the subjects do not fit the dataset', async () => {
    await tiny.editModelJson((json) => {
      json.subjects.subj01!.voxelCount = 31;
      json.subjects.subj02!.voxelOrder = 'fortran';
      json.subjects.subj09 = { voxelCount: 5, voxelOrder: 'c', adapter: 'adapter-subj01.onnx' };
    });
    const { problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir), TINY_DATASET);
    expect(problems.map((p) => p.message)).toEqual([
      'model tiny-brain (trained on none) does not fit dataset tiny (Tiny test bundle): subj01 has V_s 31, voxel order "fortran" in the model, V_s 30, voxel order "fortran" in the dataset (V_s differs); its adapter reads the voxels it was trained on, so it needs one trained on this dataset\'s subj01',
      'model tiny-brain (trained on none) does not fit dataset tiny (Tiny test bundle): subj02 has V_s 40, voxel order "fortran" in the model, V_s 40, voxel order "c" in the dataset (voxel order differs); its adapter reads the voxels it was trained on, so it needs one trained on this dataset\'s subj02',
      'model tiny-brain (trained on none) has subject subj09, which dataset tiny (Tiny test bundle) does not have (the model has subj01, subj02, subj09; the dataset has subj01, subj02, subj03)',
    ]);
    expect(problems.every((p) => p.file === 'model.json')).toBe(true);
  });

  it('reports schema problems with their paths, and a missing model.json', async () => {
    await tiny.editModelJson((json) => {
      (json.dims as Record<string, unknown>).H = 0;
    });
    expect((await validateModelBundle(fsModelBundleSource(tiny.brainDir))).problems).toEqual([
      { file: 'model.json', message: 'dims.H: Too small: expected number to be >0' },
    ]);
    await rm(join(tiny.brainDir, 'model.json'));
    const { model, problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir));
    expect(model).toBeNull();
    expect(problems).toEqual([{ file: 'model.json', message: expect.stringMatching(/^not found/) as string }]);
  });

  it('names ONNX files with external data or custom operator domains (issue 16, finding 2)', async () => {
    const backbone = join(tiny.brainDir, 'backbone.onnx');
    const decoder = join(tiny.imageDir, 'decoder.onnx');
    await writeFile(backbone, withExternalInitializer(await readFile(backbone)));
    await writeFile(decoder, withCustomNode(await readFile(decoder), 'ai.onnx.contrib'));
    const { problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir), TINY_DATASET);
    expect(problems).toEqual([
      {
        file: 'backbone.onnx',
        message: expect.stringMatching(
          /^initializer "stolen" keeps its data in an external file \("package\.json"\)/,
        ) as string,
      },
      {
        file: '../tiny-image/decoder.onnx',
        message: expect.stringMatching(/^node "Evil" \(Evil\) uses the operator domain "ai\.onnx\.contrib"/) as string,
      },
      {
        file: '../tiny-image/decoder.onnx',
        message: expect.stringMatching(/^opset_import uses the operator domain "ai\.onnx\.contrib"/) as string,
      },
    ]);
  });

  it('holds sampler steps to the limit in src/data/limits.ts', async () => {
    await tiny.editModelJson((json) => {
      json.decoder.maxSteps = 2_000_000;
      json.prior.trainSteps = 2000;
      json.prior.alphasCumprod = Array.from({ length: 2000 }, (_, i) => 0.999 - i / 2001);
    });
    const { problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir));
    const lines = problems.map((p) => `${p.file}: ${p.message}`);
    expect(lines).toContain(
      'model.json: prior.trainSteps: 2000 is more than the limit of 1,000 steps (LIMITS.samplerSteps, src/data/limits.ts)',
    );
    expect(lines).toContain(
      'model.json: decoder.maxSteps: 2000000 is more than the limit of 1,000 steps (LIMITS.samplerSteps, src/data/limits.ts)',
    );
  });

  it('holds the tensors its dims declare to LIMITS.modelTensorValues, before a run allocates them', async () => {
    await tiny.editModelJson((json) => {
      json.dims.S = 16384; // 3·16384² float32 values: 3.2 GB for one image
      json.dims.E = 2 ** 23;
      json.subjects.subj01!.voxelCount = 2 ** 23;
    });
    const { problems } = await validateModelBundle(fsModelBundleSource(tiny.brainDir));
    const lines = problems.map((p) => `${p.file}: ${p.message}`);
    const limit = 'the limit of 4,194,304 values (LIMITS.modelTensorValues, src/data/limits.ts)';
    expect(lines).toContain(`model.json: dims: the image 3·S·S is 805,306,368 values a sample, more than ${limit}`);
    expect(lines).toContain(`model.json: dims.E: 8388608 is more than ${limit}`);
    expect(lines).toContain(`model.json: subjects.subj01.voxelCount: 8388608 is more than ${limit}`);
  });

  it('parses subjects into an object without a prototype, and refuses "__proto__" keys (issue 16, finding 4)', async () => {
    const { model } = await validateModelBundle(fsModelBundleSource(tiny.brainDir));
    expect('constructor' in model!.subjects).toBe(false);
    expect(model!.subjects.toString).toBeUndefined();
    const path = join(tiny.brainDir, 'model.json');
    const json = await readFile(path, 'utf8');
    await writeFile(path, json.replace('"subjects": {', '"subjects": {"__proto__": {"voxelCount": 1}, '));
    expect((await validateModelBundle(fsModelBundleSource(tiny.brainDir))).problems).toEqual([
      { file: 'model.json', message: 'has a key "__proto__", which JavaScript reads as an object\'s prototype' },
    ]);
  });
});
