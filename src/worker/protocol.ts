// The messages between the app and its inference worker. Every request carries an id; the worker
// answers it with progress messages and then one `done` or `error`. Messages are structured clones
// (arrays are copied, nothing is transferred). Both sides import only types from here.
import type { LocalFiles } from '../data/localFolderSource';
import type { MetricRowJson, ModelJson } from '../data/modelSchema';
import type { SamplerSettings, StageTimings } from '../inference/pipeline';
import type { Backend, WebEngineInfo } from '../inference/webEngine';

export interface LoadedModelInfo {
  json: ModelJson;
  /** Milliseconds to fetch (or read from the cache) and create the sessions. */
  loadMs: number;
}

export interface ReconstructParams {
  modelUrl: string;
  subject: string;
  /** [V_s] */
  voxels: Float32Array;
  /** One sample per seed, reconstructed as one batch. */
  seeds: number[];
  settings: SamplerSettings;
  /** Send the first sample's image after decoder steps (at most one per the service's previewIntervalMs). */
  preview: boolean;
  /** With preview: a picture for every step but the last (the result), none skipped: a replay keeps them. */
  previewEveryStep?: boolean;
}

export interface ReconstructResult {
  /** [N,3,S,S] in [0,1], one per seed. */
  images: Float32Array;
  size: number;
  /** [3,S,S], the low-level (blurry) image, when the backbone has one. */
  blurry: Float32Array | null;
  /** The brain's retrieval embedding [E]. */
  retrieval: Float32Array;
  /** Per sample, cosine similarity of its image embedding to the brain's retrieval embedding. */
  sampleScores: number[];
  /** The sample with the highest score ("best of N"). */
  best: number;
  timings: StageTimings;
}

export interface RetrievalMatch {
  /** Index in dataset.json's images. */
  imageIndex: number;
  similarity: number;
}

export interface TrialMatch {
  /** The betas row. */
  row: number;
  imageIndex: number;
  similarity: number;
}

export interface EvaluationResult {
  rows: MetricRowJson[];
  samples: number;
  retrievalPool: number;
  timings: StageTimings;
  engine: string;
}

export interface Requests {
  /** referenceNetUrl: where the evaluation's reference network (an ONNX file of the built app) is. */
  init: {
    params: { prefer: 'auto' | Backend; referenceNetUrl: string };
    result: WebEngineInfo & { description: string };
  };
  /** Makes a folder the user picked readable in the worker, under its key ('local:<folder>/'). */
  registerLocal: { params: { name: string; files: LocalFiles }; result: null };
  loadModel: { params: { modelUrl: string; datasetUrl: string }; result: LoadedModelInfo };
  releaseModel: { params: { modelUrl: string }; result: null };
  reconstruct: { params: ReconstructParams; result: ReconstructResult };
  /** The k test images whose embeddings best match a brain retrieval vector. */
  retrieve: {
    params: { modelUrl: string; vector: Float32Array; k: number };
    result: { matches: RetrievalMatch[]; ms: number };
  };
  /** Where the reconstruction lands among the test images, by the bundle's image encoder. */
  rankReconstruction: {
    params: { modelUrl: string; image: Float32Array; seenImageIndex: number; k: number };
    result: { rank: number; of: number; matches: RetrievalMatch[] };
  };
  /** The reverse: the k trials of a subject whose brain embeddings best match an image's embedding. */
  matchTrials: {
    params: { modelUrl: string; subject: string; imageIndex: number; k: number };
    result: { matches: TrialMatch[]; ms: number };
  };
  evaluate: {
    params: { modelUrl: string; subject: string; seed: number; limit?: number; batch: number };
    result: EvaluationResult;
  };
  cancel: { params: { target: number }; result: null };
}

export type Method = keyof Requests;

export type Progress =
  | { kind: 'download'; file: string; loaded: number; total: number | null }
  | { kind: 'step'; stage: string; step: number; steps: number; image?: Float32Array; size?: number }
  | { kind: 'items'; what: string; done: number; total: number };

export type WorkerRequest = { [M in Method]: { id: number; method: M; params: Requests[M]['params'] } }[Method];

export type WorkerMessage =
  | { id: number; type: 'progress'; progress: Progress }
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; message: string; problems: string[] }
  | { id: -1; type: 'download'; progress: Extract<Progress, { kind: 'download' }> };

/** Thrown by the client when a request fails; `problems` are `<file>: <message>` lines. */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** A request that was cancelled answers with this message. */
export const CANCELLED = 'cancelled';
