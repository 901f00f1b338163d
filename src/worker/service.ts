// What the inference worker does, as a plain class over an Engine: load and release model bundles,
// reconstruct a trial (best of N, live preview), retrieve test images for a brain vector and trials
// for an image, and run the evaluation. The worker wraps it in messages; the Node bench and the tests
// run the same class on onnxruntime-node, so the browser and Node share every line of pipeline code.
import { AsyncMemo } from '../data/asyncMemo';
import type { BundleSource } from '../data/bundleSource';
import { datasetSchema, type DatasetJson, type GalleryJson } from '../data/datasetSchema';
import { galleryFor, readGalleryEmbeddings } from '../data/gallery';
import { fitToDataset } from '../data/validateModel';
import { openBetas } from '../data/subjectBetas';
import { loadTestSet } from '../data/testSet';
import { CONCURRENT_READS, mapConcurrently, problemLines, readJsonFile, type Problem } from '../data/validation';
import { evaluate, tableRows } from '../evaluation/evaluate';
import { ReferenceFeatures } from '../evaluation/referenceNet';
import { concatBatch, tensor, type Engine, type HostTensor } from '../inference/engine';
import { MindEyeModel, ModelLoadError } from '../inference/model';
import { defaultSettings, latentToImage, reconstruct, startNoise } from '../inference/pipeline';
import { imageToTensor, type RgbImage } from '../inference/preprocess';
import type { EvaluationResult, LoadedModelInfo, Progress, ReconstructParams, ReconstructResult } from './protocol';
import { normalizeRows, RetrievalGallery, type Match } from '../inference/retrieval';

export interface ServiceIo {
  openDataset(url: string): BundleSource;
  openModel(url: string): BundleSource;
  decodeImage(bytes: Uint8Array, file: string): Promise<RgbImage>;
  /**
   * The reference network's ONNX bytes (src/evaluation/referenceNet.ts), for the evaluation's
   * "two-way (MobileNetV2, ImageNet)" column: the built app fetches them from its own origin, Node
   * converts them from the installed package. Without it the column is left out.
   */
  readReferenceNet?(): Promise<Uint8Array>;
}

export type ProgressSink = (progress: Progress) => void;

export interface ServiceOptions {
  /** The least time between two live-preview pictures of a reconstruction. */
  previewIntervalMs: number;
}

/** Images are encoded in batches of this size (the gallery, best-of-N, the trial embeddings). */
const BATCH = 32;
/** Test images encoded to check a shipped gallery, and how closely (cosine) each row must agree. */
const GALLERY_SAMPLE = 8;
const GALLERY_AGREEMENT = 0.999;

interface OpenDataset {
  source: BundleSource;
  json: DatasetJson;
  /** Test images as [3,S,S] tensors, by S, in test-image order. */
  tensors: AsyncMemo<number, Float32Array>;
}

export class InferenceService {
  private readonly models = new Map<string, { model: MindEyeModel; datasetUrl: string }>();
  private readonly datasets = new AsyncMemo<string, OpenDataset>();
  private readonly galleries = new AsyncMemo<string, RetrievalGallery>();
  private readonly trialGalleries = new AsyncMemo<string, { rows: number[]; images: number[]; unit: Float32Array }>();
  /** Under one key: the reference network is made once per service. */
  private readonly reference = new AsyncMemo<'reference', ReferenceFeatures>();

  constructor(
    private readonly engine: Engine,
    private readonly io: ServiceIo,
    private readonly options: ServiceOptions = { previewIntervalMs: 150 },
  ) {}

  /** Loads a model bundle for a dataset: the model must fit the dataset's subjects (V_s, voxel order). */
  async loadModel(modelUrl: string, datasetUrl: string): Promise<LoadedModelInfo> {
    const start = performance.now();
    const dataset = await this.dataset(datasetUrl);
    await this.releaseModel(modelUrl);
    const model = await MindEyeModel.load(this.io.openModel(modelUrl), this.engine);
    const problems = fitToDataset(model.json, dataset.json);
    if (problems.length > 0) {
      await model.dispose();
      throw new ModelLoadError(problemLines(problems));
    }
    this.models.set(modelUrl, { model, datasetUrl });
    return { json: model.json, loadMs: performance.now() - start };
  }

