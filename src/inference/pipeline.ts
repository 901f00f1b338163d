// The reconstruction pipeline (DESIGN §1): adapter -> backbone -> prior (conditioned on clip_tokens)
// -> decoder (CFG, on the prior's tokens; img2img from the blurry latent when model.json asks) ->
// vaeDecoder, blended with the low-level (blurry) image when model.json asks (MindEye2's final
// evaluation averages 0.75 of its reconstruction with 0.25 of its blurry one), for a batch of voxel
// vectors; plus the variants the evaluation compares: the low-level image alone, the decoder before
// the blend, the decoder without the prior, and the ceiling (the decoder on the image encoder's
// tokens of the true image).
import { ddimSample, guidanceBatch, withGuidance, type Img2Img, type OnStep } from './ddim';
import { ddimSampleOnDevice } from './deviceSampler';
import { tensor, type DeviceTensor, type HostTensor } from './engine';
import type { ModelJson } from '../data/modelSchema';
import type { MindEyeModel } from './model';
import { gaussianNoise } from './random';
import { inRange, rangeText, samplerLimits, type Range } from './samplerLimits';

export interface SamplerSettings {
  priorSteps: number;
  decoderSteps: number;
  cfgScale: number;
  /** The decoder starts from the low-level latent at this strength (img2img); null: from pure noise. */
  img2imgStrength: number | null;
  /** The shown image's share of the low-level image, the rest the decoder's; 0: the decoder's alone. */
  blurryBlend: number;
}

/** model.json's own step counts, guidance scale, img2img strength and low-level blend. */
export function defaultSettings(json: ModelJson): SamplerSettings {
  const { prior, decoder } = json;
  return {
    priorSteps: prior.steps,
    decoderSteps: decoder.steps,
    cfgScale: decoder.cfgScale,
    img2imgStrength: decoder.img2imgStrength ?? null,
    blurryBlend: decoder.blurryBlend ?? 0,
  };
}

/** Settings past model.json's limits are refused: the bundle says what it was trained to do. */
export function checkSettings(model: Pick<MindEyeModel, 'json' | 'hasBlurry'>, settings: SamplerSettings): void {
  const limits = samplerLimits(model.json);
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new RangeError(message);
  };
  const checkRange = (range: Range, value: number, what: string) =>
    check(inRange(range, value), `${what} must be ${rangeText(range)}, not ${value}`);
  checkRange(limits.priorSteps, settings.priorSteps, 'prior steps');
  checkRange(limits.decoderSteps, settings.decoderSteps, 'decoder steps');
  checkRange(limits.cfgScale, settings.cfgScale, 'the guidance scale');
  const strength = settings.img2imgStrength;
  if (strength !== null) {
    checkRange(limits.img2imgStrength, strength, 'the img2img strength');
    check(model.hasBlurry, `model ${model.json.id} has no low-level latent to start img2img from`);
  }
  const blend = settings.blurryBlend;
  checkRange(limits.blurryBlend, blend, 'the low-level blend');
  check(blend === 0 || model.hasBlurry, `model ${model.json.id} has no low-level image to blend with`);
}

/** (1 - share) of `decoded` plus `share` of `lowLevel`, two images of the same shape. */
export function blendBlurry(decoded: HostTensor, lowLevel: HostTensor, share: number): HostTensor {
  return tensor(
    decoded.data.map((v, i) => (1 - share) * v + share * lowLevel.data[i]!),
    decoded.dims,
  );
}

/** The samplers' starting noise for a batch: prior [B,T,D] and decoder [B,C,h,w]. */
export interface StartNoise {
  prior: Float32Array;
  decoder: Float32Array;
}

/**
 * Noise for a batch with one seed per sample, so a sample's reconstruction does not depend on the
 * batch it ran in.
 */
export function startNoise(model: MindEyeModel, seeds: readonly number[]): StartNoise {
  const { T, D, C, h, w } = model.json.dims;
  const concat = (size: number, offset: number) => {
    const out = new Float32Array(seeds.length * size);
    seeds.forEach((seed, i) => out.set(gaussianNoise(size, seed * 2 + offset), i * size));
    return out;
  };
  return { prior: concat(T * D, 0), decoder: concat(C * h * w, 1) };
}

