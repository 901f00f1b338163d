// The controller against a fake inference worker on the far end of a MessageChannel: every request
// and answer is structured-cloned as between the page and its worker.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BundleReadError, type BundleSource } from '../data/bundleSource';
import type { ModelJson } from '../data/modelSchema';
import type { WorkerPort } from '../worker/inferenceClient';
import type { ReconstructResult, WorkerMessage, WorkerRequest } from '../worker/protocol';
import { FsBundleSource } from '../node/fsBundleSource';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { TinyBundle } from '../../test/tinyBundle';
import { TrialVoxels } from '../data/trialVoxels';
import { createAppController, type AppController, type AppStores } from './appController';
import { createDatasetStore, type LoadedDataset } from './datasetStore';
import { createPipelineStore, type RunKey } from './pipelineStore';
import { createSelectionStore } from './selectionStore';
import { createSettingsStore } from './settingsStore';

const BASE = 'https://example.org/app/';
const MODEL = `${BASE}models/tiny/`;

/** A shipped model.json made to fit the tiny dataset's subj01 (30 voxels, Fortran order). */
const MODEL_JSON = (() => {
  const json = JSON.parse(readFileSync('public/models/mini-subj01-finetuned/model.json', 'utf8')) as ModelJson;
  json.subjects = { subj01: { ...json.subjects.subj01!, voxelCount: 30, voxelOrder: 'fortran' } };
  return json;
})();

/** A model bundle of which only model.json is read (on the main thread; the ONNX files load in the worker). */
function modelSource(name: string): BundleSource {
  const bytes = new TextEncoder().encode(JSON.stringify(MODEL_JSON));
  return {
    name,
    url: (path) => `${name}${path}`,
    read: (path) =>
      path === 'model.json' ? Promise.resolve(bytes) : Promise.reject(new BundleReadError(path, 'not found')),
  };
}

function result(best: number): ReconstructResult {
  return {
    images: new Float32Array(2 * 3 * 2 * 2).fill(best),
    size: 2,
    blurry: null,
    retrieval: new Float32Array([1, 0]),
    sampleScores: [0.1, 0.2],
    best,
    timings: {} as ReconstructResult['timings'],
  };
}

/**
 * The app's end of a MessageChannel, standing in for the Worker; the other end answers as the worker
 * would, except that reconstructions wait until the test answers them.
 */
class FakeWorker implements WorkerPort {
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  /** As the worker received them. */
  readonly requests: WorkerRequest[] = [];
  private readonly app: MessagePort;
  private readonly inside: MessagePort;

  constructor(private readonly options: { honoursCancel: boolean; failLoad?: string[]; holdLoads?: boolean }) {
    const { port1, port2 } = new MessageChannel();
    this.app = port1;
    this.inside = port2;
    port1.onmessage = (event: MessageEvent<WorkerMessage>) => this.onmessage?.(event);
    port2.onmessage = (event: MessageEvent<WorkerRequest>) => this.receive(event.data);
  }

  postMessage(request: WorkerRequest): void {
    this.app.postMessage(request);
  }

  terminate(): void {
    this.terminated = true;
    this.app.close();
    this.inside.close();
  }

  /** What a worker that threw outside any request, or ran out of memory, reports. */
  crash(message: string): void {
    this.onerror?.({ message } as ErrorEvent);
  }

  send(message: WorkerMessage): void {
    this.inside.postMessage(message);
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }

  reconstructions(): Extract<WorkerRequest, { method: 'reconstruct' }>[] {
    return this.requests.filter((r) => r.method === 'reconstruct');
  }

  private receive(request: WorkerRequest): void {
    this.requests.push(request);
    const done = (value: unknown) => this.send({ id: request.id, type: 'done', result: value });
    switch (request.method) {
      case 'init':
        return done({
          backend: 'wasm',
          fallbackReason: null,
          threads: 1,
          shaderF16: false,
          adapterName: null,
          description: 'fake',
        });
      case 'loadModel':
        if (this.options.holdLoads) return; // answered by the test, or never
        if (this.options.failLoad)
          return this.send({ id: request.id, type: 'error', message: 'bad bundle', problems: this.options.failLoad });
        return done({ json: MODEL_JSON, loadMs: 1 });
      case 'retrieve':
        return done({ matches: [{ imageIndex: 2, similarity: 0.9 }], ms: 0 });
      case 'rankReconstruction':
        return done({ rank: 1, of: 2, matches: [] });
      case 'cancel':
        // The real worker aborts the target, which then answers "cancelled".
        if (this.options.honoursCancel)
          this.send({ id: request.params.target, type: 'error', message: 'cancelled', problems: [] });
        return done(null);
      case 'reconstruct':
        return; // answered by the test
      default:
        return done(null);
    }
  }
}