  /** Frees a model's sessions and its trial embeddings (its image gallery is its encoder's, and kept). */
  async releaseModel(modelUrl: string): Promise<void> {
    const entry = this.models.get(modelUrl);
    if (!entry) return;
    this.models.delete(modelUrl);
    void this.trialGalleries.forget((key) => key.startsWith(`${modelUrl}\n`));
    await entry.model.dispose();
  }

  async reconstruct(
    params: ReconstructParams,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<ReconstructResult> {
    const model = this.model(params.modelUrl);
    const { S } = model.json.dims;
    const seeds = params.seeds.length > 0 ? params.seeds : [0];
    const voxels = concatBatch(seeds.map(() => tensor(params.voxels, [1, params.voxels.length])));
    let lastFrame = -Infinity;
    const onDecoderStep =
      params.preview && onProgress
        ? async (x0: Float32Array, step: number, steps: number) => {
            // The counter moves every step; the picture at most every previewIntervalMs and not at the
            // last step, which the result shows. Every other step, the preview cost 33-56 % of the
            // decoder on 2 cores (the page draws each frame while the worker computes).
            const now = performance.now();
            const interval = params.previewEveryStep ? 0 : this.options.previewIntervalMs;
            if (!sendsPicture(step, steps, now - lastFrame, interval))
              return onProgress({ kind: 'step', stage: 'decoder', step, steps });
            lastFrame = now;
            const { C, h, w } = model.json.dims;
            const first = tensor(x0.slice(0, C * h * w), [1, C, h, w]);
            const image = (await latentToImage(model, first)).data;
            onProgress({ kind: 'step', stage: 'decoder', step, steps, image, size: S });
          }
        : undefined;
    const result = await reconstruct(model, params.subject, voxels, startNoise(model, seeds), params.settings, {
      blurry: true,
      onDecoderStep,
      signal,
    });
    const perImage = 3 * S * S;
    const E = model.json.dims.E;
    const retrieval = result.retrieval.data.slice(0, E);
    let sampleScores = [1];
    if (seeds.length > 1) {
      const start = performance.now();
      const embeddings = (await model.encodeImage(result.image)).embedding.data;
      const unit = normalizeRows(embeddings, E);
      const query = normalizeRows(retrieval, E);
      sampleScores = seeds.map((_, i) => dot(unit.subarray(i * E, (i + 1) * E), query));
      result.timings['best of N'] = performance.now() - start;
    }
    const best = sampleScores.indexOf(Math.max(...sampleScores));
    return {
      images: result.image.data,
      size: S,
      blurry: result.blurry ? result.blurry.data.slice(0, perImage) : null,
      retrieval,
      sampleScores,
      best,
      timings: result.timings,
    };
  }

  /** The k test images most similar to a brain retrieval vector; ms is the query alone. */
  async retrieve(
    modelUrl: string,
    vector: Float32Array,
    k: number,
    onProgress?: ProgressSink,
  ): Promise<{ matches: { imageIndex: number; similarity: number }[]; ms: number }> {
    const { datasetUrl } = this.entry(modelUrl);
    const gallery = await this.gallery(modelUrl, onProgress);
    const testImages = testImageIndices((await this.dataset(datasetUrl)).json);
    const start = performance.now();
    const matches = gallery.topK(vector, k);
    const ms = performance.now() - start;
    return { matches: matches.map((m: Match) => ({ imageIndex: testImages[m.index]!, similarity: m.similarity })), ms };
  }

  /**
   * How the reconstruction compares with the test images, by the bundle's own image encoder: the rank
   * of the seen image among all test images (1 = the reconstruction is closest to it) and the k closest.
   */
  async rankReconstruction(
    modelUrl: string,
    image: Float32Array,
    seenImageIndex: number,
    k: number,
    onProgress?: ProgressSink,
  ): Promise<{ rank: number; of: number; matches: { imageIndex: number; similarity: number }[] }> {
    const { model, datasetUrl } = this.entry(modelUrl);
    const { S } = model.json.dims;
    const gallery = await this.gallery(modelUrl, onProgress);
    const testImages = testImageIndices((await this.dataset(datasetUrl)).json);
    const seen = testImages.indexOf(seenImageIndex);
    if (seen < 0) throw new Error(`image ${seenImageIndex} is not a test image`);
    const embedding = (await model.encodeImage(tensor(image, [1, 3, S, S]))).embedding.data;
    const all = gallery.topK(embedding, gallery.size);
    return {
      rank: all.findIndex((m) => m.index === seen) + 1,
      of: gallery.size,
      matches: all.slice(0, k).map((m) => ({ imageIndex: testImages[m.index]!, similarity: m.similarity })),
    };
  }

  /** The k trials (betas rows) of a subject whose brain embeddings best match a test image's embedding. */
  async matchTrials(
    modelUrl: string,
    subject: string,
    imageIndex: number,
    k: number,
    onProgress?: ProgressSink,
  ): Promise<{ matches: { row: number; imageIndex: number; similarity: number }[]; ms: number }> {
    const { datasetUrl } = this.entry(modelUrl);
    const testImages = testImageIndices((await this.dataset(datasetUrl)).json);
    const position = testImages.indexOf(imageIndex);
    if (position < 0) throw new Error(`image ${imageIndex} is not a test image`);
    const gallery = await this.gallery(modelUrl, onProgress);
    const trials = await this.trialGallery(modelUrl, subject, onProgress);
    const start = performance.now();
    const query = gallery.row(position);
    const E = gallery.dim;
    const scored = trials.rows.map((row, i) => ({
      row,
      imageIndex: trials.images[i]!,
      similarity: dot(trials.unit.subarray(i * E, (i + 1) * E), query),
    }));
    scored.sort((a, b) => b.similarity - a.similarity || a.row - b.row);
    return { matches: scored.slice(0, k), ms: performance.now() - start };
  }

  /** MindEye2's table for a subject's test set, as `npm run eval` computes it. */
  async evaluate(
    modelUrl: string,
    subject: string,
    options: { seed: number; limit?: number; batch: number; signal?: AbortSignal },
    onProgress?: ProgressSink,
  ): Promise<EvaluationResult> {
    const { model, datasetUrl } = this.entry(modelUrl);
    const dataset = await this.dataset(datasetUrl);
    const testSet = await loadTestSet(dataset.source, dataset.json, subject, {
      limit: options.limit,
      signal: options.signal,
      onProgress: (done, total) => {
        if (done % 25 === 0 || done === total)
          onProgress?.({ kind: 'items', what: 'test images: trials read', done, total });
      },
    });
    const S = model.json.dims.S;
    const images = await this.testTensors(dataset, S, onProgress);
    const testImages = testImageIndices(dataset.json);
    const samples = testSet.map((sample) => {
      const i = testImages.indexOf(sample.imageIndex);
      return { voxels: sample.voxels, image: images.slice(i * 3 * S * S, (i + 1) * 3 * S * S) };
    });
    const settings = defaultSettings(model.json);
    const reference = await this.referenceFeatures();
    const result = await evaluate(model, subject, samples, {
      settings,
      seed: options.seed,
      batchSize: options.batch,
      reference: reference ?? undefined,
      onProgress: (done, total) => {
        if (options.signal?.aborted) throw new Error('cancelled');
        onProgress?.({ kind: 'items', what: 'test images reconstructed', done, total });
      },
    });
    return {
      rows: tableRows(result.rows, model.json, subject),
      samples: result.samples,
      retrievalPool: result.retrievalPool,
      timings: result.timings,
      engine: this.engine.description,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.models.keys()].map((url) => this.releaseModel(url)));
    const [reference] = this.reference.forget(() => true);
    await reference?.then((r) => r.dispose()).catch(() => undefined);
  }