/** Milliseconds per stage, in the order they ran. */
export type StageTimings = Record<string, number>;

async function timed<T>(timings: StageTimings, stage: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  timings[stage] = (timings[stage] ?? 0) + performance.now() - start;
  return result;
}

/**
 * The prior's DDIM: clip_tokens [B,T,D] -> refined tokens [B,T,D] (the decoder's conditioning). With
 * a device engine the loop stays in device memory (deviceSampler.ts); the result is the same.
 */
export async function samplePrior(
  model: MindEyeModel,
  clipTokens: HostTensor,
  noise: Float32Array,
  steps: number,
  signal?: AbortSignal,
): Promise<HostTensor> {
  const { device } = model;
  if (device) {
    const cond = device.upload(clipTokens);
    try {
      const denoise = (x: DeviceTensor, t: number) => {
        signal?.throwIfAborted();
        return model.priorStepOnDevice(x, t, cond);
      };
      const x0 = await ddimSampleOnDevice(
        device,
        denoise,
        tensor(noise, clipTokens.dims),
        model.json.prior,
        steps,
        null,
      );
      return tensor(x0, clipTokens.dims);
    } finally {
      cond.dispose();
    }
  }
  const denoise = async (x: Float32Array, t: number) => {
    signal?.throwIfAborted();
    return (await model.priorStep(tensor(x, clipTokens.dims), t, clipTokens)).data;
  };
  return tensor(await ddimSample(denoise, noise, model.json.prior, steps), clipTokens.dims);
}

/**
 * The decoder's DDIM with guidance: tokens [B,T,D] -> its final x̂0 [B,C,h,w], in the scaled latent
 * space the decoder was trained in (latentToImage divides by latent.scale). The decoder's token-only
 * work (model.conditionDecoder) runs once, on the guidance batch [tokens; zeros], for every step.
 */
export async function sampleDecoder(
  model: MindEyeModel,
  tokens: HostTensor,
  noise: Float32Array,
  settings: Pick<SamplerSettings, 'decoderSteps' | 'cfgScale'>,
  onStep?: OnStep,
  img2img?: Img2Img,
  signal?: AbortSignal,
): Promise<HostTensor> {
  const { decoder, dims } = model.json;
  const batch = tokens.dims[0]!;
  const latentDims = [batch, dims.C, dims.h, dims.w];
  const guidance = guidanceBatch(settings.cfgScale);
  // With guidance the model sees twice the batch.
  const rows = guidance.copies * batch;
  const guidedTokens = tensor(guidance.tokens(tokens.data), [rows, dims.T, dims.D]);
  const { device } = model;
  if (device) {
    const conditioning = await model.conditionDecoderOnDevice(guidedTokens);
    try {
      const denoise = (z: DeviceTensor, t: number) => {
        signal?.throwIfAborted();
        return model.decoderStepOnDevice(z, t, conditioning);
      };
      const x0 = await ddimSampleOnDevice(
        device,
        denoise,
        tensor(noise, latentDims),
        decoder,
        settings.decoderSteps,
        settings.cfgScale,
        onStep,
        img2img,
      );
      return tensor(x0, latentDims);
    } finally {
      for (const part of Object.values(conditioning)) part.dispose();
    }
  }
  const conditioning = await model.conditionDecoder(guidedTokens);
  const step = async (x: Float32Array, t: number) => {
    signal?.throwIfAborted();
    return (await model.decoderStep(tensor(x, [rows, dims.C, dims.h, dims.w]), t, conditioning)).data;
  };
  const x0 = await ddimSample(
    withGuidance(step, settings.cfgScale),
    noise,
    decoder,
    settings.decoderSteps,
    onStep,
    img2img,
  );
  return tensor(x0, latentDims);
}

/** A latent in the scaled space (the decoder's x̂0, the backbone's blurry_latent) -> image [B,3,S,S]. */
export function latentToImage(model: MindEyeModel, latent: HostTensor): Promise<HostTensor> {
  const scale = model.json.latent.scale;
  return model.vaeDecode(
    tensor(
      latent.data.map((v) => v / scale),
      latent.dims,
    ),
  );
}

