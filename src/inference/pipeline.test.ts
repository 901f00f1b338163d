// The pipeline's wiring, on a fake engine whose "models" are small functions with known answers:
// which tensors reach which stage, guidance, latent scales, variants, settings.
import { describe, expect, it } from 'vitest';
import type { BundleSource } from '../data/bundleSource';
import type { ModelJson } from '../data/modelSchema';
import { isHostTensor, type Engine, type EngineSession, type HostTensor } from './engine';
import { MindEyeModel } from './model';
import { reconstruct, reconstructFromImage, startNoise, type SamplerSettings } from './pipeline';
import { HostDeviceOps } from '../../test/hostDevice';
import { field } from '../../test/onnxEdits';

const DECODER_ABAR = Array.from({ length: 20 }, (_, t) => 0.99 - (0.95 * t) / 19);
const MODEL: ModelJson = {
  format: 'mindeye-web/models@1',
  id: 'fake',
  name: 'Fake',
  description: '',
  family: 'fake',
  dims: { H: 1, T: 1, D: 2, E: 2, C: 1, h: 1, w: 1, S: 1 },
  subjects: { s1: { voxelCount: 2, voxelOrder: 'c', adapter: 'adapter.onnx' } },
  files: {
    backbone: 'backbone.onnx',
    prior: 'prior.onnx',
    decoder: 'decoder.onnx',
    vaeDecoder: 'vae.onnx',
    imageEncoder: 'encoder.onnx',
  },
  prior: { parameterization: 'x0', trainSteps: 10, steps: 3, alphasCumprod: DECODER_ABAR.slice(0, 10) },
  decoder: {
    parameterization: 'eps',
    trainSteps: 20,
    steps: 4,
    maxSteps: 8,
    alphasCumprod: DECODER_ABAR,
    cfgScale: 3,
    maxCfgScale: 5,
    unconditional: 'zeros',
  },
  latent: { scale: 0.5 },
  retrieval: { similarity: 'cosine' },
  provenance: {
    profile: 'test',
    hardware: '',
    wallSeconds: 0,
    trainingData: '',
    sessionsPerSubject: {},
    codeVersion: '',
    seed: 0,
  },
};

type Fn = (feeds: Record<string, HostTensor>) => Record<string, HostTensor>;
const t = (dims: number[], values: number[]): HostTensor => ({ dims, data: Float32Array.from(values) });
const perEntry = (x: HostTensor, f: (entry: Float32Array) => number[], dims: number[]): HostTensor => {
  const batch = x.dims[0]!;
  const size = x.data.length / batch;
  const out: number[] = [];
  for (let b = 0; b < batch; b++) out.push(...f(x.data.subarray(b * size, (b + 1) * size)));
  return t([batch, ...dims], out);
};
const sum = (v: Float32Array) => v.reduce((a, b) => a + b, 0);