  /** The reference network's session, made once; null when the io cannot read it. */
  private async referenceFeatures(): Promise<ReferenceFeatures | null> {
    const read = this.io.readReferenceNet?.bind(this.io);
    if (!read) return null;
    return this.reference.get('reference', async () => ReferenceFeatures.load(this.engine, await read()));
  }

  private entry(modelUrl: string): { model: MindEyeModel; datasetUrl: string } {
    const entry = this.models.get(modelUrl);
    if (!entry) throw new Error(`model ${modelUrl} is not loaded`);
    return entry;
  }

  private model(modelUrl: string): MindEyeModel {
    return this.entry(modelUrl).model;
  }

  private dataset(url: string): Promise<OpenDataset> {
    return this.datasets.get(url, async () => {
      const source = this.io.openDataset(url);
      const problems: Problem[] = [];
      const json = await readJsonFile(source, 'dataset.json', '', datasetSchema, problems);
      if (!json) throw new ModelLoadError(problemLines(problems));
      return { source, json, tensors: new AsyncMemo() };
    });
  }

  /** Every test image as [n,3,S,S], decoded once per dataset and size. */
  private testTensors(dataset: OpenDataset, S: number, onProgress?: ProgressSink): Promise<Float32Array> {
    return dataset.tensors.get(S, () => {
      const all = testImageIndices(dataset.json).map((_, position) => position);
      return this.decodeTestImages(dataset, all, S, (done, total) => {
        if (done % 25 === 0 || done === total)
          onProgress?.({ kind: 'items', what: 'test images decoded', done, total });
      });
    });
  }

