// What the app asks of the inference worker, and how the answers land in the pipeline store: start
// the engine, load and release model bundles, reconstruct a trial (live preview, then retrieval),
// find the trials that match an image, and run or cancel the evaluation.
import { silenceRois, voxelLabels } from '../brain/ablation';
import { loadSubjectBrain } from '../brain/subjectBrain';
import { errorText, type BundleSource } from '../data/bundleSource';
import { bundleOpener } from '../data/bundleFetcher';
import { fitToDataset, readModelJson } from '../data/validateModel';
import { TrialVoxels } from '../data/trialVoxels';
import { InferenceClient } from '../inference/inferenceClient';
import { REFERENCE_NET } from '../metrics/referenceNet';
import { defaultSettings } from '../inference/pipeline';
import { CANCELLED, WorkerError } from '../inference/protocol';
import type { Backend } from '../inference/webEngine';
import type { LoadedDataset } from './datasetStore';
import { pipelineStore, sameRun, type RunKey, type RunState, type Slot } from './pipelineStore';
import { selectionStore } from './selectionStore';
import { settingsStore } from './settingsStore';

let client: InferenceClient | null = null;
let engineReady: Promise<void> | null = null;
let trialVoxels: TrialVoxels | null = null;
const labelsBySubject = new Map<string, Promise<Int32Array>>();
let currentDataset: LoadedDataset | null = null;
/** Model loads in flight on the current engine: a second caller waits for the same one. */
const loading = new Map<string, Promise<void>>();
/** The request each slot's run is waiting on, so a newer run in the slot can cancel it. */
const runRequests = new Map<Slot, number>();
/** Local folders the current worker has been given. */
let registered = new Set<string>();

function setRun(slot: Slot, key: RunKey, change: Partial<RunState>): void {
  const current = pipelineStore.getState().runs[slot];
  // A newer run in this slot owns it: answers for an older one are dropped.
  if (!current || !sameRun(current.key, key)) return;
  pipelineStore.setState((s) => ({ runs: { ...s.runs, [slot]: { ...current, ...change } } }));
}

/** Starts (or restarts, on another backend) the worker's engine; loaded models are loaded again. */
export function startEngine(prefer: 'auto' | Backend = 'auto'): Promise<void> {
  // What the old engine was doing fails now (with this message) instead of never settling, and its
  // loads are forgotten, so the models below load afresh on the new one.
  client?.terminate(`the inference engine restarted on ${prefer === 'auto' ? 'the default backend' : prefer}`);
  loading.clear();
  runRequests.clear();
  client = InferenceClient.start();
  registered = new Set();
  client.onDownload(({ file, loaded, total }) =>
    pipelineStore.setState((s) => {
      const downloads = { ...s.downloads };
      if (total !== null && loaded >= total) delete downloads[file];
      else downloads[file] = { loaded, total };
      return { downloads };
    }),
  );
  const models = Object.keys(pipelineStore.getState().models);
  pipelineStore.setState({ engine: { status: 'starting' }, models: {}, runs: {} });
  const referenceNetUrl = new URL(REFERENCE_NET.file, document.baseURI).href;
  engineReady = client.request('init', { prefer, referenceNetUrl }).promise.then(
    (info) => pipelineStore.setState({ engine: { status: 'ready', info } }),
    (error: unknown) => {
      pipelineStore.setState({ engine: { status: 'failed', message: errorText(error) } });
      throw error;
    },
  );
  const dataset = currentDataset;
  if (dataset) for (const url of models) void loadModel(url, dataset.source.name);
  return engineReady;
}

/** Gives the worker the files of the picked folder a key lives in, once per worker. */
async function shareLocalFolder(key: string): Promise<void> {
  const root = bundleOpener.localRoot(key);
  if (!root || registered.has(root)) return;
  await client!.request('registerLocal', { name: root, files: bundleOpener.filesOf(root)! }).promise;
  registered.add(root);
}

/** A new dataset: every model is released (its galleries belong to the old one). */
export function useDatasetForInference(dataset: LoadedDataset): void {
  if (currentDataset === dataset) return;
  // The first dataset keeps what was preloaded for it; a later one starts from nothing.
  if (currentDataset) for (const url of Object.keys(pipelineStore.getState().models)) void releaseModel(url);
  currentDataset = dataset;
  trialVoxels = new TrialVoxels(dataset.source, dataset.dataset);
  labelsBySubject.clear();
  pipelineStore.setState({ runs: {}, trialMatches: null, evaluation: null });
}

/**
 * Loads a model bundle in the worker, checked against the dataset (by its key: URL or local folder);
 * idempotent. The page preloads its default model this way while the dataset is being validated.
 */