/** The decoder predicts ε for x̂0 = sum(tokens) + 0.5, so guidance makes x̂0 = 0.5 + s·sum(tokens). */
const decoderCalls: { batch: number; tokens: number[]; t: number; z: number[] }[] = [];
const epsFor = (z_t: HostTensor, time: HostTensor, targets: HostTensor): HostTensor => {
  const a = DECODER_ABAR[time.data[0]!]!;
  return t(
    z_t.dims as number[],
    Array.from(z_t.data, (x, i) => (x - Math.sqrt(a) * targets.data[i]!) / Math.sqrt(1 - a)),
  );
};
/** The same decoder split in two: `target` = sum(tokens) + 0.5 once per run, then each step's ε. */
const conditionCalls: { tokens: number[] }[] = [];
const FAKES: Record<string, { io: [string[], string[]]; fn: Fn; shapes?: Record<string, (string | number)[]> }> = {
  'adapter.onnx': {
    io: [['voxels'], ['shared']],
    fn: ({ voxels }) => ({ shared: perEntry(voxels!, (v) => [sum(v)], [1]) }),
  },
  'backbone.onnx': {
    io: [['shared'], ['clip_tokens', 'retrieval', 'blurry_latent']],
    fn: ({ shared }) => ({
      clip_tokens: perEntry(shared!, ([s]) => [s!, 2 * s!], [1, 2]),
      retrieval: perEntry(shared!, ([s]) => [s!, -s!], [2]),
      blurry_latent: perEntry(shared!, ([s]) => [s!], [1, 1, 1]),
    }),
  },
  // x0-parameterised: predicts cond + 1 whatever x_t, so DDIM returns exactly that.
  'prior.onnx': {
    io: [['x_t', 't', 'cond'], ['x0']],
    fn: ({ cond }) => ({ x0: perEntry(cond!, (c) => Array.from(c, (v) => v + 1), [1, 2]) }),
  },
  'decoder.onnx': {
    io: [['z_t', 't', 'tokens'], ['eps']],
    fn: ({ z_t, t: time, tokens }) => {
      decoderCalls.push({
        batch: z_t!.dims[0]!,
        tokens: Array.from(tokens!.data),
        t: time!.data[0]!,
        z: Array.from(z_t!.data),
      });
      return {
        eps: epsFor(
          z_t!,
          time!,
          perEntry(tokens!, (v) => [sum(v) + 0.5], [1, 1, 1]),
        ),
      };
    },
  },
  'condition.onnx': {
    io: [['tokens'], ['target']],
    shapes: { target: ['B', 1, 1, 1] },
    fn: ({ tokens }) => {
      conditionCalls.push({ tokens: Array.from(tokens!.data) });
      return { target: perEntry(tokens!, (v) => [sum(v) + 0.5], [1, 1, 1]) };
    },
  },
  'step.onnx': {
    io: [['z_t', 't', 'target'], ['eps']],
    shapes: { target: ['B', 1, 1, 1] },
    fn: ({ z_t, t: time, target }) => {
      decoderCalls.push({ batch: z_t!.dims[0]!, tokens: [], t: time!.data[0]!, z: Array.from(z_t!.data) });
      return { eps: epsFor(z_t!, time!, target!) };
    },
  },
  'vae.onnx': { io: [['z'], ['image']], fn: ({ z }) => ({ image: perEntry(z!, ([v]) => [v!, v!, v!], [3, 1, 1]) }) },
  'encoder.onnx': {
    io: [['image'], ['tokens', 'embedding']],
    fn: ({ image }) => ({
      tokens: perEntry(image!, (v) => [sum(v) / 3, sum(v) / 3], [1, 2]),
      embedding: perEntry(image!, ([r, g]) => [r!, g!], [2]),
    }),
  },
};

const fakeEngine: Engine = {
  description: 'fake',
  async createSession(_bytes, file) {
    const fake = FAKES[file]!;
    const info = (name: string) => ({ name, type: 'float32', shape: fake.shapes?.[name] ?? null });
    const session: EngineSession = {
      file,
      inputs: fake.io[0].map(info),
      outputs: fake.io[1].map(info),
      run: async (feeds) => fake.fn(feeds as Record<string, HostTensor>),
      dispose: async () => {},
    };
    return session;
  },
};

const EMPTY_GRAPH = field(7); // ModelProto.graph

const sourceOf = (json: ModelJson): BundleSource => ({
  name: 'memory',
  url: (path) => `memory:${path}`,
  // the .onnx files: an ONNX model with an empty graph (nothing to refuse); the fake engine goes by their name
  read: async (path) => (path === 'model.json' ? new TextEncoder().encode(JSON.stringify(json)) : EMPTY_GRAPH),
});
const source = sourceOf(MODEL);

const SETTINGS: SamplerSettings = {
  priorSteps: 3,
  decoderSteps: 4,
  cfgScale: 3,
  img2imgStrength: null,
  blurryBlend: 0,
};