  /** These test images (by position among the test images) as [n,3,S,S], read several at a time. */
  private async decodeTestImages(
    dataset: OpenDataset,
    positions: readonly number[],
    S: number,
    onDone?: (done: number, total: number) => void,
  ): Promise<Float32Array> {
    const files = testImageIndices(dataset.json).map((i) => dataset.json.images[i]!.file);
    const out = new Float32Array(positions.length * 3 * S * S);
    let done = 0;
    // Several reads in flight: one at a time, 300 small files over HTTP took 13 s.
    await mapConcurrently(positions, CONCURRENT_READS, async (position, i) => {
      const file = files[position]!;
      out.set(imageToTensor(await this.io.decodeImage(await dataset.source.read(file), file), S), i * 3 * S * S);
      onDone?.(++done, positions.length);
    });
    return out;
  }

  /** Every test image encoded afresh (what `npm run gallery` ships in a dataset), with its encoder's digest. */
  async computeGallery(modelUrl: string, onProgress?: ProgressSink) {
    const { model, datasetUrl } = this.entry(modelUrl);
    const { S, E } = model.json.dims;
    const images = await this.testTensors(await this.dataset(datasetUrl), S, onProgress);
    const embeddings = await this.encodeImages(model, images, onProgress);
    return { embeddings, encoderSha256: model.imageEncoderSha256, size: S, dim: E };
  }

  /**
   * The image encoder's embeddings of the test images: the retrieval candidates. Models with the same
   * image encoder share them. A gallery the dataset ships for this encoder is used once a sample of
   * its rows matches what the encoder makes of those images; otherwise every test image is encoded.
   */
  private gallery(modelUrl: string, onProgress?: ProgressSink): Promise<RetrievalGallery> {
    const { model, datasetUrl } = this.entry(modelUrl);
    const { S, E } = model.json.dims;
    const key = `${datasetUrl}\n${model.imageEncoderSha256}\n${S}`;
    return this.galleries.get(key, async () => {
      const dataset = await this.dataset(datasetUrl);
      const shipped = galleryFor(dataset.json, model.imageEncoderSha256, S, E);
      const checked = shipped ? await this.checkShippedGallery(model, dataset, shipped) : null;
      if (checked) return checked;
      const images = await this.testTensors(dataset, S, onProgress);
      return new RetrievalGallery(await this.encodeImages(model, images, onProgress), E);
    });
  }

