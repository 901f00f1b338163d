// The app's controller: the one owner of the inference worker, and the named actions that change the
// stores. main.tsx creates it once and disposes it when the page goes; components reach it through
// hooks.ts. It opens datasets and model bundles, starts (and restarts) the engine, keeps the
// selection settled (selectionRules.ts) and, on every pick, reconstructs what it points at: the
// live preview, then retrieval and rank; it finds trials for an image and runs the evaluation.
// It takes the worker as a factory of WorkerPorts, so the tests drive it over a MessageChannel.
import { markTrialChosen, measureSinceChosen, TRIAL_TIMING } from '../brain/paintTiming';
import { errorText, type BundleSource } from '../data/bundleSource';
import { modelBundleFolders, type BundleOpener } from '../data/bundleOpener';
import { localBundleName, type LocalFiles } from '../data/localFolderSource';
import { subjectsWithTestData } from '../data/testSet';
import { TrialVoxels } from '../data/trialVoxels';
import type { ValidateOptions } from '../data/validateDataset';
import { fitToDataset, readModelJson } from '../data/validateModel';
import { problemLines } from '../data/validation';
import { InferenceClient, type WorkerPort } from '../worker/inferenceClient';
import { defaultSettings } from '../inference/pipeline';
import { CANCELLED, WorkerError } from '../worker/protocol';
import type { Backend } from '../inference/webEngine';
import { REFERENCE_NET } from '../evaluation/referenceNet';
import { resolveUrl } from './bundleKeys';
import { adapterSubject, ExperimentInputs, runVoxels as experimentVoxels } from './experimentInputs';
import { loadDataset, rejectLocation, type DatasetStore, type LoadedDataset } from './datasetStore';
import {
  nextPace,
  sameRun,
  startedRun,
  type ActivityKey,
  type EvaluationState,
  type Pace,
  type PipelineStore,
  type RunKey,
  type RunState,
  type Slot,
} from './pipelineStore';
import { pendingJobs, type GalleryJob } from './galleryRules';
import { createGalleryRunner } from './galleryRunner';
import { activityKey, runKeys, sameSettled, settleSelection } from './selectionRules';
import type { SelectionState, SelectionStore } from './selectionStore';
import type { SettingsState, SettingsStore } from './settingsStore';

export interface AppStores {
  dataset: DatasetStore;
  selection: SelectionStore;
  pipeline: PipelineStore;
  settings: SettingsStore;
}

export interface ControllerDeps {
  stores: AppStores;
  /** A fresh inference worker: the app's module worker, or a fake over a MessageChannel in tests. */
  startWorker: () => WorkerPort;
  /** The page's address: bundle locations and the reference network's file are relative to it. */
  baseUrl: string;
  /** How the main thread reads bundles (model.json files, datasets) and the folders the user picked. */
  bundles: Pick<BundleOpener, 'register' | 'dataset' | 'model' | 'isLocal' | 'localRoot' | 'filesOf'>;
  /** How a dataset's images are checked while it validates. */
  decodeImage: ValidateOptions['decodeImage'];
  /** The model bundles every dataset lists first, in picker order (the shipped ones). */
  listedModels: readonly string[];
}

export type AppController = ReturnType<typeof createAppController>;

/** A bundle folder picked alone is placed in a parent folder, so its '../' paths resolve beside it. */
function prefixed(folder: string, files: LocalFiles): LocalFiles {
  return Object.fromEntries(Object.entries(files).map(([path, file]) => [`${folder}/${path}`, file]));
}

