import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { createOrtNodeEngine } from '../node/ortEngine';
import { withCustomNode, withExternalInitializer } from '../../test/onnxEdits';
import { TinyModel } from '../../test/tinyModel';
import type { Engine, EngineSession } from './engine';
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

  it('runs a decoder split in two as the single file: conditioning once, then the step', async () => {
    const single = await load(['subj01']);
    const tokens = { dims: [2, 2, 3], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)) };
    const z = { dims: [2, 2, 2, 2], data: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)) };
    const conditioning = await single.conditionDecoder(tokens);
    expect(Object.keys(conditioning)).toEqual(['tokens']); // one file: the step takes the tokens
    const expected = await single.decoderStep(z, 7, conditioning);
    await single.dispose();

    await tiny.useSplitDecoder();
    const split = await load(['subj01']);
    const projected = await split.conditionDecoder(tokens);
    expect(Object.keys(projected)).toEqual(['projected']);
    const got = await split.decoderStep(z, 7, projected);
    expect(Array.from(got.data).map((v, i) => v - expected.data[i]!)).toEqual(Array(16).fill(0));
    await split.dispose();
  });

  it("holds a split decoder's step to its condition file's outputs, and the condition file to its own contract", async () => {
    await tiny.useSplitDecoder();
    await tiny.editModelJson((json) => {
      json.files.decoder = '../tiny-image/decoder.onnx'; // the single file takes the tokens
    });
    expect(await loadError()).toEqual([
      '../tiny-image/decoder.onnx (the decoder): has no input "projected" (its inputs: z_t, t, tokens); has inputs the contract does not feed: tokens',
    ]);
    await tiny.editModelJson((json) => {
      json.files.decoderCondition = '../tiny-image/decoder-step.onnx';
      json.files.decoder = '../tiny-image/decoder-step.onnx';
    });
    expect(await loadError()).toEqual([
      '../tiny-image/decoder-step.onnx (the decoderCondition): has no input "tokens" (its inputs: z_t, t, projected); has inputs the contract does not feed: z_t, t, projected',
    ]);
  });

  it('says which subjects the model has, and which files are missing', async () => {
    expect(await loadError(['subj07'])).toEqual([
      'model.json: model tiny-brain has no subject subj07 (it has subj01, subj02)',
    ]);
    await rm(join(tiny.brainDir, 'prior.onnx'));
    expect(await loadError()).toEqual([expect.stringMatching(/^prior\.onnx: not found \(/)]);
  });

  it('refuses ONNX files with external data or custom operators before the engine sees them (issue 16, finding 2)', async () => {
    const adapter = join(tiny.brainDir, 'adapter-subj01.onnx');
    const prior = join(tiny.brainDir, 'prior.onnx');
    await writeFile(adapter, withExternalInitializer(await readFile(adapter)));
    await writeFile(prior, withCustomNode(await readFile(prior)));
    const given: string[] = [];
    const spy: Engine = {
      description: 'spy',
      createSession: (bytes, file) => {
        given.push(file);
        return engine.createSession(bytes, file);
      },
    };
    const error = await MindEyeModel.load(fsModelBundleSource(tiny.brainDir), spy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).problems).toEqual([
      expect.stringMatching(
        /^adapter-subj01\.onnx: initializer "stolen" keeps its data in an external file \("package\.json"\)/,
      ),
      expect.stringMatching(/^prior\.onnx: node "Evil" \(Evil\) uses the operator domain "com\.example\.evil"/),
    ]);
    expect(given).not.toContain('adapter-subj01.onnx');
    expect(given).not.toContain('prior.onnx');
  });

  it('looks subjects up by own key only: "constructor" is not Object.prototype\'s (issue 16, finding 4)', async () => {
    expect(await loadError(['constructor'])).toEqual([
      'model.json: model tiny-brain has no subject constructor (it has subj01, subj02)',
    ]);
  });

  it('refuses non-finite voxels and outputs instead of passing them on (issue 16, finding 8)', async () => {
    const model = await load(['subj02']);
    const voxels = new Float32Array(80).fill(1);
    voxels[43] = NaN;
    await expect(model.adapter('subj02', { dims: [2, 40], data: voxels })).rejects.toThrow(
      /^the voxels of subj02 hold NaN \(sample 1, voxel 3\): not fed to adapter-subj02\.onnx$/,
    );
    await model.dispose();

    // An engine whose backbone gives an infinity: the run fails, naming the file and the output.
    const poisoned: Engine = {
      description: 'poisoned',
      async createSession(bytes, file) {
        const session = await engine.createSession(bytes, file);
        if (file !== 'backbone.onnx') return session;
        return {
          ...session,
          inputs: session.inputs,
          outputs: session.outputs,
          run: async (feeds) => {
            const out = await session.run(feeds);
            out.retrieval!.data[2] = Infinity;
            return out;
          },
          dispose: () => session.dispose(),
        } satisfies EngineSession;
      },
    };
    const bad = await MindEyeModel.load(fsModelBundleSource(tiny.brainDir), poisoned, { subjects: ['subj02'] });
    const shared = await bad.adapter('subj02', { dims: [1, 40], data: new Float32Array(40).fill(1) });
    await expect(bad.backbone(shared)).rejects.toThrow(/^backbone\.onnx gave Infinity in "retrieval" \(at index 2\)$/);
    await bad.dispose();
  });
});