describe('reconstruct', () => {
  it('runs adapter -> backbone -> prior -> guided decoder -> VAE decoder, with the variants', async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    decoderCalls.length = 0;
    const voxels = t([2, 2], [1, 2, 3, 4]);
    const result = await reconstruct(model, 's1', voxels, startNoise(model, [0, 1]), SETTINGS, {
      blurry: true,
      noPrior: true,
    });

    expect(Array.from(result.clipTokens.data)).toEqual([3, 6, 7, 14]);
    expect(Array.from(result.retrieval.data)).toEqual([3, -3, 7, -7]);
    // prior: cond + 1
    expect(Array.from(result.tokens.data)).toEqual([4, 7, 8, 15]);
    // decoder: x̂0 = 0.5 + 3·sum(tokens), then / latent.scale 0.5: sums 11 and 23
    expect(Array.from(result.image.data).map((v) => +v.toFixed(3))).toEqual([67, 67, 67, 139, 139, 139]);
    // blurry: blurry_latent / latent.scale
    expect(Array.from(result.blurry!.data)).toEqual([6, 6, 6, 14, 14, 14]);
    // without the prior: the decoder on clip_tokens (sums 9 and 21)
    expect(Array.from(result.noPrior!.data).map((v) => +v.toFixed(3))).toEqual([55, 55, 55, 127, 127, 127]);
    expect(Object.keys(result.timings)).toEqual([
      'adapter',
      'backbone',
      'prior',
      'decoder',
      'vaeDecoder',
      'blurry',
      'noPrior',
    ]);

    // One decoder call per step, conditional and unconditional (zero tokens) in one batch of 2B.
    expect(decoderCalls).toHaveLength(2 * SETTINGS.decoderSteps);
    expect(decoderCalls[0]).toMatchObject({ batch: 4, tokens: [4, 7, 8, 15, 0, 0, 0, 0] });
  });

  it('skips guidance at scale 1 and gives each sample its own noise', async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    decoderCalls.length = 0;
    const result = await reconstruct(model, 's1', t([1, 2], [1, 2]), startNoise(model, [5]), {
      ...SETTINGS,
      cfgScale: 1,
    });
    expect(decoderCalls[0]!.batch).toBe(1);
    expect(result.image.data[0]).toBeCloseTo((11 + 0.5) / 0.5, 4); // tokens 3+1 and 6+1, no guidance
    expect(result.blurry).toBeNull();
    const noise = startNoise(model, [5, 6]);
    expect(Array.from(noise.decoder.subarray(0, 1))).toEqual(Array.from(startNoise(model, [5]).decoder));
    expect(noise.decoder[0]).not.toBe(noise.decoder[1]);
  });

  it('with img2img, starts the decoder (with and without the prior) from the noised blurry latent', async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    decoderCalls.length = 0;
    const noise = startNoise(model, [3]);
    const result = await reconstruct(
      model,
      's1',
      t([1, 2], [1, 2]),
      noise,
      { ...SETTINGS, img2imgStrength: 0.5 },
      {
        noPrior: true,
      },
    );
    // 4 steps at strength 0.5: the last 2 timesteps (of 19, 13, 6, 0), for the image and for noPrior.
    expect(decoderCalls.map((c) => c.t)).toEqual([6, 0, 6, 0]);
    const a = DECODER_ABAR[6]!;
    const expected = Math.sqrt(a) * 3 + Math.sqrt(1 - a) * noise.decoder[0]!; // blurry_latent = 1 + 2
    expect(decoderCalls[0]!.z[0]).toBeCloseTo(expected, 5);
    expect(decoderCalls[2]!.z[0]).toBeCloseTo(expected, 5);
    // The fake decoder's x̂0 ignores where it starts: the same image as from noise.
    expect(result.image.data[0]).toBeCloseTo(67, 3);
  });

  it("refuses settings beyond the bundle's limits", async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    const run = (settings: SamplerSettings) =>
      reconstruct(model, 's1', t([1, 2], [1, 2]), startNoise(model, [0]), settings);
    await expect(run({ ...SETTINGS, decoderSteps: 9 })).rejects.toThrow('decoder steps must be 2 to 8, not 9');
    await expect(run({ ...SETTINGS, cfgScale: 6 })).rejects.toThrow('the guidance scale must be 1 to 5, not 6');
    await expect(run({ ...SETTINGS, priorSteps: 1 })).rejects.toThrow('prior steps must be 2 to 10, not 1');
    await expect(run({ ...SETTINGS, img2imgStrength: 0 })).rejects.toThrow('img2img strength must be above 0');
    await expect(run({ ...SETTINGS, blurryBlend: 1 })).rejects.toThrow(
      'low-level blend must be at least 0 and below 1',
    );
  });

  it('stops at the next step once its signal aborts', async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    decoderCalls.length = 0;
    const controller = new AbortController();
    const run = reconstruct(model, 's1', t([1, 2], [1, 2]), startNoise(model, [0]), SETTINGS, {
      signal: controller.signal,
      onDecoderStep: (_x0, step) => {
        if (step === 1) controller.abort(new Error('cancelled'));
      },
    });
    await expect(run).rejects.toThrow('cancelled');
    expect(decoderCalls).toHaveLength(1); // the first step (its guided pair in one batch), then nothing
  });

  it('blends the shown image (and the one without the prior) with the low-level image', async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    const voxels = t([2, 2], [1, 2, 3, 4]);
    const result = await reconstruct(
      model,
      's1',
      voxels,
      startNoise(model, [0, 1]),
      { ...SETTINGS, blurryBlend: 0.25 },
      { noPrior: true },
    );
    // 0.75 of the decoder's image (67, 139; without the prior 55, 127) + 0.25 of the blurry (6, 14)
    expect(Array.from(result.image.data).map((v) => +v.toFixed(3))).toEqual([
      51.75, 51.75, 51.75, 107.75, 107.75, 107.75,
    ]);
    expect(Array.from(result.decoded!.data).map((v) => +v.toFixed(3))).toEqual([67, 67, 67, 139, 139, 139]);
    expect(Array.from(result.noPrior!.data).map((v) => +v.toFixed(3))).toEqual([
      42.75, 42.75, 42.75, 98.75, 98.75, 98.75,
    ]);
    expect(result.blurry).toBeNull(); // computed for the blend, returned only when asked for
    const plain = await reconstruct(model, 's1', voxels, startNoise(model, [0, 1]), SETTINGS);
    expect(plain.decoded).toBeNull();
  });
});

