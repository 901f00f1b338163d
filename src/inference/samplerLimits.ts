// The sampler settings a run may ask for (steps, guidance scale, img2img strength, low-level blend,
// seed, samples), in one place: the checker (checkSettings), the settings panel, the URL parser, the
// eval CLI and the DDIM sampler read them here, so what the app offers is what it accepts.
import { LIMITS } from '../data/limits';
import type { ModelJson } from '../data/modelSchema';

/** Numbers from min to max; an open end leaves that bound out, and `integer` asks for whole numbers. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly minOpen?: boolean;
  readonly maxOpen?: boolean;
}

export interface SamplerLimits {
  readonly priorSteps: Range;
  readonly decoderSteps: Range;
  readonly cfgScale: Range;
  /** img2img's start strength; 1 runs every timestep from the noised start. */
  readonly img2imgStrength: Range;
  /** The low-level image's share of the shown one: below 1, so the decoder always contributes. */
  readonly blurryBlend: Range;
  readonly seed: Range;
  /** Best of N: each sample is a whole reconstruction, so a few at most. */
  readonly samples: Range;
}

/** DDIM needs a first and a last timestep. */
export const MIN_STEPS = 2;

/**
 * The largest seed offered. A run's samples draw noise seeds seed·1000 + i, doubled (plus 1 for the
 * decoder) into a 32-bit generator state: up to here every seed gets its own noise; past about 2.1
 * million they wrap onto smaller seeds' (seed=536870912, 2²⁹, drew seed 0's picture), so larger ones
 * fall back to 0.
 */
export const MAX_SEED = 1_000_000;

const steps: Range = { min: MIN_STEPS, max: LIMITS.samplerSteps, integer: true };

/**
 * The limits that hold before a bundle is known (a shared link, a command line): no model.json may
 * allow more steps than LIMITS.samplerSteps, and a guidance scale below 1 is never guidance.
 */
export const SAMPLER_BOUNDS: SamplerLimits = {
  priorSteps: steps,
  decoderSteps: steps,
  cfgScale: { min: 1, max: Infinity, integer: false },
  img2imgStrength: { min: 0, minOpen: true, max: 1, integer: false },
  blurryBlend: { min: 0, max: 1, maxOpen: true, integer: false },
  seed: { min: 0, max: MAX_SEED, integer: true },
  samples: { min: 1, max: 8, integer: true },
};

/** The fields of model.json that set a bundle's limits. */
export interface LimitsJson {
  prior: Pick<ModelJson['prior'], 'trainSteps'>;
  decoder: Pick<ModelJson['decoder'], 'maxSteps' | 'maxCfgScale'>;
}

/**
 * What a model bundle allows: the prior up to its trainSteps (it has no maxSteps), the decoder up to
 * its maxSteps and maxCfgScale, the rest as SAMPLER_BOUNDS.
 */
export function samplerLimits(json: LimitsJson): SamplerLimits {
  return {
    ...SAMPLER_BOUNDS,
    priorSteps: { ...steps, max: json.prior.trainSteps },
    decoderSteps: { ...steps, max: json.decoder.maxSteps },
    cfgScale: { ...SAMPLER_BOUNDS.cfgScale, max: json.decoder.maxCfgScale },
  };
}

export function inRange(range: Range, value: number): boolean {
  if (range.integer && !Number.isInteger(value)) return false;
  const aboveMin = range.minOpen ? value > range.min : value >= range.min;
  const belowMax = range.maxOpen ? value < range.max : value <= range.max;
  return aboveMin && belowMax;
}

/** A range as a refusal says it: "2 to 50", "above 0 and at most 1", "at least 0 and below 1". */
export function rangeText(range: Range): string {
  if (!range.minOpen && !range.maxOpen) return `${range.min} to ${range.max}`;
  return `${range.minOpen ? 'above' : 'at least'} ${range.min} and ${range.maxOpen ? 'below' : 'at most'} ${range.max}`;
}
