import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { createOrtNodeEngine } from '../node/ortEngine';
import { TinyModel } from '../testing/tinyModel';
import { MindEyeModel, ModelLoadError } from './model';

describe('MindEyeModel.load', () => {
  let tiny: TinyModel;
  const engine = createOrtNodeEngine();
  beforeEach(async () => {
    await tiny?.dispose();
    tiny = await TinyModel.create();
  });
  afterAll(() => tiny.dispose());

  const load = (subjects?: string[]) => MindEyeModel.load(fsModelBundleSource(tiny.brainDir), engine, { subjects });
  const loadError = async (subjects?: string[]) => {
    const error = await load(subjects).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    return (error as ModelLoadError).problems;
  };

  it("opens every file, the sibling bundle's too, and runs them", async () => {
    const model = await load(['subj02']);
    expect(model.subjects).toEqual(['subj02']);
    expect(model.hasBlurry).toBe(true);
    const shared = await model.adapter('subj02', { dims: [3, 40], data: new Float32Array(120).fill(1) });
    const { clipTokens, retrieval, blurryLatent } = await model.backbone(shared);
    expect([clipTokens.dims, retrieval.dims, blurryLatent?.dims]).toEqual([
      [3, 2, 3],
      [3, 5],
      [3, 2, 2, 2],
    ]);
    const image = await model.vaeDecode(blurryLatent!);
    expect(image.dims).toEqual([3, 3, 16, 16]);
    const { tokens, embedding } = await model.encodeImage(image);
    expect([tokens.dims, embedding.dims]).toEqual([
      [3, 2, 3],
      [3, 5],
    ]);
    await expect(model.adapter('subj01', shared)).rejects.toThrow(
      /no adapter loaded for subject subj01 \(loaded: subj02\)/,
    );
    await model.dispose();
  });

  it('refuses files whose shapes differ from model.json, naming file, stage and both shapes', async () => {
    await tiny.editModelJson((json) => {
      json.dims.E = 6;
      json.subjects.subj01!.voxelCount = 31;
    });
    expect([...(await loadError())].sort()).toEqual(
      [
        'adapter-subj01.onnx (the adapter of subj01): input voxels has shape [B, 30], model.json says [B, 31]',
        'backbone.onnx (the backbone): output retrieval has shape [B, 5], model.json says [B, 6]',
        '../tiny-image/image-encoder.onnx (the imageEncoder): output embedding has shape [B, 5], model.json says [B, 6]',
      ].sort(),
    );
  });

  it('holds the denoisers to the parameterization model.json declares', async () => {
    await tiny.editModelJson((json) => {
      json.decoder.parameterization = 'eps';
    });
    expect(await loadError()).toEqual([
      '../tiny-image/decoder.onnx (the decoder): has no output "eps" (its outputs: v)',
    ]);
  });

  it('says which subjects the model has, and which files are missing', async () => {
    expect(await loadError(['subj07'])).toEqual([
      'model.json: model tiny-brain has no subject subj07 (it has subj01, subj02)',
    ]);
    await rm(join(tiny.brainDir, 'prior.onnx'));
    expect(await loadError()).toEqual([expect.stringMatching(/^prior\.onnx: not found \(/)]);
  });
});
