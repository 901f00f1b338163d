// Experiments on the brain activity a reconstruction decodes: each is a pure change of the voxel
// vector (or of which rows make it), run beside the unchanged reconstruction with the same seed, so
// that the difference in the picture and in the seen image's rank is the experiment's alone.
// The URL names the active one (formatExperiment / parseExperiment).
import { gaussianNoise, sampleWithoutReplacement, uniformGenerator } from '../inference/random';
import { silenceWhere } from './ablation';
import type { VoxelMask } from './voxelMask';

export type Hemifield = 'left' | 'right';

export type Experiment =
  /** ROI ablation: these ROI labels' voxels set to 0. */
  | { kind: 'rois'; silenced: number[] }
  /** Visual-field ablation: the voxels whose true pRF centre lies in this half of the visual field set to 0. */
  | { kind: 'hemifield'; side: Hemifield }
  /** Gaussian noise of this sd, in the betas' z units, added to every voxel. */
  | { kind: 'noise'; sd: number }
  /** The mean of the image's first `count` repeats instead of the trial chosen (1: one trial). */
  | { kind: 'repeats'; count: number }
  /** The same values in a random order: which voxel is which is lost (a chance check). */
  | { kind: 'shuffle' }
  /** This subject's activity placed onto another subject's voxels by position, through that subject's adapter. */
  | { kind: 'subject'; other: string };

export type ExperimentKind = Experiment['kind'];

/** The noise sd a person can ask for, in z units (the betas are z-scored per voxel). */
export const NOISE_SD = { min: 0.1, max: 5 } as const;

/**
 * Where the experiment's own randomness (noise, shuffle) starts for a run of `seed`: away from the
 * sampler's seeds (seed * 1000 + sample), so the betas' noise is not the sampler's noise again.
 */
export function experimentSeed(seed: number): number {
  return (Math.imul(seed, 0x9e3779b1) + 0x5eed) >>> 0;
}

/** The URL text of an experiment: `rois:1,2`, `field:left`, `noise:0.5`, `repeats:1`, `shuffle`, `subject:subj02`. */
export function formatExperiment(experiment: Experiment): string {
  switch (experiment.kind) {
    case 'rois':
      return `rois:${experiment.silenced.join(',')}`;
    case 'hemifield':
      return `field:${experiment.side}`;
    case 'noise':
      return `noise:${experiment.sd}`;
    case 'repeats':
      return `repeats:${experiment.count}`;
    case 'shuffle':
      return 'shuffle';
    case 'subject':
      return `subject:${experiment.other}`;
  }
}

/** The experiment a URL's text names; null for anything that does not parse (no experiment). */
export function parseExperiment(text: string | null): Experiment | null {
  if (!text) return null;
  const [name, value = ''] = splitOnce(text, ':');
  switch (name) {
    case 'rois': {
      const labels = value.split(',').map(Number);
      if (value === '' || !labels.every((l) => Number.isInteger(l) && l > 0)) return null;
      return { kind: 'rois', silenced: [...new Set(labels)].sort((a, b) => a - b) };
    }
    case 'field':
      return value === 'left' || value === 'right' ? { kind: 'hemifield', side: value } : null;
    case 'noise': {
      const sd = Number(value);
      return value !== '' && sd >= NOISE_SD.min && sd <= NOISE_SD.max ? { kind: 'noise', sd } : null;
    }
    case 'repeats': {
      const count = Number(value);
      return Number.isInteger(count) && count >= 1 && count <= 100 ? { kind: 'repeats', count } : null;
    }
    case 'shuffle':
      return value === '' ? { kind: 'shuffle' } : null;
    case 'subject':
      return /^[A-Za-z0-9_-]+$/.test(value) ? { kind: 'subject', other: value } : null;
    default:
      return null;
  }
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

export function sameExperiment(a: Experiment | null | undefined, b: Experiment | null | undefined): boolean {
  return (a ? formatExperiment(a) : '') === (b ? formatExperiment(b) : '');
}

/** The encoding table's columns an experiment reads (src/brain/subjectBrain.ts EncodingTable). */
interface EncodingColumns {
  columns: readonly string[];
  /** [voxelCount, columns.length], row-major */
  values: Float32Array;
}

/**
 * Which voxels have their true pRF centre in a half of the visual field (x < 0: left, x > 0: right;
 * the model's visual x runs right from fixation). Voxels without a pRF (prf_sigma 0, e.g. ventral
 * ones) are in neither half. 1 = in the half.
 */
export function hemifieldVoxels(encoding: EncodingColumns, side: Hemifield): Uint8Array {
  const x = encoding.columns.indexOf('prf_x');
  const sigma = encoding.columns.indexOf('prf_sigma');
  if (x < 0 || sigma < 0) throw new Error('the encoding has no prf_x and prf_sigma columns: no true receptive fields');
  const width = encoding.columns.length;
  const count = encoding.values.length / width;
  const inHalf = new Uint8Array(count);
  for (let v = 0; v < count; v++) {
    const centre = encoding.values[v * width + x]!;
    if (encoding.values[v * width + sigma]! > 0 && (side === 'left' ? centre < 0 : centre > 0)) inHalf[v] = 1;
  }
  return inHalf;
}

/** A copy of `voxels` with the voxels marked 1 in `off` set to 0 (each voxel's mean response). */
export function silenceVoxels(voxels: Float32Array, off: Uint8Array): Float32Array {
  if (voxels.length !== off.length) throw new RangeError(`${voxels.length} voxel values for ${off.length} marks`);
  return silenceWhere(voxels, (i) => off[i] === 1);
}

/** `voxels` plus Gaussian noise of standard deviation `sd` (z units), drawn from `seed`. */
export function addNoise(voxels: Float32Array, sd: number, seed: number): Float32Array {
  const noise = gaussianNoise(voxels.length, seed);
  return voxels.map((value, i) => value + sd * noise[i]!);
}

/** The same values in a random order drawn from `seed`: every value stays, no voxel keeps its own. */
export function shuffleVoxels(voxels: Float32Array, seed: number): Float32Array {
  const order = sampleWithoutReplacement(voxels.length, voxels.length, uniformGenerator(seed));
  return Float32Array.from(order, (i) => voxels[i]!);
}

/**
 * One subject's vector placed onto another subject's voxels by position: each of `to`'s voxels takes
 * the value of `from`'s voxel at the same grid point, 0 (the mean response) where `from` has none.
 * Both masks must be on the same grid (the caller checks the volumes' affines). `shared`: how many
 * of `to`'s voxels found one.
 */
export function voxelsByPosition(
  voxels: Float32Array,
  from: VoxelMask,
  to: VoxelMask,
): { voxels: Float32Array; shared: number } {
  if (voxels.length !== from.indices.length) {
    throw new RangeError(`${voxels.length} voxel values for a mask of ${from.indices.length}`);
  }
  if (from.dims.join() !== to.dims.join()) {
    throw new RangeError(`the grids differ (${from.dims.join('x')} vs ${to.dims.join('x')})`);
  }
  let shared = 0;
  const out = Float32Array.from(to.indices, (index) => {
    const position = from.positions[index]!;
    if (position < 0) return 0;
    shared++;
    return voxels[position]!;
  });
  return { voxels: out, shared };
}
