// The pipeline concern: the inference engine, the model bundles loaded in it, the reconstructions
// (a main one and a comparison), the retrieval results, the evaluation, and downloads in flight.
// State only, no React (hooks.ts is the bridge); the app controller (appController.ts) changes it.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { sameExperiment, type Experiment } from '../brain/experiments';
import type { ModelJson } from '../data/modelSchema';
import type { EvaluationResult, ReconstructResult, RetrievalMatch, TrialMatch } from '../worker/protocol';
import type { WebEngineInfo } from '../inference/webEngine';

export type EngineState =
  | { status: 'starting' }
  | { status: 'ready'; info: WebEngineInfo & { description: string } }
  | { status: 'failed'; message: string };

export type ModelState =
  | { status: 'loading' }
  | { status: 'ready'; json: ModelJson; loadMs: number }
  | { status: 'failed'; message: string; problems: string[] };

/** What a reconstruction was asked to decode, to tell a result from a stale one. */
export interface RunKey {
  modelUrl: string;
  subject: string;
  imageIndex: number;
  trial: 'average' | number;
  seed: number;
  samples: number;
  /** What is changed in the brain activity before decoding (src/brain/experiments.ts); absent: nothing. */
  experiment?: Experiment;
}

/** What the brain view shows of a selection: a subject's trial (or mean of repeats), whatever the model. */
export type ActivityKey = Pick<RunKey, 'subject' | 'imageIndex' | 'trial'>;

export interface RunState {
  key: RunKey;
  /** cancelled: a newer run in the slot, or the person, stopped it */
  status: 'running' | 'done' | 'failed' | 'cancelled';
  /** Decoder step shown, of steps. */
  step: number;
  steps: number;
  /** The first sample while the decoder denoises, [3,S,S]. */
  preview: Float32Array | null;
  /** Every preview picture of the run so far, in step order: the denoising can be replayed without recomputing it. */
  frames: PreviewFrame[];
  result: ReconstructResult | null;
  error: string | null;
  /** Wall time from the click to the image, ms. */
  wallMs: number | null;
  retrieval: { matches: RetrievalMatch[]; ms: number } | null;
  /** The seen image's rank among the test images by similarity to the reconstruction (1 = closest). */
  resemblance: { rank: number; of: number; matches: RetrievalMatch[] } | null;
}

/** The decoder's picture after a step, [3,S,S]. */
export interface PreviewFrame {
  step: number;
  image: Float32Array;
}

/**
 * Where a reconstruction shows: 'main', 'compare' (a second model), 'experiment' (the main run with
 * the selection's experiment), or 'subject:<id>' (the same image, another subject).
 */
export type Slot = string;

export interface EvaluationState {
  modelUrl: string;
  subject: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  /** secondsLeft: of this phase, from its pace since it was first seen (null until it moved). */
  progress: { what: string; done: number; total: number; secondsLeft: number | null } | null;
  result: EvaluationResult | null;
  error: string | null;
  requestId: number;
}

/** A model bundle's model.json, read (without its ONNX files) to list it in the pickers. */
export type CatalogEntry =
  { status: 'loading' } | { status: 'ready'; json: ModelJson } | { status: 'failed'; problems: string[] };

export interface PipelineState {
  engine: EngineState;
  /** Every model bundle known to the page, by absolute URL: the shipped ones and those the user added. */
  catalog: Record<string, CatalogEntry>;
  models: Record<string, ModelState>;
  runs: Record<Slot, RunState>;
  trialMatches: {
    imageIndex: number;
    subject: string;
    modelUrl: string;
    matches: TrialMatch[] | null;
    error: string | null;
  } | null;
  evaluation: EvaluationState | null;
  /** The voxel vector of the selected trial, which the brain view paints. */
  activity: { key: ActivityKey; voxels: Float32Array } | null;
  /** Files being downloaded (bytes so far, total when known); removed when complete. */
  downloads: Record<string, { loaded: number; total: number | null }>;
}

export type PipelineStore = StoreApi<PipelineState>;

export function createPipelineStore(): PipelineStore {
  return createStore<PipelineState>()(() => ({
    engine: { status: 'starting' },
    catalog: {},
    models: {},
    runs: {},
    trialMatches: null,
    evaluation: null,
    activity: null,
    downloads: {},
  }));
}

export function sameRun(a: RunKey, b: RunKey): boolean {
  return (
    a.modelUrl === b.modelUrl &&
    a.subject === b.subject &&
    a.imageIndex === b.imageIndex &&
    a.trial === b.trial &&
    a.seed === b.seed &&
    a.samples === b.samples &&
    sameExperiment(a.experiment, b.experiment)
  );
}

/** How fast a phase of items moves: since when, from how many done, and the seconds it has left. */
export interface Pace {
  what: string;
  since: number;
  from: number;
  secondsLeft: number | null;
}

/**
 * The pace after a progress report at `now` (ms): a new phase (or a count that went back) starts
 * afresh, so the reading before it does not slow the estimate of the reconstructions.
 */
export function nextPace(previous: Pace | null, what: string, done: number, total: number, now: number): Pace {
  if (!previous || previous.what !== what || done < previous.from)
    return { what, since: now, from: done, secondsLeft: null };
  const moved = done - previous.from;
  const secondsLeft = moved > 0 ? ((now - previous.since) / 1000 / moved) * (total - done) : null;
  return { ...previous, secondsLeft };
}

/** A run of this key as it starts: nothing shown yet. */
export function startedRun(key: RunKey): RunState {
  return {
    key,
    status: 'running',
    step: 0,
    steps: 0,
    preview: null,
    frames: [],
    result: null,
    error: null,
    wallMs: null,
    retrieval: null,
    resemblance: null,
  };
}