export interface Variants {
  /** The low-level image: vaeDecoder(blurry_latent / latent.scale); skipped when the backbone has no blurry_latent. */
  blurry?: boolean;
  /** The decoder on the backbone's clip_tokens, without the prior (same decoder noise). */
  noPrior?: boolean;
  /** Sees the decoder's x̂0 (scaled latent, whole batch) after each step: the live preview. */
  onDecoderStep?: OnStep;
  /** Stops the run at the next prior or decoder step (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface Reconstruction {
  clipTokens: HostTensor;
  retrieval: HostTensor;
  /** The prior's tokens, which condition the decoder. */
  tokens: HostTensor;
  /** [B,3,S,S] in [0,1]: what is shown, the decoder's image blended with the low-level one */
  image: HostTensor;
  /** The decoder's image before the blend; null when there is no blend. */
  decoded: HostTensor | null;
  blurry: HostTensor | null;
  noPrior: HostTensor | null;
  timings: StageTimings;
}

export async function reconstruct(
  model: MindEyeModel,
  subject: string,
  voxels: HostTensor,
  noise: StartNoise,
  settings: SamplerSettings,
  variants: Variants = {},
): Promise<Reconstruction> {
  checkSettings(model, settings);
  const timings: StageTimings = {};
  const shared = await timed(timings, 'adapter', () => model.adapter(subject, voxels));
  const { clipTokens, retrieval, blurryLatent } = await timed(timings, 'backbone', () => model.backbone(shared));
  const { signal } = variants;
  const tokens = await timed(timings, 'prior', () =>
    samplePrior(model, clipTokens, noise.prior, settings.priorSteps, signal),
  );

  const img2img =
    settings.img2imgStrength !== null && blurryLatent
      ? { start: blurryLatent.data, strength: settings.img2imgStrength }
      : undefined;
  const latent = await timed(timings, 'decoder', () =>
    sampleDecoder(model, tokens, noise.decoder, settings, variants.onDecoderStep, img2img, signal),
  );
  const decoded = await timed(timings, 'vaeDecoder', () => latentToImage(model, latent));

  const share = settings.blurryBlend;
  let blurry: HostTensor | null = null;
  if ((variants.blurry || share > 0) && blurryLatent)
    blurry = await timed(timings, 'blurry', () => latentToImage(model, blurryLatent));
  const shown = (image: HostTensor) => (share > 0 && blurry ? blendBlurry(image, blurry, share) : image);
  let noPrior: HostTensor | null = null;
  if (variants.noPrior) {
    noPrior = await timed(timings, 'noPrior', async () =>
      shown(
        await latentToImage(
          model,
          await sampleDecoder(model, clipTokens, noise.decoder, settings, undefined, img2img, signal),
        ),
      ),
    );
  }
  const image = shown(decoded);
  return {
    clipTokens,
    retrieval,
    tokens,
    image,
    decoded: image === decoded ? null : decoded,
    blurry: variants.blurry ? blurry : null,
    noPrior,
    timings,
  };
}

/**
 * The ceiling: what the decoder makes of the true image's own tokens (image [B,3,S,S] -> image'),
 * the best any brain model could reach through this decoder. Also returns the image's embedding.
 */
export async function reconstructFromImage(
  model: MindEyeModel,
  image: HostTensor,
  decoderNoise: Float32Array,
  settings: Pick<SamplerSettings, 'decoderSteps' | 'cfgScale'>,
): Promise<{ image: HostTensor; embedding: HostTensor; timings: StageTimings }> {
  const timings: StageTimings = {};
  const { tokens, embedding } = await timed(timings, 'imageEncoder', () => model.encodeImage(image));
  const latent = await timed(timings, 'decoder', () => sampleDecoder(model, tokens, decoderNoise, settings));
  const decoded = await timed(timings, 'vaeDecoder', () => latentToImage(model, latent));
  return { image: decoded, embedding, timings };
}