  /**
   * A shipped gallery, if the encoder gives back its rows for a sample of the test images (cosine
   * above GALLERY_AGREEMENT): a gallery of another encoder version, or of changed images, is refused.
   */
  private async checkShippedGallery(
    model: MindEyeModel,
    dataset: OpenDataset,
    gallery: GalleryJson,
  ): Promise<RetrievalGallery | null> {
    const { S, E } = model.json.dims;
    const embeddings = await readGalleryEmbeddings(dataset.source, gallery).catch(() => null);
    if (!embeddings) return null;
    const rows = gallery.imageSha256.length;
    const sample = Array.from(
      new Set(Array.from({ length: GALLERY_SAMPLE }, (_, k) => Math.floor((k * rows) / GALLERY_SAMPLE))),
    );
    const encoded = normalizeRows(await this.encodeImages(model, await this.decodeTestImages(dataset, sample, S)), E);
    const stored = normalizeRows(embeddings, E);
    const agrees = sample.every(
      (row, i) =>
        dot(encoded.subarray(i * E, (i + 1) * E), stored.subarray(row * E, (row + 1) * E)) > GALLERY_AGREEMENT,
    );
    return agrees ? new RetrievalGallery(embeddings, E) : null;
  }

  /** Embeddings [n, E] of images [n,3,S,S], encoded in batches. */
  private async encodeImages(model: MindEyeModel, images: Float32Array, onProgress?: ProgressSink) {
    const { S } = model.json.dims;
    const n = images.length / (3 * S * S);
    const parts: HostTensor[] = [];
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      const batch = tensor(images.slice(start * 3 * S * S, end * 3 * S * S), [end - start, 3, S, S]);
      parts.push((await model.encodeImage(batch)).embedding);
      onProgress?.({ kind: 'items', what: 'test images encoded', done: end, total: n });
    }
    return concatBatch(parts).data;
  }

  /** Unit brain embeddings of every test trial (betas row) of a subject. */
  private trialGallery(
    modelUrl: string,
    subject: string,
    onProgress?: ProgressSink,
  ): Promise<{ rows: number[]; images: number[]; unit: Float32Array }> {
    return this.trialGalleries.get(`${modelUrl}\n${subject}`, async () => {
      const { model, datasetUrl } = this.entry(modelUrl);
      const dataset = await this.dataset(datasetUrl);
      const { reader } = await openBetas(dataset.source, dataset.json, subject);
      const pairs = testImageIndices(dataset.json).flatMap((imageIndex) =>
        (dataset.json.images[imageIndex]!.trials?.[subject] ?? []).map((row) => ({ row, imageIndex })),
      );
      const E = model.json.dims.E;
      const unit = new Float32Array(pairs.length * E);
      for (let start = 0; start < pairs.length; start += BATCH) {
        const batch = pairs.slice(start, start + BATCH);
        const rows = await Promise.all(batch.map((p) => reader.read(p.row)));
        const voxels = concatBatch(rows.map((r) => tensor(r, [1, r.length])));
        const { retrieval } = await model.backbone(await model.adapter(subject, voxels));
        unit.set(normalizeRows(retrieval.data, E), start * E);
        onProgress?.({ kind: 'items', what: 'trials embedded', done: start + batch.length, total: pairs.length });
      }
      return { rows: pairs.map((p) => p.row), images: pairs.map((p) => p.imageIndex), unit };
    });
  }
}

/** dataset.json indices of the test images, in order. */
export function testImageIndices(dataset: { images: readonly { split: string }[] }): number[] {
  return dataset.images.flatMap((image, i) => (image.split === 'test' ? [i] : []));
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Whether a decoder step's preview carries a picture: not the last step's (the result shows it), and
 * only once `interval` ms have passed since the last picture (0: every step, for a replay).
 */
export function sendsPicture(step: number, steps: number, sinceLastMs: number, interval: number): boolean {
  return step < steps && sinceLastMs >= interval;
}