let bundle: TinyBundle;
let dataset: LoadedDataset;
beforeAll(async () => {
  bundle = await TinyBundle.create();
  const probe = harness();
  await probe.controller.openDataset('datasets/tiny/')!.loaded;
  dataset = probe.stores.dataset.getState().loaded!;
  probe.controller.dispose();
});
afterAll(() => bundle.dispose());

const open: AppController[] = [];
afterEach(() => {
  for (const controller of open.splice(0)) controller.dispose();
});

function harness(
  options: {
    honoursCancel?: boolean;
    failLoad?: string[];
    holdLoads?: boolean;
    search?: string;
    dataset?: () => BundleSource;
    model?: (key: string) => BundleSource;
  } = {},
) {
  const stores: AppStores = {
    dataset: createDatasetStore(),
    selection: createSelectionStore(options.search ?? ''),
    pipeline: createPipelineStore(),
    settings: createSettingsStore(),
  };
  const workers: FakeWorker[] = [];
  const controller = createAppController({
    stores,
    startWorker: () => {
      const worker = new FakeWorker({
        honoursCancel: options.honoursCancel ?? true,
        failLoad: options.failLoad,
        holdLoads: options.holdLoads,
      });
      workers.push(worker);
      return worker;
    },
    baseUrl: BASE,
    bundles: {
      register: () => undefined,
      dataset: options.dataset ?? (() => new FsBundleSource(bundle.dir)),
      model: options.model ?? ((key) => modelSource(key)),
      isLocal: () => false,
      localRoot: () => null,
      filesOf: () => undefined,
    },
    decodeImage: decodeImageWithSharp,
    listedModels: ['models/tiny/'],
  });
  open.push(controller);
  // The engine's start is awaited by every request; a test that stops early has nothing to hear from it.
  const start = () => void controller.startEngine('wasm').catch(() => undefined);
  return { stores, controller, workers, worker: () => workers.at(-1)!, start };
}

const key = (change: Partial<RunKey> = {}): RunKey => ({
  modelUrl: MODEL,
  subject: 'subj01',
  imageIndex: 2,
  trial: 'average',
  seed: 0,
  samples: 2,
  ...change,
});