export function loadModel(modelUrl: string, datasetUrl: string): Promise<void> {
  const state = pipelineStore.getState().models[modelUrl];
  const pending = loading.get(modelUrl);
  if (pending) return pending;
  if (state && state.status !== 'failed') return Promise.resolve();
  pipelineStore.setState((s) => ({ models: { ...s.models, [modelUrl]: { status: 'loading' } } }));
  const owner = client;
  // A load the engine restart cut off says nothing: the restart loads the model again.
  const current = () => client === owner;
  const load = (async () => {
    try {
      await engineReady;
      await shareLocalFolder(datasetUrl);
      await shareLocalFolder(modelUrl);
      const info = await owner!.request('loadModel', { modelUrl, datasetUrl }).promise;
      if (!current()) return;
      pipelineStore.setState((s) => ({
        models: { ...s.models, [modelUrl]: { status: 'ready', json: info.json, loadMs: info.loadMs } },
      }));
    } catch (error) {
      if (!current()) return;
      const problems = error instanceof WorkerError ? [...error.problems] : [];
      pipelineStore.setState((s) => ({
        models: { ...s.models, [modelUrl]: { status: 'failed', message: errorText(error), problems } },
      }));
    } finally {
      if (current()) loading.delete(modelUrl);
    }
  })();
  loading.set(modelUrl, load);
  return load;
}

/**
 * Frees the sessions of every loaded model but these (and one being evaluated): switching models
 * does not pile up GPU or WASM memory. A model released here loads again when next used.
 */
export function releaseModelsExcept(keep: readonly string[]): void {
  const { models, evaluation } = pipelineStore.getState();
  const busy = evaluation?.status === 'running' ? evaluation.modelUrl : null;
  for (const [url, state] of Object.entries(models)) {
    if (state.status === 'ready' && !keep.includes(url) && url !== busy && !loading.has(url)) void releaseModel(url);
  }
}

export async function releaseModel(modelUrl: string): Promise<void> {
  pipelineStore.setState((s) => {
    const models = { ...s.models };
    delete models[modelUrl];
    return { models };
  });
  await client?.request('releaseModel', { modelUrl }).promise.catch(() => undefined);
}

/** The ROI label of each voxel of a subject, for ablation (read once per subject). */
function subjectLabels(dataset: LoadedDataset, subjectId: string): Promise<Int32Array> {
  let labels = labelsBySubject.get(subjectId);
  if (!labels) {
    const subject = dataset.dataset.subjects.find((s) => s.id === subjectId);
    if (!subject) return Promise.reject(new Error(`dataset ${dataset.dataset.id} has no subject ${subjectId}`));
    labels = loadSubjectBrain(dataset.source, subject).then((brain) =>
      voxelLabels(brain.mask, (index) => brain.roi.volume.value(index)),
    );
    labels.catch(() => labelsBySubject.delete(subjectId));
    labelsBySubject.set(subjectId, labels);
  }
  return labels;
}

/** The voxel vector a run decodes: the trial (or mean of repeats), with the silenced ROIs at 0. */
export async function runVoxels(dataset: LoadedDataset, key: RunKey): Promise<Float32Array> {
  const voxels = await trialVoxels!.voxels(key.subject, key.imageIndex, key.trial);
  if (key.silenced.length === 0) return voxels;
  return silenceRois(voxels, await subjectLabels(dataset, key.subject), key.silenced);
}

/** Reconstructs in a slot: preview while the decoder runs, then the result, then the top-k retrieval. */
export async function reconstruct(slot: Slot, key: RunKey, dataset: LoadedDataset): Promise<void> {
  const started = performance.now();
  cancelRun(slot); // its answer would be dropped anyway; cancelled, it stops holding the worker's queue
  pipelineStore.setState((s) => ({
    runs: {
      ...s.runs,
      [slot]: {
        key,
        status: 'running',
        step: 0,
        steps: 0,
        preview: null,
        result: null,
        error: null,
        wallMs: null,
        retrieval: null,
        resemblance: null,
      },
    },
  }));
  try {
    await loadModel(key.modelUrl, dataset.source.name);
    const model = pipelineStore.getState().models[key.modelUrl];
    if (model?.status === 'failed') throw new Error(model.message);
    if (model?.status !== 'ready') throw new Error('the model is not loaded');
    const { preview, k } = settingsStore.getState();
    const { sampler } = selectionStore.getState();
    const voxels = await runVoxels(dataset, key);
    const settings = sampler ?? defaultSettings(model.json);
    const seeds = Array.from({ length: key.samples }, (_, i) => key.seed * 1000 + i);
    const request = client!.request(
      'reconstruct',
      { modelUrl: key.modelUrl, subject: key.subject, voxels, seeds, settings, preview },
      (p) => {
        if (p.kind === 'step') setRun(slot, key, { step: p.step, steps: p.steps, preview: p.image ?? null });
      },
    );
    const latest = pipelineStore.getState().runs[slot];
    // A newer run in the slot, or Cancel, came while this one loaded its model or read its voxels:
    // either found nothing to cancel then.
    if (!latest || !sameRun(latest.key, key) || latest.status === 'cancelled') client!.cancel(request.id);
    else runRequests.set(slot, request.id);
    const result = await request.promise.finally(() => {
      if (runRequests.get(slot) === request.id) runRequests.delete(slot);
    });
    setRun(slot, key, { status: 'done', result, wallMs: performance.now() - started });
    const retrieval = await client!.request('retrieve', { modelUrl: key.modelUrl, vector: result.retrieval, k })
      .promise;
    setRun(slot, key, { retrieval });
    const perImage = 3 * result.size * result.size;
    const best = result.images.slice(result.best * perImage, (result.best + 1) * perImage);
    const resemblance = await client!.request('rankReconstruction', {
      modelUrl: key.modelUrl,
      image: best,
      seenImageIndex: key.imageIndex,
      k: 3,
    }).promise;
    setRun(slot, key, { resemblance });
  } catch (error) {
    const message = errorText(error);
    setRun(slot, key, message === CANCELLED ? { status: 'cancelled' } : { status: 'failed', error: message });
  }
}

