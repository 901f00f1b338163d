// The deterministic DDIM sampler of docs/model-format.md, shared by the prior and the decoder and
// written against an abstract one-step `denoise`, so it is tested without ORT and so a device-resident
// loop can replace the model call later. models/mini/diffusion.py is its Python twin; the parity
// test holds the two to the same numbers.
import { inRange, MIN_STEPS, SAMPLER_BOUNDS } from './samplerLimits';

export type Parameterization = 'x0' | 'eps' | 'v';

export interface NoiseSchedule {
  /** ā over the train timesteps 0..N-1. */
  readonly alphasCumprod: readonly number[];
  /** What the model's output is. */
  readonly parameterization: Parameterization;
}

/**
 * The model's output at timestep t for the batch x (flat, row-major, as given). t is the same for
 * every batch entry; the caller turns it into the model's float32 `t` [B] input.
 */
export type Denoise = (x: Float32Array, t: number) => Promise<Float32Array>;

/**
 * k evenly spaced train timesteps from N-1 down to 0: t_i = round((N-1)(1 - i/(k-1))), rounding
 * halves to even as Python's round() does (N = 10, k = 3 gives 4.5 -> 4, where Math.round says 5).
 */
export function ddimTimesteps(trainSteps: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < MIN_STEPS || steps > trainSteps) {
    throw new RangeError(`DDIM needs ${MIN_STEPS} to ${trainSteps} steps (the train steps), not ${steps}`);
  }
  return Array.from({ length: steps }, (_, i) => roundHalfToEven((trainSteps - 1) * (1 - i / (steps - 1))));
}

function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A value linear in the sample x and the model's output at x: x·x + out·out, element by element. */
export interface Coefficients {
  x: number;
  out: number;
}

/**
 * The predicted clean sample x̂0 and noise ε̂ for a model output at x, with a = ā[t], as coefficients:
 * every parameterization makes both linear in x and out. This and ddimStepCoefficients are the one
 * statement of a DDIM step that the host and the device samplers both run.
 */
function x0EpsCoefficients(a: number, parameterization: Parameterization): { x0: Coefficients; eps: Coefficients } {
  const [sa, s1a] = [Math.sqrt(a), Math.sqrt(1 - a)];
  if (parameterization === 'x0') return { x0: { x: 0, out: 1 }, eps: { x: 1 / s1a, out: -sa / s1a } };
  if (parameterization === 'eps') return { x0: { x: 1 / sa, out: -s1a / sa }, eps: { x: 0, out: 1 } };
  return { x0: { x: sa, out: -s1a }, eps: { x: s1a, out: sa } };
}

function combine(x: Float32Array, out: Float32Array, c: Coefficients): Float32Array {
  if (out.length !== x.length) throw new Error(`the model returned ${out.length} values for ${x.length} inputs`);
  const result = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) result[i] = c.x * x[i]! + c.out * out[i]!;
  return result;
}

/** Called after each step with that step's x̂0 (1-based step), e.g. to show the image forming. */
export type OnStep = (x0: Float32Array, step: number, steps: number) => void | Promise<void>;

/**
 * img2img: the sampler starts part-way, from `start` (same shape as the noise) noised to that point,
 * instead of from pure noise. Strength 1 runs every timestep; lower strengths keep more of `start`.
 */
export interface Img2Img {
  start: Float32Array;
  strength: number;
}

/** How many of the first timesteps img2img skips: round((1 - strength)·k), leaving at least one. */
export function img2imgSkip(steps: number, strength: number): number {
  if (!inRange(SAMPLER_BOUNDS.img2imgStrength, strength))
    throw new RangeError(`img2img strength must be in (0, 1], not ${strength}`);
  return Math.min(steps - 1, Math.max(0, roundHalfToEven((1 - strength) * steps)));
}

/**
 * The timesteps a sampler runs and the sample it starts from: all k timesteps from `noise`, or with
 * img2img the last k - img2imgSkip of them from √ā·start + √(1-ā)·noise at the first of those.
 */