describe('the app controller', () => {
  it('settles the selection and decodes it: init, model, reconstruction, then retrieval and rank, in order', async () => {
    const { stores, worker, start } = harness();
    start();
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    expect(stores.selection.getState()).toMatchObject({ subject: 'subj01', model: MODEL, image: 'img-002' });
    const [request] = worker().reconstructions();
    // The mean of img-002's two rows for subj01, as a Float32Array through the structured clone.
    expect(request!.params.voxels).toBeInstanceOf(Float32Array);
    expect(request!.params.voxels).toHaveLength(30);
    expect(request!.params.seeds).toEqual([0]);
    worker().send({
      id: request!.id,
      type: 'progress',
      progress: { kind: 'step', stage: 'decoder', step: 1, steps: 4 },
    });
    await vi.waitFor(() => expect(stores.pipeline.getState().runs.main).toMatchObject({ step: 1, steps: 4 }));
    worker().send({ id: request!.id, type: 'done', result: result(1) });
    await vi.waitFor(() => expect(stores.pipeline.getState().runs.main?.resemblance).toMatchObject({ rank: 1 }));
    expect(stores.pipeline.getState().runs.main).toMatchObject({ status: 'done', retrieval: { ms: 0 } });
    expect(worker().methods()).toEqual(['init', 'loadModel', 'reconstruct', 'retrieve', 'rankReconstruction']);
    expect(stores.pipeline.getState().activity?.voxels).toEqual(request!.params.voxels);
  });

  it('keeps every preview picture of a run, in step order, and asks for all of them when they are to be replayed', async () => {
    const { stores, controller, worker, start } = harness();
    start();
    void controller.reconstruct('present:0', key(), dataset, { everyStep: true });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    const [request] = worker().reconstructions();
    expect(request!.params).toMatchObject({ preview: true, previewEveryStep: true });
    const picture = (value: number) => new Float32Array(3 * 2 * 2).fill(value);
    for (const [step, image] of [
      [1, picture(0.1)],
      [2, undefined],
      [3, picture(0.3)],
    ] as const)
      worker().send({
        id: request!.id,
        type: 'progress',
        progress: { kind: 'step', stage: 'decoder', step, steps: 4, image },
      });
    await vi.waitFor(() => expect(stores.pipeline.getState().runs['present:0']?.step).toBe(3));
    const frames = stores.pipeline.getState().runs['present:0']!.frames;
    expect(frames.map((f) => [f.step, f.image[0]])).toEqual([
      [1, expect.closeTo(0.1)],
      [3, expect.closeTo(0.3)],
    ]);
  });

  it('paints the chosen trial without a model: a bundle no listed model fits still shows its betas', async () => {
    const misfit = { ...MODEL_JSON, subjects: { subj01: { ...MODEL_JSON.subjects.subj01!, voxelCount: 31 } } };
    const bytes = new TextEncoder().encode(JSON.stringify(misfit));
    const { stores, worker, start } = harness({
      search: '?trial=2',
      model: (name) => ({ name, url: (p) => `${name}${p}`, read: () => Promise.resolve(bytes) }),
    });
    start();
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    await vi.waitFor(() => expect(stores.pipeline.getState().activity).not.toBeNull());
    expect(stores.pipeline.getState().catalog[MODEL]).toMatchObject({ status: 'failed' });
    expect(stores.selection.getState()).toMatchObject({ subject: 'subj01', model: null, image: 'img-002', trial: 1 });
    const expected = await new TrialVoxels(dataset.source, dataset.dataset).voxels('subj01', 2, 1);
    expect(stores.pipeline.getState().activity).toMatchObject({ key: { subject: 'subj01', imageIndex: 2, trial: 1 } });
    expect(stores.pipeline.getState().activity!.voxels).toEqual(expected);
    expect(worker().reconstructions()).toHaveLength(0);
  });

  it('cancels a run on request: it shows as cancelled, and the worker is told which request to stop', async () => {
    const { stores, controller, worker, start } = harness();
    start();
    void controller.reconstruct('main', key(), dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    controller.cancelRun('main');
    expect(stores.pipeline.getState().runs.main?.status).toBe('cancelled');
    await vi.waitFor(() =>
      expect(worker().requests.at(-1)).toMatchObject({
        method: 'cancel',
        params: { target: worker().reconstructions()[0]!.id },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stores.pipeline.getState().runs.main).toMatchObject({ status: 'cancelled', error: null, result: null });
  });

  it("drops a stale run's late answer: a newer run in the slot cancels the older and its result stands", async () => {
    const { stores, controller, worker, start } = harness({ honoursCancel: false });
    start();
    void controller.reconstruct('main', key({ seed: 1 }), dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    void controller.reconstruct('main', key({ seed: 2 }), dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(2));
    const [older, newer] = worker().reconstructions();
    expect(worker().requests).toContainEqual(
      expect.objectContaining({ method: 'cancel', params: { target: older!.id } }),
    );
    worker().send({ id: newer!.id, type: 'done', result: result(1) });
    await vi.waitFor(() => expect(stores.pipeline.getState().runs.main?.status).toBe('done'));
    // The older one finished anyway (its cancel came too late) and answers last.
    worker().send({ id: older!.id, type: 'done', result: result(0) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stores.pipeline.getState().runs.main).toMatchObject({ key: { seed: 2 }, result: { best: 1 } });
    expect(
      worker()
        .methods()
        .filter((m) => m === 'retrieve'),
    ).toHaveLength(1);
  });

  it("shows the worker's errors: a model's problems, and a failed reconstruction's message", async () => {
    const failing = harness({ failLoad: ['model.json: prior.steps is missing'] });
    failing.start();
    await failing.controller.reconstruct('main', key(), dataset);
    expect(failing.stores.pipeline.getState().models[MODEL]).toEqual({
      status: 'failed',
      message: 'bad bundle',
      problems: ['model.json: prior.steps is missing'],
    });
    expect(failing.stores.pipeline.getState().runs.main).toMatchObject({ status: 'failed', error: 'bad bundle' });

    const { stores, controller, worker, start } = harness();
    start();
    const run = controller.reconstruct('main', key(), dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    worker().send({
      id: worker().reconstructions()[0]!.id,
      type: 'error',
      message: 'decoder: out of range',
      problems: [],
    });
    await run;
    expect(stores.pipeline.getState().runs.main).toMatchObject({ status: 'failed', error: 'decoder: out of range' });
  });

  it('fails what was pending when the worker crashes, and a restart starts a fresh worker', async () => {
    const { stores, controller, workers, worker, start } = harness();
    start();
    const run = controller.reconstruct('main', key(), dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    worker().crash('out of memory');
    await run;
    expect(stores.pipeline.getState().runs.main).toMatchObject({
      status: 'failed',
      error: 'the inference worker failed: out of memory',
    });
    await controller.startEngine('wasm');
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(stores.pipeline.getState().engine).toMatchObject({ status: 'ready', info: { description: 'fake' } });
  });

  it('cancels a model load: the worker is told, the run waiting on it is cancelled, and the model loads again', async () => {
    // A worker that never answers the load, nor the cancel: Cancel must not wait for it.
    const { stores, controller, worker, start } = harness({ holdLoads: true, honoursCancel: false });
    start();
    const run = controller.reconstruct('main', key(), dataset);
    await vi.waitFor(() => expect(worker().methods()).toContain('loadModel'));
    expect(stores.pipeline.getState().models[MODEL]).toEqual({ status: 'loading' });
    controller.cancelModelLoad(MODEL);
    expect(stores.pipeline.getState().models[MODEL]).toEqual({ status: 'failed', message: 'cancelled', problems: [] });
    await run;
    expect(stores.pipeline.getState().runs.main?.status).toBe('cancelled');
    const [load] = worker().requests.filter((r) => r.method === 'loadModel');
    await vi.waitFor(() =>
      expect(worker().requests).toContainEqual(
        expect.objectContaining({ method: 'cancel', params: { target: load!.id } }),
      ),
    );
    // The late answer of the cancelled load changes nothing; loading again asks the worker afresh.
    worker().send({ id: load!.id, type: 'done', result: { json: MODEL_JSON, loadMs: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stores.pipeline.getState().models[MODEL]).toMatchObject({ status: 'failed' });
    const again = controller.loadModel(MODEL, dataset.source.name);
    await vi.waitFor(() =>
      expect(
        worker()
          .methods()
          .filter((m) => m === 'loadModel'),
      ).toHaveLength(2),
    );
    const second = worker().requests.filter((r) => r.method === 'loadModel')[1]!;
    worker().send({ id: second.id, type: 'done', result: { json: MODEL_JSON, loadMs: 2 } });
    await again;
    expect(stores.pipeline.getState().models[MODEL]).toMatchObject({ status: 'ready', loadMs: 2 });
  });

  it('cancels a dataset load whose server never answers: the dataset shown before stays', async () => {
    const silent: BundleSource = {
      name: 'datasets/silent/',
      url: (path) => `datasets/silent/${path}`,
      read: (_path, { signal } = {}) =>
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    let next: () => BundleSource = () => new FsBundleSource(bundle.dir);
    const { stores, controller } = harness({ dataset: () => next() });
    await controller.openDataset('datasets/tiny/')!.loaded;
    const shown = stores.dataset.getState().loaded;
    next = () => silent;
    const opened = controller.openDataset('datasets/silent/')!;
    expect(stores.dataset.getState()).toMatchObject({ status: 'loading', location: silent.name });
    controller.cancelDatasetLoad();
    expect(await opened.loaded).toBe(false);
    expect(stores.dataset.getState()).toMatchObject({ status: 'ready', loaded: shown, cancelled: silent.name });
  });

  it('on dispose, stops the worker and no longer follows the stores', async () => {
    const { stores, controller, worker, start } = harness();
    start();
    controller.dispose();
    expect(worker().terminated).toBe(true);
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    expect(stores.pipeline.getState().catalog).toEqual({});
  });

  it('gallery mode: its runs in their own slots, no live preview, two in flight; leaving cancels them', async () => {
    const { stores, controller, worker, start } = harness();
    start();
    // The tiny dataset's two test images, and the first again with another seed.
    const jobs = [
      [2, 0],
      [3, 0],
      [2, 1],
    ].map(([imageIndex, seed]) => ({
      slot: `gallery:${imageIndex}:${seed}`,
      key: key({ imageIndex, seed, samples: 1 }),
    }));
    const filled = controller.runGallery(jobs, dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(2));
    const [first, second] = worker().reconstructions();
    expect(first!.params.preview).toBe(false);
    worker().send({ id: first!.id, type: 'done', result: result(0) });
    // The first two start together, and which of them asks the worker first depends on when their
    // reads finish: the answered one is whichever gets its rank.
    const ranked = () => jobs.slice(0, 2).filter((job) => stores.pipeline.getState().runs[job.slot]?.resemblance);
    await vi.waitFor(() => expect(ranked()).toHaveLength(1));
    const [answered] = ranked();
    const other = jobs[0] === answered ? jobs[1]! : jobs[0]!;
    expect(stores.pipeline.getState().runs[answered!.slot]?.resemblance).toMatchObject({ rank: 1 });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(3));
    expect(stores.pipeline.getState().runs.main).toBeUndefined();

    controller.stopGallery();
    await filled;
    const cancels = worker()
      .requests.filter((r) => r.method === 'cancel')
      .map((r) => (r.params as { target: number }).target);
    expect(cancels).toEqual(expect.arrayContaining([second!.id, worker().reconstructions()[2]!.id]));
    expect(stores.pipeline.getState().runs[other.slot]?.status).toBe('cancelled');

    // Back in the gallery: the row done stays, the cancelled ones run again.
    void controller.runGallery(jobs, dataset);
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(5));
    const runs = stores.pipeline.getState().runs;
    expect([other, jobs[2]].map((job) => runs[job!.slot]?.status)).toEqual(['running', 'running']);
    expect(runs[answered!.slot]).toMatchObject({ status: 'done', resemblance: { rank: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker().reconstructions()).toHaveLength(5);
    controller.stopGallery();
  });

  it('opened in gallery mode, decodes nothing for the stage until the page is back on it', async () => {
    const { stores, controller, worker, start } = harness({ search: '?mode=gallery' });
    start();
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    await vi.waitFor(() => expect(stores.selection.getState().model).toBe(MODEL));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker().reconstructions()).toHaveLength(0);
    controller.select({ mode: 'stage' });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    expect(stores.pipeline.getState().runs.main?.key).toMatchObject({ subject: 'subj01', imageIndex: 2 });
    // Into the gallery and back without a new pick: the stage's result stands, nothing runs again.
    controller.select({ mode: 'gallery' });
    controller.select({ mode: 'stage' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker().reconstructions()).toHaveLength(1);
  });

  it("keeps a shared link's ?model= through the first listing, and decodes with it", async () => {
    const { stores, worker, start } = harness({ search: '?model=models/other/' });
    start();
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(1));
    expect(stores.selection.getState().model).toBe('models/other/');
    expect(stores.pipeline.getState().runs.main?.key.modelUrl).toBe(`${BASE}models/other/`);
  });

  it("runs the URL's experiment beside the main run, with the same seed, and stops it when it is turned off", async () => {
    const { stores, controller, worker, start } = harness({ search: '?experiment=repeats:1&seed=3' });
    start();
    stores.dataset.setState({ status: 'ready', location: dataset.source.name, loaded: dataset, problems: [] });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(2));
    // The two runs start together; the brain view's activity is the main run's vector.
    await vi.waitFor(() => expect(stores.pipeline.getState().activity).not.toBeNull());
    const activity = stores.pipeline.getState().activity!.voxels;
    const main = worker()
      .reconstructions()
      .find((r) => r.params.voxels[0] === activity[0]);
    const experiment = worker()
      .reconstructions()
      .find((r) => r !== main);
    expect(stores.pipeline.getState().runs.experiment?.key).toMatchObject({
      experiment: { kind: 'repeats', count: 1 },
      seed: 3,
    });
    expect(experiment!.params.seeds).toEqual(main!.params.seeds);
    // img-002's rows for subj01 are 2 and 4 (value (row - voxel) * 0.07): the mean of both, then row 2 alone.
    expect(main!.params.voxels[0]).toBeCloseTo(0.21, 5);
    expect(experiment!.params.voxels[0]).toBeCloseTo(0.14, 5);
    expect(experiment!.params.voxels[10]).toBeCloseTo(-0.56, 5);

    controller.select({ experiment: { kind: 'shuffle' } });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(3));
    const shuffled = worker().reconstructions()[2]!.params.voxels;
    expect(Array.from(shuffled).sort()).toEqual(Array.from(main!.params.voxels).sort());
    expect(shuffled).not.toEqual(main!.params.voxels);

    controller.select({ experiment: { kind: 'rois', silenced: [2] } });
    await vi.waitFor(() => expect(worker().reconstructions()).toHaveLength(4));
    const silenced = worker().reconstructions()[3]!.params.voxels;
    // Storage order: V1 (label 1) is x < 3 of the z = 1 slice, V2 the rest of it.
    const zeros = Array.from(silenced).filter((v) => v === 0).length;
    expect(zeros).toBe(15);

    controller.select({ experiment: null });
    await vi.waitFor(() => expect(stores.pipeline.getState().runs.experiment).toBeUndefined());
    expect(worker().reconstructions()).toHaveLength(4);
  });
});
