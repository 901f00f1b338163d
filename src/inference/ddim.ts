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

/** Turns a model output into the predicted clean sample x̂0 and noise ε̂, with a = ā[t]. */
export function toX0Eps(
  out: Float32Array,
  x: Float32Array,
  a: number,
  parameterization: Parameterization,
): { x0: Float32Array; eps: Float32Array } {
  if (out.length !== x.length) throw new Error(`the model returned ${out.length} values for ${x.length} inputs`);
  const sa = Math.sqrt(a);
  const s1a = Math.sqrt(1 - a);
  const x0 = new Float32Array(x.length);
  const eps = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const o = out[i]!;
    const xi = x[i]!;
    if (parameterization === 'x0') {
      x0[i] = o;
      eps[i] = (xi - sa * o) / s1a;
    } else if (parameterization === 'eps') {
      x0[i] = (xi - s1a * o) / sa;
      eps[i] = o;
    } else {
      x0[i] = sa * xi - s1a * o;
      eps[i] = s1a * xi + sa * o;
    }
  }
  return { x0, eps };
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
    const out = await denoise(x, t);
    const predicted = toX0Eps(out, x, abar[t]!, schedule.parameterization);
    x0 = predicted.x0;
    await onStep?.(x0, i + 1, timesteps.length);
    const next = timesteps[i + 1];
    if (next === undefined) break;
    const an = abar[next]!;
    const [sa, s1a] = [Math.sqrt(an), Math.sqrt(1 - an)];
    const eps = predicted.eps;
    const nextX = new Float32Array(x.length);
    for (let j = 0; j < nextX.length; j++) nextX[j] = sa * x0[j]! + s1a * eps[j]!;
    x = nextX;
  }
  return x0;
}

/** A denoiser conditioned on tokens: the model call, for any batch (tokens has the same batch as x). */
export type ConditionedDenoise = (x: Float32Array, t: number, tokens: Float32Array) => Promise<Float32Array>;

/**
 * Classifier-free guidance with all-zero unconditional tokens: out = out_u + s(out_c - out_u). The
 * conditional and unconditional halves go through the model as one batch [x; x] with tokens
 * [tokens; 0], as the Python sampler does: one call per step instead of two. Scale 1 is the plain
 * conditional model.
 */
export function withGuidance(model: ConditionedDenoise, tokens: Float32Array, scale: number): Denoise {
  if (scale === 1) return (x, t) => model(x, t, tokens);
  const bothTokens = new Float32Array(2 * tokens.length);
  bothTokens.set(tokens);
  return async (x, t) => {
    const both = new Float32Array(2 * x.length);
    both.set(x);
    both.set(x, x.length);
    const out = await model(both, t, bothTokens);
    if (out.length !== both.length)
      throw new Error(`the model returned ${out.length} values for ${both.length} inputs`);
    const guided = new Float32Array(x.length);
    for (let i = 0; i < guided.length; i++) {
      const conditional = out[i]!;
      const unconditional = out[x.length + i]!;
      guided[i] = unconditional + scale * (conditional - unconditional);
    }
    return guided;
  };
}

/**
 * One DDIM step as coefficients: for the model output `out` at x, x̂0 = x0.x·x + x0.out·out and the
 * next sample = next.x·x + next.out·out (null at the last step). Every parameterization makes both
 * linear in x and out, so a device can run the update as one weighted sum without leaving the GPU.
 */
export function ddimStepCoefficients(
  abar: number,
  abarNext: number | null,
  parameterization: Parameterization,
): { x0: { x: number; out: number }; next: { x: number; out: number } | null } {
  const [sa, s1a] = [Math.sqrt(abar), Math.sqrt(1 - abar)];
  // x̂0 and ε̂ as (coefficient of x, coefficient of out), from toX0Eps.
  const [x0, eps] =
    parameterization === 'x0'
      ? [
          [0, 1],
          [1 / s1a, -sa / s1a],
        ]
      : parameterization === 'eps'
        ? [
            [1 / sa, -s1a / sa],
            [0, 1],
          ]
        : [
            [sa, -s1a],
            [s1a, sa],
          ];
  const x0Coefficients = { x: x0[0]!, out: x0[1]! };
  if (abarNext === null) return { x0: x0Coefficients, next: null };
  const [san, s1an] = [Math.sqrt(abarNext), Math.sqrt(1 - abarNext)];
  return {
    x0: x0Coefficients,
    next: { x: san * x0[0]! + s1an * eps[0]!, out: san * x0[1]! + s1an * eps[1]! },
  };
}