export function samplerStart(
  schedule: NoiseSchedule,
  steps: number,
  noise: Float32Array,
  img2img?: Img2Img,
): { timesteps: number[]; x: Float32Array } {
  const abar = schedule.alphasCumprod;
  const timesteps = ddimTimesteps(abar.length, steps);
  if (!img2img) return { timesteps, x: noise };
  if (img2img.start.length !== noise.length) {
    throw new Error(`the img2img start has ${img2img.start.length} values, the noise ${noise.length}`);
  }
  const kept = timesteps.slice(img2imgSkip(steps, img2img.strength));
  const a = abar[kept[0]!]!;
  const [sa, s1a] = [Math.sqrt(a), Math.sqrt(1 - a)];
  return { timesteps: kept, x: noise.map((n, i) => sa * img2img.start[i]! + s1a * n) };
}

/** Runs the sampler from `noise` (standard normal, any batch), or img2img; returns the last x̂0. */
export async function ddimSample(
  denoise: Denoise,
  noise: Float32Array,
  schedule: NoiseSchedule,
  steps: number,
  onStep?: OnStep,
  img2img?: Img2Img,
): Promise<Float32Array> {
  const abar = schedule.alphasCumprod;
  const start = samplerStart(schedule, steps, noise, img2img);
  const { timesteps } = start;
  let x = start.x;
  let x0 = start.x;
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i]!;
    const next = timesteps[i + 1];
    const out = await denoise(x, t);
    const c = ddimStepCoefficients(abar[t]!, next === undefined ? null : abar[next]!, schedule.parameterization);
    x0 = combine(x, out, c.x0);
    await onStep?.(x0, i + 1, timesteps.length);
    if (!c.next) break;
    x = combine(x, out, c.next);
  }
  return x0;
}

/**
 * Classifier-free guidance's batch layout, with all-zero unconditional tokens: the model sees
 * `copies` of x ([x; x]) with `tokens(t)` ([t; 0]) in one call, and the guided output
 * out_u + s(out_c - out_u) is the sum of `halves`: each half of the output (the conditional one at 0,
 * the unconditional one at 1) times its weight. Scale 1 is the plain conditional model: one copy.
 * The host (withGuidance) and the device (deviceSampler.ts, sampleDecoder) samplers both follow it.
 */
export interface GuidanceBatch {
  readonly copies: 1 | 2;
  tokens(tokens: Float32Array): Float32Array;
  readonly halves: readonly { readonly half: number; readonly weight: number }[];
}

export function guidanceBatch(scale: number): GuidanceBatch {
  if (scale === 1) return { copies: 1, tokens: (tokens) => tokens, halves: [{ half: 0, weight: 1 }] };
  return {
    copies: 2,
    tokens: (tokens) => {
      const both = new Float32Array(2 * tokens.length);
      both.set(tokens);
      return both;
    },
    halves: [
      { half: 0, weight: scale },
      { half: 1, weight: 1 - scale },
    ],
  };
}

/**
 * The model under guidance (guidanceBatch): one call per step instead of two, as the Python sampler
 * does. `model` takes the guidance batch [x; x], already conditioned on guidanceBatch's tokens (the
 * caller prepares them, or what the decoder makes of them, once for all the steps).
 */
export function withGuidance(model: Denoise, scale: number): Denoise {
  const guidance = guidanceBatch(scale);
  if (guidance.copies === 1) return model;
  return async (x, t) => {
    const n = x.length;
    const batch = new Float32Array(guidance.copies * n);
    for (let copy = 0; copy < guidance.copies; copy++) batch.set(x, copy * n);
    const out = await model(batch, t);
    if (out.length !== batch.length)
      throw new Error(`the model returned ${out.length} values for ${batch.length} inputs`);
    const guided = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let value = 0;
      for (const { half, weight } of guidance.halves) value += weight * out[half * n + i]!;
      guided[i] = value;
    }
    return guided;
  };
}

/**
 * One DDIM step as coefficients: for the model output `out` at x, x̂0 = x0.x·x + x0.out·out and the
 * next sample √ā'·x̂0 + √(1-ā')·ε̂ = next.x·x + next.out·out (null at the last step), so a device can
 * run the update as one weighted sum without leaving the GPU.
 */
export function ddimStepCoefficients(
  abar: number,
  abarNext: number | null,
  parameterization: Parameterization,
): { x0: Coefficients; next: Coefficients | null } {
  const { x0, eps } = x0EpsCoefficients(abar, parameterization);
  if (abarNext === null) return { x0, next: null };
  const [san, s1an] = [Math.sqrt(abarNext), Math.sqrt(1 - abarNext)];
  return { x0, next: { x: san * x0.x + s1an * eps.x, out: san * x0.out + s1an * eps.out } };
}