/** Rejects once `signal` aborts: what waits on the worker stops waiting at Cancel, however busy it is. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error(CANCELLED)), { once: true }),
  );
}

const NO_SELECTION: Partial<SelectionState> = { model: null, compare: null, subject: null, image: null };

export function createAppController({
  stores,
  startWorker,
  baseUrl,
  bundles,
  decodeImage,
  listedModels,
}: ControllerDeps) {
  const { pipeline, selection, settings } = stores;
  const resolve = (url: string) => resolveUrl(url, baseUrl);
  let client: InferenceClient | null = null;
  let engineReady: Promise<void> | null = null;
  /** The dataset the worker's models are loaded for, its trial reader and what its experiments read. */
  let current: { dataset: LoadedDataset; voxels: TrialVoxels; inputs: ExperimentInputs } | null = null;
  /** Model loads in flight on the current engine: a second caller waits for the same one; Cancel aborts it. */
  const loading = new Map<string, { done: Promise<void>; abort: AbortController }>();
  /** The request each slot's run is waiting on, so a newer run in the slot (or Cancel) can stop it. */
  const runRequests = new Map<Slot, number>();
  /** Stops the dataset load in progress (Cancel, or a newer load). */
  let datasetLoad: AbortController | null = null;
  /** Local folders the current worker has been given. */
  let registered = new Set<string>();
  const subjectsByDataset = new WeakMap<LoadedDataset, string[]>();

  function worker(): InferenceClient {
    if (!client) throw new Error('the inference engine is not started');
    return client;
  }

  /** Whether the slot still shows this run: a newer run in the slot owns it from its start. */
  function owns(slot: Slot, key: RunKey): boolean {
    const run = pipeline.getState().runs[slot];
    return run !== undefined && sameRun(run.key, key);
  }

  /** Changes the slot's run if it is still this one: answers for an older run are dropped. */
  function setRun(slot: Slot, key: RunKey, change: Partial<RunState>): void {
    const run = pipeline.getState().runs[slot];
    if (run && sameRun(run.key, key))
      pipeline.setState((s) => ({ runs: { ...s.runs, [slot]: { ...run, ...change } } }));
  }

  /** Starts (or restarts, on another backend) the worker's engine; loaded models are loaded again. */
  function startEngine(prefer: 'auto' | Backend = 'auto'): Promise<void> {
    // What the old engine was doing fails now (with this message) instead of never settling, and its
    // loads are forgotten, so the models below load afresh on the new one.
    client?.terminate(`the inference engine restarted on ${prefer === 'auto' ? 'the default backend' : prefer}`);
    loading.clear();
    runRequests.clear();
    const started = new InferenceClient(startWorker());
    client = started;
    registered = new Set();
    started.onDownload(({ file, loaded, total }) =>
      pipeline.setState((s) => {
        const downloads = { ...s.downloads };
        if (total !== null && loaded >= total) delete downloads[file];
        else downloads[file] = { loaded, total };
        return { downloads };
      }),
    );
    const models = Object.keys(pipeline.getState().models);
    pipeline.setState({ engine: { status: 'starting' }, models: {}, runs: {} });
    const referenceNetUrl = new URL(REFERENCE_NET.file, baseUrl).href;
    engineReady = started.request('init', { prefer, referenceNetUrl }).promise.then(
      (info) => pipeline.setState({ engine: { status: 'ready', info } }),
      (error: unknown) => {
        pipeline.setState({ engine: { status: 'failed', message: errorText(error) } });
        throw error;
      },
    );
    if (current) for (const url of models) void loadModel(url, current.dataset.source.name);
    return engineReady;
  }

  /** Gives the worker the files of the picked folder a key lives in, once per worker. */
  async function shareLocalFolder(owner: InferenceClient, key: string): Promise<void> {
    const root = bundles.localRoot(key);
    if (!root || registered.has(root)) return;
    await owner.request('registerLocal', { name: root, files: bundles.filesOf(root)! }).promise;
    registered.add(root);
  }

  /** A new dataset: every model is released (its galleries belong to the old one). */
  function setDataset(dataset: LoadedDataset): void {
    if (current?.dataset === dataset) return;
    // The first dataset keeps what was preloaded for it; a later one starts from nothing.
    if (current) for (const url of Object.keys(pipeline.getState().models)) void releaseModel(url);
    current = {
      dataset,
      voxels: new TrialVoxels(dataset.source, dataset.dataset),
      inputs: new ExperimentInputs(dataset.source, dataset.dataset),
    };
    pipeline.setState({ runs: {}, trialMatches: null, evaluation: null });
  }

  /**
   * Loads a model bundle in the worker, checked against the dataset (by its key: URL or local folder);
   * idempotent. The page preloads its default model this way while the dataset is being validated.
   */
  function loadModel(modelUrl: string, datasetUrl: string): Promise<void> {
    const state = pipeline.getState().models[modelUrl];
    const pending = loading.get(modelUrl);
    if (pending) return pending.done;
    if (state && state.status !== 'failed') return Promise.resolve();
    // Before the model is marked loading: without an engine it would stay so.
    const owner = worker();
    pipeline.setState((s) => ({ models: { ...s.models, [modelUrl]: { status: 'loading' } } }));
    const abort = new AbortController();
    // A load the engine restart cut off says nothing: the restart loads the model again. A cancelled
    // one has said so already (cancelModelLoad).
    const live = () => client === owner && !abort.signal.aborted;
    const done = (async () => {
      try {
        await engineReady;
        await shareLocalFolder(owner, datasetUrl);
        await shareLocalFolder(owner, modelUrl);
        if (!live()) return;
        const request = owner.request('loadModel', { modelUrl, datasetUrl });
        abort.signal.addEventListener('abort', () => owner.cancel(request.id), { once: true });
        const info = await Promise.race([request.promise, aborted(abort.signal)]);
        if (!live()) return;
        pipeline.setState((s) => ({
          models: { ...s.models, [modelUrl]: { status: 'ready', json: info.json, loadMs: info.loadMs } },
        }));
      } catch (error) {
        if (!live()) return;
        const problems = error instanceof WorkerError ? [...error.problems] : [];
        pipeline.setState((s) => ({
          models: { ...s.models, [modelUrl]: { status: 'failed', message: errorText(error), problems } },
        }));
      } finally {
        if (loading.get(modelUrl)?.abort === abort) loading.delete(modelUrl);
      }
    })();
    loading.set(modelUrl, { done, abort });
    return done;
  }

  /**
   * Stops a model's load: the worker is told to drop it (a load it already started runs on until its
   * files arrive, or stall), and the model shows as failed with the message "cancelled", so that the
   * next use loads it again.
   */
  function cancelModelLoad(modelUrl: string): void {
    const pending = loading.get(modelUrl);
    if (!pending) return;
    loading.delete(modelUrl);
    pipeline.setState((s) => ({
      models: { ...s.models, [modelUrl]: { status: 'failed', message: CANCELLED, problems: [] } },
    }));
    pending.abort.abort();
  }

  /**
   * Frees the sessions of every loaded model but these (and one being evaluated): switching models
   * does not pile up GPU or WASM memory. A model released here loads again when next used.
   */
  function releaseModelsExcept(keep: readonly string[]): void {
    const { models, evaluation, runs } = pipeline.getState();
    // A model still decoding (the gallery's second model, say) is kept until its run ends.
    const busy = new Set(Object.values(runs).flatMap((run) => (run.status === 'running' ? [run.key.modelUrl] : [])));
    if (evaluation?.status === 'running') busy.add(evaluation.modelUrl);
    for (const [url, state] of Object.entries(models)) {
      if (state.status === 'ready' && !keep.includes(url) && !busy.has(url) && !loading.has(url))
        void releaseModel(url);
    }
  }

  async function releaseModel(modelUrl: string): Promise<void> {
    pipeline.setState((s) => {
      const models = { ...s.models };
      delete models[modelUrl];
      return { models };
    });
    await client?.request('releaseModel', { modelUrl }).promise.catch(() => undefined);
  }

  /** The voxel vector a run decodes: the trial (or mean of repeats), changed by the run's experiment. */
  function runVoxels(dataset: LoadedDataset, key: RunKey): Promise<Float32Array> {
    const own =
      current?.dataset === dataset
        ? current
        : {
            voxels: new TrialVoxels(dataset.source, dataset.dataset),
            inputs: new ExperimentInputs(dataset.source, dataset.dataset),
          };
    return experimentVoxels(key, own.voxels, own.inputs);
  }

  /** The selected trial's voxels as the brain view paints them: the trial, no experiment applied. */
  function trialVoxels(dataset: LoadedDataset, key: ActivityKey): Promise<Float32Array> {
    const reader = current?.dataset === dataset ? current.voxels : new TrialVoxels(dataset.source, dataset.dataset);
    return reader.voxels(key.subject, key.imageIndex, key.trial);
  }

  /** Reads the selected trial's voxels for the brain view; a read a newer pick overtook is dropped. */
  function showActivity(key: ActivityKey | null, dataset: LoadedDataset): void {
    pipeline.setState({ activity: null });
    if (!key) return;
    markTrialChosen();
    const text = JSON.stringify(key);
    trialVoxels(dataset, key).then(
      (voxels) => {
        if (last.activity !== text) return;
        measureSinceChosen(TRIAL_TIMING.read);
        pipeline.setState({ activity: { key, voxels } });
      },
      // A trial that cannot be read shows no activity; its reconstruction says why.
      () => undefined,
    );
  }

  /**
   * Reconstructs in a slot: preview while the decoder runs (unless `preview` says otherwise), then the
   * result, then the top-k retrieval and the seen image's rank.
   * `everyStep`: a preview picture of every decoder step, shown or not (presentation mode replays them).
   */
  async function reconstruct(
    slot: Slot,
    key: RunKey,
    dataset: LoadedDataset,
    { everyStep = false, preview: showPreview }: { everyStep?: boolean; preview?: boolean } = {},
  ): Promise<void> {
    const started = performance.now();
    cancelRun(slot); // its answer would be dropped anyway; cancelled, it stops holding the worker's queue
    pipeline.setState((s) => ({
      runs: { ...s.runs, [slot]: startedRun(key) },
    }));
    try {
      await loadModel(key.modelUrl, dataset.source.name);
      const model = pipeline.getState().models[key.modelUrl];
      if (model?.status === 'failed') throw new Error(model.message);
      if (model?.status !== 'ready') throw new Error('the model is not loaded');
      const { k } = settings.getState();
      const preview = showPreview ?? settings.getState().preview;
      const { sampler } = selection.getState();
      const voxels = await runVoxels(dataset, key);
      const owner = worker();
      const request = owner.request(
        'reconstruct',
        {
          modelUrl: key.modelUrl,
          subject: adapterSubject(key),
          voxels,
          seeds: Array.from({ length: key.samples }, (_, i) => key.seed * 1000 + i),
          settings: sampler ?? defaultSettings(model.json),
          preview: preview || everyStep,
          previewEveryStep: everyStep,
        },
        (p) => {
          if (p.kind !== 'step') return;
          const frames = pipeline.getState().runs[slot]?.frames ?? [];
          setRun(slot, key, {
            step: p.step,
            steps: p.steps,
            preview: p.image ?? null,
            ...(p.image && { frames: [...frames, { step: p.step, image: p.image }] }),
          });
        },
      );
      // A newer run in the slot, or Cancel, came while this one loaded its model or read its voxels:
      // either found nothing to cancel then.
      if (!owns(slot, key) || pipeline.getState().runs[slot]?.status === 'cancelled') owner.cancel(request.id);
      else runRequests.set(slot, request.id);
      const result = await request.promise.finally(() => {
        if (runRequests.get(slot) === request.id) runRequests.delete(slot);
      });
      // A result that came though a newer run took the slot is dropped, and nothing more is asked for it.
      if (!owns(slot, key)) return;
      setRun(slot, key, { status: 'done', result, wallMs: performance.now() - started });
      const retrieval = await owner.request('retrieve', { modelUrl: key.modelUrl, vector: result.retrieval, k })
        .promise;
      setRun(slot, key, { retrieval });
      const perImage = 3 * result.size * result.size;
      const best = result.images.slice(result.best * perImage, (result.best + 1) * perImage);
      const resemblance = await owner.request('rankReconstruction', {
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
  function cancelRun(slot: Slot): void {
    const run = pipeline.getState().runs[slot];
    if (run?.status === 'running') setRun(slot, run.key, { status: 'cancelled' });
    const id = runRequests.get(slot);
    if (id === undefined) return;
    runRequests.delete(slot);
    client?.cancel(id);
  }

  /** Reconstructs what the selection points at, in the main slot and, with a second model, beside it. */
  function reconstructSelection(): void {
    const dataset = stores.dataset.getState().loaded;
    if (!dataset) return;
    const keys = runKeys(
      selection.getState(),
      settings.getState(),
      dataset.dataset,
      pipeline.getState().catalog,
      resolve,
    );
    if (keys.main) void reconstruct('main', keys.main, dataset);
    if (keys.compare) void reconstruct('compare', keys.compare, dataset);
    if (keys.experiment) void reconstruct('experiment', keys.experiment, dataset);
  }

  /** A slot whose run the selection no longer asks for (an experiment turned off) is stopped and emptied. */
  function clearRun(slot: Slot): void {
    if (!pipeline.getState().runs[slot]) return;
    cancelRun(slot);
    pipeline.setState((s) => {
      const runs = { ...s.runs };
      delete runs[slot];
      return { runs };
    });
  }

  // Gallery mode's reconstructions, in their own slots, without the live preview: nobody watches two
  // dozen pictures form, and it slows each run (README, "Measured").
  let galleryDataset: LoadedDataset | null = null;
  const gallery = createGalleryRunner(
    (job) => (galleryDataset ? reconstruct(job.slot, job.key, galleryDataset, { preview: false }) : Promise.resolve()),
    (slot) => cancelRun(slot),
  );

  /** Decodes the gallery's jobs that have no rank yet (after stopping any earlier list); those done stay. */
  function runGallery(jobs: readonly GalleryJob[], dataset: LoadedDataset): Promise<void> {
    const pending = pendingJobs(jobs, pipeline.getState().runs);
    galleryDataset = dataset;
    return gallery.start(pending);
  }

  /** Leaving gallery mode: what runs is cancelled, nothing more starts. */
  function stopGallery(): void {
    gallery.stop();
  }

  /** The k trials of a subject whose brain embeddings best match a test image. */
  async function findTrials(modelUrl: string, subject: string, imageIndex: number, k: number): Promise<void> {
    pipeline.setState({ trialMatches: { modelUrl, subject, imageIndex, matches: null, error: null } });
    const live = () => {
      const t = pipeline.getState().trialMatches;
      return t?.modelUrl === modelUrl && t.subject === subject && t.imageIndex === imageIndex;
    };
    try {
      await engineReady;
      const { matches } = await worker().request('matchTrials', { modelUrl, subject, imageIndex, k }).promise;
      if (live()) pipeline.setState({ trialMatches: { modelUrl, subject, imageIndex, matches, error: null } });
    } catch (error) {
      if (live())
        pipeline.setState({ trialMatches: { modelUrl, subject, imageIndex, matches: null, error: errorText(error) } });
    }
  }

  /** Runs the evaluation in the worker; progress and the table land in the store. */
  async function startEvaluation(modelUrl: string, subject: string, limit?: number): Promise<void> {
    await engineReady;
    let pace: Pace | null = null;
    const pending = worker().request('evaluate', { modelUrl, subject, seed: 0, limit, batch: 8 }, (p) => {
      if (p.kind !== 'items') return;
      pace = nextPace(pace, p.what, p.done, p.total, performance.now());
      update({ progress: { what: p.what, done: p.done, total: p.total, secondsLeft: pace.secondsLeft } });
    });
    // Only this evaluation's state: a later one (a new request id) owns the store's from then on.
    const update = (change: Partial<EvaluationState>) => {
      const evaluation = pipeline.getState().evaluation;
      if (evaluation?.requestId === pending.id) pipeline.setState({ evaluation: { ...evaluation, ...change } });
    };
    pipeline.setState({
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
    try {
      update({ status: 'done', result: await pending.promise });
    } catch (error) {
      const message = errorText(error);
      update(message === CANCELLED ? { status: 'cancelled' } : { status: 'failed', error: message });
    }
  }

  function cancelEvaluation(): void {
    const evaluation = pipeline.getState().evaluation;
    if (evaluation?.status === 'running') client?.cancel(evaluation.requestId);
  }

  /**
   * Adds a model bundle to the catalog by reading its model.json and checking it against the dataset
   * (no ONNX file yet: those load when the model is first used). Returns the problems, empty when usable.
   */
  async function addToCatalog(modelUrl: string, dataset: LoadedDataset): Promise<string[]> {
    // Listed at once, so the pickers keep the order bundles were added in, whichever answers first.
    pipeline.setState((s) => ({ catalog: { ...s.catalog, [modelUrl]: s.catalog[modelUrl] ?? { status: 'loading' } } }));
    let validation: Awaited<ReturnType<typeof readModelJson>>;
    try {
      validation = await readModelJson(bundles.model(modelUrl));
      if (validation.model) validation.problems.push(...fitToDataset(validation.model, dataset.dataset));
    } catch (error) {
      validation = { model: null, problems: [{ file: modelUrl, message: errorText(error) }] };
    }
    const { model } = validation;
    const lines = problemLines(validation.problems);
    pipeline.setState((s) => ({
      catalog: {
        ...s.catalog,
        [modelUrl]:
          model && lines.length === 0 ? { status: 'ready', json: model } : { status: 'failed', problems: lines },
      },
    }));
    return lines;
  }

  /**
   * Opens a dataset bundle by its location (relative to the page, absolute, or the key of a picked
   * folder) and validates it into the dataset store; a location that makes no URL is reported there.
   * `loaded` says whether it became the dataset shown. `from` names where a refused location came from.
   */
  function openDataset(location: string, from?: string): { source: BundleSource; loaded: Promise<boolean> } | null {
    let source: BundleSource;
    try {
      source = bundles.dataset(bundles.isLocal(location) ? location : resolve(location));
    } catch {
      rejectLocation(stores.dataset, location, `is not a valid URL${from ? ` (from ${from})` : ''}`);
      return null;
    }
    // A newer load supersedes the one running: its reads stop too.
    datasetLoad?.abort();
    const abort = new AbortController();
    datasetLoad = abort;
    const loaded = loadDataset(stores.dataset, source, { decodeImage }, firstResultShown, abort.signal).then(() => {
      if (datasetLoad === abort) datasetLoad = null;
      return stores.dataset.getState().loaded?.source === source;
    });
    return { source, loaded };
  }

  /** Stops the dataset load in progress; the dataset shown before stays (datasetStore's `cancelled`). */
  function cancelDatasetLoad(): void {
    datasetLoad?.abort();
    datasetLoad = null;
  }

  /**
   * Settles once the main slot's first run has its rank, failed or was cancelled, or when no run has
   * started 3 s after this is called (when the dataset is shown: one no model decodes), and at the latest after 60 s: the
   * full check of a bundle waits for it instead of slowing the first picture.
   */
  function firstResultShown(): Promise<void> {
    return new Promise((settle) => {
      const settled = () => {
        const run = pipeline.getState().runs.main;
        return run !== undefined && (run.status === 'failed' || run.status === 'cancelled' || run.resemblance !== null);
      };
      if (settled()) return settle();
      const timers: ReturnType<typeof setTimeout>[] = [];
      const stop = () => {
        unsubscribe();
        timers.forEach(clearTimeout);
        settle();
      };
      const unsubscribe = pipeline.subscribe(() => settled() && stop());
      timers.push(
        setTimeout(() => pipeline.getState().runs.main === undefined && stop(), 3_000),
        setTimeout(stop, 60_000),
      );
    });
  }

  /** A dataset the person opened by URL or folder: once it validates, the selection starts afresh on it. */
  async function switchDataset(location: string, files?: LocalFiles): Promise<void> {
    if (files) bundles.register(location, files);
    const opened = openDataset(location);
    // A picked folder cannot be shared by URL: the address bar goes back to the demo's.
    if (opened && (await opened.loaded)) select({ ...NO_SELECTION, dataset: files ? null : location });
  }

  /** A model bundle by URL, listed and shown when usable. Returns its key and problems. */
  async function addModelAt(location: string): Promise<{ url: string; problems: string[] }> {
    const dataset = stores.dataset.getState().loaded;
    let url: string;
    try {
      url = resolve(location);
    } catch {
      return { url: location, problems: problemLines([{ file: location, message: 'is not a valid URL' }]) };
    }
    if (!dataset) return { url, problems: [] };
    const problems = await addToCatalog(url, dataset);
    if (problems.length === 0) select({ model: url });
    return { url, problems };
  }

  /**
   * A picked folder that is one model bundle (model.json inside) or a folder of bundles (as
   * public/models is): every bundle is listed, the first that decodes the subject shown. Returns the
   * problems of those that cannot be used.
   */
  async function addModelFolder(folder: string, files: LocalFiles): Promise<string[]> {
    const dataset = stores.dataset.getState().loaded;
    if (!dataset) return [];
    const single = 'model.json' in files;
    const root = localBundleName(single ? `${folder}-parent` : folder);
    bundles.register(root, single ? prefixed(folder, files) : files);
    const folders = single ? [folder] : modelBundleFolders(files);
    if (folders.length === 0)
      return problemLines([{ file: folder, message: 'has no model.json, nor folders with one' }]);
    const all = await Promise.all(
      folders.map(async (bundle) => ({
        key: `${root}${bundle}/`,
        problems: await addToCatalog(`${root}${bundle}/`, dataset),
      })),
    );
    const { subject } = selection.getState();
    const { catalog } = pipeline.getState();
    const usable = all.find(({ key }) => {
      const entry = catalog[key];
      return entry?.status === 'ready' && subject !== null && subject in entry.json.subjects;
    });
    if (usable) select({ model: usable.key });
    return all.flatMap((b) => b.problems);
  }

  function select(change: Partial<SelectionState>): void {
    selection.setState(change);
  }

  function changeSettings(change: Partial<SettingsState>): void {
    settings.setState(change);
  }

  /** A new engine choice is kept in the URL and the engine restarts on it. */
  function chooseEngine(choice: SelectionState['engine']): void {
    select({ engine: choice });
    void startEngine(choice).catch(() => undefined);
  }

  // Keeping the stores consistent: the dataset the worker serves, the selection settled, unused models
  // released and, on every pick, the reconstruction. Run from the stores' subscriptions; a change made
  // here notifies them again, which runs one more pass instead of a nested one.
  let last = { main: '', compare: '', experiment: '', keep: '', activity: '' };
  let syncing = false;
  let again = false;
  function sync(): void {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    try {
      do {
        again = false;
        syncOnce();
      } while (again);
    } finally {
      syncing = false;
    }
  }

  function syncOnce(): void {
    const { loaded } = stores.dataset.getState();
    if (!loaded) return;
    if (current?.dataset !== loaded) {
      setDataset(loaded);
      const { model, compare } = selection.getState();
      const urls = [...listedModels, ...(model ? [model] : []), ...(compare ? [compare] : [])];
      for (const url of new Set(urls.map(resolve))) void addToCatalog(url, loaded);
    }
    let subjects = subjectsByDataset.get(loaded);
    if (!subjects) subjectsByDataset.set(loaded, (subjects = subjectsWithTestData(loaded.dataset)));
    const chosen = selection.getState();
    const { catalog } = pipeline.getState();
    const settled = settleSelection({ selection: chosen, dataset: loaded.dataset, subjects, catalog, resolve });
    if (settled && !sameSettled(settled, chosen)) return select(settled);

    const keep = [chosen.model, chosen.compare].flatMap((url) => (url === null ? [] : [resolve(url)]));
    if (keep.join('\n') !== last.keep && chosen.model !== null) releaseModelsExcept(keep);
    last.keep = keep.join('\n');

    const keys = runKeys(chosen, settings.getState(), loaded.dataset, catalog, resolve);
    const main = keys.main ? JSON.stringify(keys.main) : '';
    const compare = keys.compare ? JSON.stringify(keys.compare) : '';
    const experiment = keys.experiment ? JSON.stringify(keys.experiment) : '';
    const shown = activityKey(chosen, loaded.dataset);
    const activity = shown ? JSON.stringify(shown) : '';
    const previous = last;
    last = { ...last, activity };
    if (activity !== previous.activity) showActivity(shown, loaded);
    if (!keys.experiment) clearRun('experiment');
    // Gallery mode hides the stage: its runs wait until the page is back on it (and only run then if
    // the pick changed meanwhile), so the gallery has the worker to itself.
    if (chosen.mode === 'gallery') return;
    const { autoRun } = settings.getState();
    // Turned off, nothing is remembered: turning it on again decodes the current pick.
    last = {
      keep: last.keep,
      activity,
      main: autoRun ? main : '',
      compare: autoRun ? compare : '',
      experiment: autoRun ? experiment : '',
    };
    if (!autoRun) return;
    if (keys.main && main !== previous.main) void reconstruct('main', keys.main, loaded);
    if (keys.compare && (compare !== previous.compare || main !== previous.main))
      void reconstruct('compare', keys.compare, loaded);
    if (keys.experiment && (experiment !== previous.experiment || main !== previous.main))
      void reconstruct('experiment', keys.experiment, loaded);
  }

  const unsubscribe = [stores.dataset, selection, pipeline, settings].map((store) => store.subscribe(sync));

  /** Stops the worker (every pending request fails) and the subscriptions. */
  function dispose(): void {
    for (const stop of unsubscribe) stop();
    gallery.stop();
    client?.terminate('the page was closed');
    client = null;
  }

  return {
    startEngine,
    loadModel,
    cancelModelLoad,
    releaseModelsExcept,
    runVoxels,
    reconstruct,
    reconstructSelection,
    cancelRun,
    runGallery,
    stopGallery,
    findTrials,
    startEvaluation,
    cancelEvaluation,
    addToCatalog,
    openDataset,
    cancelDatasetLoad,
    switchDataset,
    addModelAt,
    addModelFolder,
    select,
    changeSettings,
    chooseEngine,
    dispose,
  };
}
