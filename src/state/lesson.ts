// Lesson mode (`?lesson=<step>`): a few steps through what the demo can teach, each one a state of
// the app (subject, model, image, trial, the experiment beside the result) so that every step has its own link. Pure:
// the steps' states, their URLs, and the V1 voxel whose receptive field a step shows. The words are
// the UI's (ui/Lesson.tsx).
import { DEMO_MODELS } from '../demo';
import { DEFAULT_URL_STATE, serializeUrlState, type UrlState } from './urlState';

/** What a step shows beside its question, once revealed. */
export type LessonView = 'result' | 'receptive-field' | 'ablation' | 'repeats' | 'subjects' | 'shared';

export interface LessonStep {
  view: LessonView;
  /**
   * The step's selection; its experiment (src/brain/experiments.ts) is the "after" of a before/after
   * shown beside the unchanged run (ROI labels of the demo: 1 V1, 2 V2, 3 V3+, 4 ventral).
   */
  selection: Pick<UrlState, 'subject' | 'model' | 'compare' | 'image' | 'trial' | 'experiment'>;
}

/**
 * The image every step decodes: one the shipped shared-subject model reconstructs well, so that what
 * a change takes away shows. Measured with onnxruntime-node (the bundles' sampler settings, seed 0,
 * subj01), the seen image's rank of 300: mean of repeats #1; V1-V3+ silenced #152, ventral silenced
 * #3; trial 1 alone #3; the single-subject model #4. (Of the first 40 test images, 9 rank in the top
 * 3, this one among them; the first test image ranks #33.)
 */
export const LESSON_IMAGE = 'test-0010';

const [SHARED, SINGLE] = DEMO_MODELS;
const base: LessonStep['selection'] = {
  subject: 'subj01',
  model: SHARED,
  compare: null,
  image: LESSON_IMAGE,
  trial: 'average',
  experiment: null,
};

export const EARLY_VISUAL = [1, 2, 3];
export const VENTRAL = [4];

/** The steps, in order; the URL counts them from 1. */
export const LESSON_STEPS: readonly LessonStep[] = [
  { view: 'result', selection: base },
  { view: 'receptive-field', selection: base },
  { view: 'ablation', selection: { ...base, experiment: { kind: 'rois', silenced: EARLY_VISUAL } } },
  { view: 'ablation', selection: { ...base, experiment: { kind: 'rois', silenced: VENTRAL } } },
  // Trial 1 alone (the first repeat) beside the mean of the repeats.
  { view: 'repeats', selection: { ...base, experiment: { kind: 'repeats', count: 1 } } },
  { view: 'subjects', selection: base },
  { view: 'shared', selection: { ...base, compare: SINGLE } },
];

/** The step a `lesson=` number names (from 1), or null past the last. */
export function lessonStep(number: number): LessonStep | null {
  return LESSON_STEPS[number - 1] ?? null;
}

/**
 * The URL state of a step: its selection, the step's number, and the rest of `current` (the dataset,
 * engine, seed and sampler stay as they are).
 */
export function lessonUrlState(number: number, current: UrlState = DEFAULT_URL_STATE): UrlState {
  const step = lessonStep(number);
  if (!step) return { ...current, lesson: null };
  return { ...current, ...step.selection, present: null, lesson: number };
}

/** The query string of a step's link. */
export function lessonLink(number: number, current: UrlState = DEFAULT_URL_STATE): string {
  return serializeUrlState(lessonUrlState(number, current));
}

/** A V1 voxel of the simulation's ground truth: its place in the voxel vector and its pRF (degrees). */
export interface V1Voxel {
  position: number;
  x: number;
  y: number;
  sigma: number;
}

/**
 * V1 voxels whose receptive field lies clearly off the centre of the picture (eccentricity between
 * 1.5° and 3.5° on a stimulus `stimulusDeg` wide), in voxel-vector order: where one of them looks
 * cannot be guessed from the picture's centre. Read from the encoding table's columns by name.
 */
export function offCentreV1Voxels(
  columns: readonly string[],
  values: Float32Array,
  stimulusDeg: number,
  limit = 24,
): V1Voxel[] {
  const width = columns.length;
  const [area, x, y, sigma] = ['area', 'prf_x', 'prf_y', 'prf_sigma'].map((name) => columns.indexOf(name));
  if ([area, x, y, sigma].some((i) => i! < 0)) return [];
  const found: V1Voxel[] = [];
  const half = stimulusDeg / 2;
  for (let position = 0; position * width < values.length && found.length < limit; position++) {
    const row = values.subarray(position * width, (position + 1) * width);
    const voxel = { position, x: row[x!]!, y: row[y!]!, sigma: row[sigma!]! };
    const eccentricity = Math.hypot(voxel.x, voxel.y);
    const inside = Math.abs(voxel.x) + voxel.sigma < half && Math.abs(voxel.y) + voxel.sigma < half;
    if (row[area!] === 1 && voxel.sigma > 0 && eccentricity >= 1.5 && eccentricity <= 3.5 && inside) found.push(voxel);
  }
  return found;
}
