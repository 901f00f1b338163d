// The parity checks themselves, engine-agnostic so that the CPU test and the WebGPU child process run
// the same code. Each returns its findings instead of throwing, so a report can list every file.
// Node only.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ModelJson } from '../src/data/modelSchema';
import type { Engine, HostTensor } from '../src/inference/engine';
import { MindEyeModel } from '../src/inference/model';
import { latentToImage, sampleDecoder, samplePrior } from '../src/inference/pipeline';
import { fsModelBundleSource } from '../src/node/fsModelBundleSource';
import { decodeTensor, maxAbsError, mismatch, readJson, type OnnxFixture, type SamplerFixture } from './parity';

export interface ParityResult {
  /** What was compared, e.g. "backbone.onnx clip_tokens". */
  name: string;
  /** null when within tolerance */
  problem: string | null;
  maxAbsError: number | null;
  ms: number;
}

function compare(
  name: string,
  actual: HostTensor | undefined,
  expected: HostTensor,
  fixture: OnnxFixture | SamplerFixture,
  ms: number,
): ParityResult {
  if (!actual) return { name, problem: 'no such output', maxAbsError: null, ms };
  const problem = mismatch(actual, expected, fixture);
  return { name, problem, maxAbsError: problem?.startsWith('shape') ? null : maxAbsError(actual, expected), ms };
}

/** Runs one ONNX file on its fixture's inputs and compares every output the fixture holds. */
export async function onnxParity(engine: Engine, folder: string, file: string): Promise<ParityResult[]> {
  const fixturePath = join(folder, 'parity', `${file}.json`);
  if (!existsSync(fixturePath))
    return [{ name: file, problem: `no parity fixture (${fixturePath})`, maxAbsError: null, ms: 0 }];
  const fixture = await readJson<OnnxFixture>(fixturePath);
  const session = await engine.createSession(new Uint8Array(await readFile(join(folder, file))), file);
  try {
    const feeds = Object.fromEntries(Object.entries(fixture.inputs).map(([k, v]) => [k, decodeTensor(v)]));
    const start = performance.now();
    const outputs = await session.run(feeds);
    const ms = performance.now() - start;
    return Object.entries(fixture.outputs).map(([name, expected]) =>
      compare(`${file} ${name}`, outputs[name], decodeTensor(expected), fixture, ms),
    );
  } finally {
    await session.dispose();
  }
}

/**
 * A bundle's decoder split in two (model.json files.decoderCondition and files.decoder), run as the
 * app chains them: the condition file on its fixture's tokens, its outputs (not the fixture's) fed
 * to the step file with the step fixture's z_t and t, against the step fixture's output. The two
 * fixtures start from the same tokens (the exporters write them so), so this holds the chain to
 * PyTorch's unsplit decoder. Empty for a bundle with one decoder file.
 */
export async function splitDecoderParity(engine: Engine, folder: string): Promise<ParityResult[]> {
  const { files } = await readJson<ModelJson>(join(folder, 'model.json'));
  if (files.decoderCondition === undefined) return [];
  const open = async (file: string) => {
    const path = join(folder, file);
    const fixture = await readJson<OnnxFixture>(join(dirname(path), 'parity', `${basename(path)}.json`));
    return { fixture, session: await engine.createSession(new Uint8Array(await readFile(path)), file) };
  };
  const condition = await open(files.decoderCondition);
  const step = await open(files.decoder);
  try {
    const start = performance.now();
    const conditioning = await condition.session.run({ tokens: decodeTensor(condition.fixture.inputs.tokens!) });
    const { z_t, t } = step.fixture.inputs;
    const outputs = await step.session.run({ ...conditioning, z_t: decodeTensor(z_t!), t: decodeTensor(t!) });
    const ms = performance.now() - start;
    return Object.entries(step.fixture.outputs).map(([name, expected]) =>
      compare(`decoder condition -> step ${name}`, outputs[name], decodeTensor(expected), step.fixture, ms),
    );
  } finally {
    await Promise.all([condition.session.dispose(), step.session.dispose()]);
  }
}

/**
 * Runs the TypeScript DDIM samplers through the engine from the fixture's noise and compares with
 * the Python samplers' results: the prior's tokens, the decoder's final x̂0 (`latent`, in the scaled
 * latent space) and the VAE decoder's image of latent / latent.scale.
 */
export async function samplerParity(engine: Engine, folder: string): Promise<ParityResult[]> {
  const fixture = await readJson<SamplerFixture>(join(folder, 'parity', 'sampler.json'));
  const model = await MindEyeModel.load(fsModelBundleSource(folder), engine);
  try {
    const { prior, decoder } = fixture;
    let start = performance.now();
    const cond = decodeTensor(prior.cond);
    const tokens = await samplePrior(model, cond, decodeTensor(prior.noise).data, prior.steps);
    const results = [
      compare('prior sampler tokens', tokens, decodeTensor(prior.result), fixture, performance.now() - start),
    ];
    start = performance.now();
    const settings = { decoderSteps: decoder.steps, cfgScale: decoder.cfgScale };
    const img2img =
      decoder.start && decoder.img2imgStrength !== undefined
        ? { start: decodeTensor(decoder.start).data, strength: decoder.img2imgStrength }
        : undefined;
    const noise = decodeTensor(decoder.noise).data;
    const latent = await sampleDecoder(model, decodeTensor(decoder.tokens), noise, settings, undefined, img2img);
    results.push(
      compare('decoder sampler latent', latent, decodeTensor(decoder.latent), fixture, performance.now() - start),
    );
    start = performance.now();
    const image = await latentToImage(model, latent);
    results.push(compare('decoded image', image, decodeTensor(decoder.image), fixture, performance.now() - start));
    return results;
  } finally {
    await model.dispose();
  }
}