/** Stops the reconstruction running (or queued) in a slot; its run shows as cancelled. */
export function cancelRun(slot: Slot): void {
  const run = pipelineStore.getState().runs[slot];
  if (run?.status === 'running') setRun(slot, run.key, { status: 'cancelled' });
  const id = runRequests.get(slot);
  if (id === undefined) return;
  runRequests.delete(slot);
  client?.cancel(id);
}

/** The k trials of a subject whose brain embeddings best match a test image. */
export async function findTrials(modelUrl: string, subject: string, imageIndex: number, k: number): Promise<void> {
  pipelineStore.setState({ trialMatches: { modelUrl, subject, imageIndex, matches: null, error: null } });
  const current = () => {
    const t = pipelineStore.getState().trialMatches;
    return t?.modelUrl === modelUrl && t.subject === subject && t.imageIndex === imageIndex;
  };
  try {
    await engineReady;
    const { matches } = await client!.request('matchTrials', { modelUrl, subject, imageIndex, k }).promise;
    if (current()) pipelineStore.setState({ trialMatches: { modelUrl, subject, imageIndex, matches, error: null } });
  } catch (error) {
    if (current())
      pipelineStore.setState({
        trialMatches: { modelUrl, subject, imageIndex, matches: null, error: errorText(error) },
      });
  }
}

/** Runs the evaluation in the worker; progress and the table land in the store. */
export async function startEvaluation(modelUrl: string, subject: string, limit?: number): Promise<void> {
  await engineReady;
  const pending = client!.request('evaluate', { modelUrl, subject, seed: 0, limit, batch: 8 }, (p) => {
    if (p.kind !== 'items') return;
    const evaluation = pipelineStore.getState().evaluation;
    if (evaluation?.requestId === pending.id)
      pipelineStore.setState({
        evaluation: { ...evaluation, progress: { what: p.what, done: p.done, total: p.total } },
      });
  });
  pipelineStore.setState({
    evaluation: {
      modelUrl,
      subject,
      status: 'running',
      progress: null,
      result: null,
      error: null,
      requestId: pending.id,
    },
  });
  const update = (change: Partial<NonNullable<ReturnType<typeof pipelineStore.getState>['evaluation']>>) => {
    const evaluation = pipelineStore.getState().evaluation;
    if (evaluation?.requestId === pending.id) pipelineStore.setState({ evaluation: { ...evaluation, ...change } });
  };
  try {
    update({ status: 'done', result: await pending.promise });
  } catch (error) {
    const message = errorText(error);
    update(message === CANCELLED ? { status: 'cancelled' } : { status: 'failed', error: message });
  }
}

export function cancelEvaluation(): void {
  const evaluation = pipelineStore.getState().evaluation;
  if (evaluation?.status === 'running') client?.cancel(evaluation.requestId);
}

/**
 * Adds a model bundle to the catalog by reading its model.json and checking it against the dataset
 * (no ONNX file yet: those load when the model is first used). Returns the problems, empty when usable.
 */
export async function addToCatalog(modelUrl: string, dataset: LoadedDataset): Promise<string[]> {
  // Listed at once, so the pickers keep the order bundles were added in, whichever answers first.
  pipelineStore.setState((s) => ({
    catalog: { ...s.catalog, [modelUrl]: s.catalog[modelUrl] ?? { status: 'loading' } },
  }));
  let validation: Awaited<ReturnType<typeof validateModelJson>>;
  try {
    validation = await validateModelJson(bundleOpener.model(modelUrl), dataset);
  } catch (error) {
    validation = { model: null, problems: [{ file: modelUrl, message: errorText(error) }] };
  }
  const { model, problems } = validation;
  const lines = problems.map((p) => `${p.file}: ${p.message}`);
  pipelineStore.setState((s) => ({
    catalog: {
      ...s.catalog,
      [modelUrl]:
        model && lines.length === 0 ? { status: 'ready', json: model } : { status: 'failed', problems: lines },
    },
  }));
  return lines;
}

async function validateModelJson(source: BundleSource, dataset: LoadedDataset) {
  const { model, problems } = await readModelJson(source);
  if (model) problems.push(...fitToDataset(model, dataset.dataset));
  return { model, problems };
}
