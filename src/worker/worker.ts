// The inference worker: onnxruntime-web and every model session live here, off the main thread
// (DESIGN §8: the app's own module worker, not ORT's proxy, so GPU buffers stay usable). Requests run
// one at a time, in order; a cancel reaches the running one through its AbortSignal.
/// <reference lib="webworker" />
import { BundleOpener } from '../data/bundleOpener';
import { errorText } from '../data/bundleSource';
import { cachedFetcher } from '../data/cachedFetch';
import { REFERENCE_NET } from '../evaluation/referenceNet';
import { ModelLoadError } from '../inference/model';
import { CANCELLED, type Progress, type WorkerMessage, type WorkerRequest } from './protocol';
import { InferenceService } from './service';
import { createWebEngine } from '../inference/webEngine';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: WorkerMessage) => self.postMessage(message);

/** At most one download message per file every 100 ms, and always the last one. */
const lastReport = new Map<string, number>();
const fetcher = cachedFetcher((file, loaded, total) => {
  const now = performance.now();
  if (loaded !== total && now - (lastReport.get(file) ?? 0) < 100) return;
  lastReport.set(file, now);
  post({ id: -1, type: 'download', progress: { kind: 'download', file, loaded, total } });
});

async function decodeImage(bytes: Uint8Array, file: string) {
  const type = file.toLowerCase().endsWith('.webp') ? 'image/webp' : 'image/png';
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  } catch (error) {
    throw new Error(`${file}: not a decodable image (${errorText(error)})`);
  }
  const { width, height } = bitmap;
  const context = canvasOfSize(width, height);
  context.clearRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { data: context.getImageData(0, 0, width, height).data, width, height, channels: 4 as const };
}

/**
 * One canvas per image size, kept: the gallery decodes hundreds of same-sized images, and
 * `willReadFrequently` keeps the pixels in memory (a GPU canvas would be read back for each).
 * drawImage and getImageData run together, without an await, so concurrent decodes can share it.
 */
const canvases = new Map<string, OffscreenCanvasRenderingContext2D>();
function canvasOfSize(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const key = `${width}x${height}`;
  let context = canvases.get(key);
  if (!context) {
    context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    canvases.set(key, context);
  }
  return context;
}

/** The reference network's ONNX file, from the app's own origin (Cache Storage after the first time). */
async function readReferenceNet(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetcher(url, {});
  } catch (error) {
    throw new Error(`${REFERENCE_NET.file}: could not be fetched (${errorText(error)})`);
  }
  if (!response.ok)
    throw new Error(
      `${REFERENCE_NET.file}: ${response.status === 404 ? 'not found' : `HTTP ${response.status}`} (the evaluation's reference network is written by vite build)`,
    );
  return new Uint8Array(await response.arrayBuffer());
}

const opener = new BundleOpener(fetcher);
let service: InferenceService | null = null;
const running = new Map<number, AbortController>();
let queue: Promise<void> = Promise.resolve();

function ready(): InferenceService {
  if (!service) throw new Error('the inference engine is not started (init first)');
  return service;
}

async function handle(request: WorkerRequest, signal: AbortSignal, progress: (p: Progress) => void): Promise<unknown> {
  if (signal.aborted) throw new Error(CANCELLED);
  switch (request.method) {
    case 'init': {
      await service?.dispose();
      const engine = await createWebEngine(request.params.prefer);
      const { referenceNetUrl } = request.params;
      service = new InferenceService(engine, {
        openDataset: (key) => opener.dataset(key),
        openModel: (key) => opener.model(key),
        decodeImage,
        readReferenceNet: () => readReferenceNet(referenceNetUrl),
      });
      return { ...engine.info, description: engine.description };
    }
    case 'registerLocal':
      opener.register(request.params.name, request.params.files);
      return null;
    case 'loadModel':
      return ready().loadModel(request.params.modelUrl, request.params.datasetUrl);
    case 'releaseModel':
      await ready().releaseModel(request.params.modelUrl);
      return null;
    case 'reconstruct':
      return ready().reconstruct(request.params, progress, signal);
    case 'retrieve':
      return ready().retrieve(request.params.modelUrl, request.params.vector, request.params.k, progress);
    case 'rankReconstruction': {
      const { modelUrl, image, seenImageIndex, k } = request.params;
      return ready().rankReconstruction(modelUrl, image, seenImageIndex, k, progress);
    }
    case 'matchTrials': {
      const { modelUrl, subject, imageIndex, k } = request.params;
      return ready().matchTrials(modelUrl, subject, imageIndex, k, progress);
    }
    case 'evaluate': {
      const { modelUrl, subject, seed, limit, batch } = request.params;
      return ready().evaluate(modelUrl, subject, { seed, limit, batch, signal }, progress);
    }
    case 'cancel':
      return null;
  }
}

/**
 * ORT's WASM threads start as workers of the module that holds ORT, which the bundler made this file;
 * they are named "em-pthread" and ORT's own message handler must stay theirs.
 */
const isOrtThread = self.name.startsWith('em-pthread');

if (!isOrtThread)
  self.onmessage = (event: MessageEvent<WorkerRequest>) => {
    const request = event.data;
    if (request.method === 'cancel') {
      running.get(request.params.target)?.abort();
      post({ id: request.id, type: 'done', result: null });
      return;
    }
    const controller = new AbortController();
    running.set(request.id, controller);
    const progress = (p: Progress) => post({ id: request.id, type: 'progress', progress: p });
    queue = queue
      .then(() => handle(request, controller.signal, progress))
      .then(
        (result) => post({ id: request.id, type: 'done', result }),
        (error: unknown) => {
          const message = controller.signal.aborted ? CANCELLED : errorText(error);
          const problems = error instanceof ModelLoadError ? [...error.problems] : [];
          post({ id: request.id, type: 'error', message, problems });
        },
      )
      .finally(() => running.delete(request.id));
  };