describe('reconstruct with the decoder split in two (decoderCondition + the step)', () => {
  const split = sourceOf({
    ...MODEL,
    files: { ...MODEL.files, decoderCondition: 'condition.onnx', decoder: 'step.onnx' },
  });

  it("gives the single decoder's images, conditioning once per decoder run on [tokens; zeros]", async () => {
    const model = await MindEyeModel.load(split, fakeEngine);
    decoderCalls.length = 0;
    conditionCalls.length = 0;
    const voxels = t([2, 2], [1, 2, 3, 4]);
    const result = await reconstruct(model, 's1', voxels, startNoise(model, [0, 1]), SETTINGS, { noPrior: true });
    expect(Array.from(result.image.data).map((v) => +v.toFixed(3))).toEqual([67, 67, 67, 139, 139, 139]);
    expect(Array.from(result.noPrior!.data).map((v) => +v.toFixed(3))).toEqual([55, 55, 55, 127, 127, 127]);
    // the prior's tokens, then clip_tokens (noPrior), each with the unconditional zeros
    expect(conditionCalls).toEqual([{ tokens: [4, 7, 8, 15, 0, 0, 0, 0] }, { tokens: [3, 6, 7, 14, 0, 0, 0, 0] }]);
    expect(decoderCalls).toHaveLength(2 * SETTINGS.decoderSteps);
    expect(decoderCalls[0]!.batch).toBe(4);

    conditionCalls.length = 0;
    const plain = await reconstruct(model, 's1', t([1, 2], [1, 2]), startNoise(model, [5]), {
      ...SETTINGS,
      cfgScale: 1,
    });
    expect(conditionCalls).toEqual([{ tokens: [4, 7] }]);
    expect(plain.image.data[0]).toBeCloseTo((11 + 0.5) / 0.5, 4);
  });
});

describe('reconstruct on a device engine (the samplers loop in device memory)', () => {
  /** The fake engine with every session's outputs left "on the device" (host arrays, counted). */
  const onDevice = (ops: HostDeviceOps): Engine => ({
    description: 'fake device',
    device: ops,
    async createSession(bytes, file) {
      const session = await fakeEngine.createSession(bytes, file);
      return {
        ...session,
        inputs: session.inputs,
        outputs: session.outputs,
        runOnDevice: async (feeds) => {
          const host = Object.fromEntries(
            Object.entries(feeds).map(([name, x]) => [name, isHostTensor(x) ? x : ops.check(x)]),
          );
          const out = await session.run(host);
          return Object.fromEntries(Object.entries(out).map(([name, x]) => [name, ops.wrap(x)]));
        },
      };
    },
  });

  for (const files of [MODEL.files, { ...MODEL.files, decoderCondition: 'condition.onnx', decoder: 'step.onnx' }]) {
    it(`gives the host's images and frees what it made (${files.decoderCondition ? 'split decoder' : 'one decoder file'})`, async () => {
      const ops = new HostDeviceOps();
      const model = await MindEyeModel.load(sourceOf({ ...MODEL, files }), onDevice(ops));
      expect(model.device).toBe(ops);
      conditionCalls.length = 0;
      const result = await reconstruct(model, 's1', t([2, 2], [1, 2, 3, 4]), startNoise(model, [0, 1]), SETTINGS);
      expect(Array.from(result.image.data).map((v) => +v.toFixed(3))).toEqual([67, 67, 67, 139, 139, 139]);
      expect(conditionCalls).toHaveLength(files.decoderCondition ? 1 : 0);
      expect(ops.leaked()).toBe(0);
    });
  }
});

describe('reconstructFromImage (the ceiling)', () => {
  it("decodes the image encoder's tokens of the true image", async () => {
    const model = await MindEyeModel.load(source, fakeEngine);
    const { image, embedding } = await reconstructFromImage(
      model,
      t([1, 3, 1, 1], [1, 2, 3]),
      startNoise(model, [0]).decoder,
      SETTINGS,
    );
    expect(Array.from(embedding.data)).toEqual([1, 2]);
    // tokens [2, 2]: x̂0 = 0.5 + 3·4, / 0.5
    expect(image.data[0]).toBeCloseTo(25, 3);
  });
});
