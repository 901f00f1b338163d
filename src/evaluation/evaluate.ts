// The evaluation of a model on a subject's test set, as MindEye2's Table 1: reconstructions in
// batches through the pipeline (with the low-level and no-prior variants) and the ceiling, then the
// metrics of each row (src/metrics, pure maths). Runs wherever the engine does (the CLI, the app's
// worker). A layer above inference/: it drives the pipeline, the pipeline knows nothing of it.
//
// Two two-way identification columns: on the bundle's own image encoder (circular: the brain model
// was trained to hit that embedding) and on a pretrained ImageNet network this project did not train
// (src/evaluation/referenceNet.ts), when the caller gives one.
import type { ModelJson } from '../data/modelSchema';
import { concatBatch, tensor, type HostTensor } from '../inference/engine';
import type { MindEyeModel } from '../inference/model';
import {
  reconstruct,
  reconstructFromImage,
  startNoise,
  type SamplerSettings,
  type StageTimings,
} from '../inference/pipeline';
import { twoWayIdentification } from '../metrics/identification';
import { pixCorr } from '../metrics/pixCorr';
import { retrievalAccuracy } from '../metrics/retrievalAccuracy';
import { ssim } from '../metrics/ssim';
import { checkFiniteMetrics, type MetricRow } from '../metrics/table';
import type { ReferenceFeatures } from './referenceNet';

export interface EvalSample {
  /** [V_s] */
  voxels: Float32Array;
  /** The seen image, [3,S,S] in [0,1]. */
  image: Float32Array;
}

export interface EvalOptions {
  settings: SamplerSettings;
  /** Seeds the samplers' noise (per sample, so batching does not change results) and the retrieval draws. */
  seed: number;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  /** The reference network for the "two-way (MobileNetV2, ImageNet)" column; without it the column is absent. */
  reference?: Pick<ReferenceFeatures, 'features'>;
}

export interface EvalResult {
  rows: MetricRow[];
  /** [n,3,S,S] each */
  images: {
    seen: Float32Array;
    reconstruction: Float32Array;
    blurry: Float32Array | null;
    noPrior: Float32Array;
    ceiling: Float32Array;
  };
  /** Total milliseconds per stage over all batches. */
  timings: StageTimings;
  samples: number;
  retrievalPool: number;
}

export const ROW_NAMES = {
  reconstruction: 'reconstruction',
  decoded: 'decoder alone (before the low-level blend)',
  blurry: 'low-level (blurry) alone',
  noPrior: 'without prior',
  ceiling: 'ceiling (decoder on true-image tokens, from noise)',
} as const;

export async function evaluate(
  model: MindEyeModel,
  subject: string,
  samples: readonly EvalSample[],
  options: EvalOptions,
): Promise<EvalResult> {
  if (samples.length < 2) throw new Error(`the evaluation needs at least 2 test images, not ${samples.length}`);
  const { S, E } = model.json.dims;
  const imageDims = [3, S, S];
  const timings: StageTimings = {};
  const add = (more: StageTimings) => {
    for (const [stage, ms] of Object.entries(more)) timings[stage] = (timings[stage] ?? 0) + ms;
  };
  const parts = {
    reconstruction: [] as HostTensor[],
    decoded: [] as HostTensor[],
    blurry: [] as HostTensor[],
    noPrior: [] as HostTensor[],
    ceiling: [] as HostTensor[],
  };
  const retrieval: HostTensor[] = [];
  const trueEmbeddings: HostTensor[] = [];

  for (let start = 0; start < samples.length; start += options.batchSize) {
    const batch = samples.slice(start, start + options.batchSize);
    const seeds = batch.map((_, i) => options.seed * 1_000_003 + start + i);
    const noise = startNoise(model, seeds);
    const voxels = concatBatch(batch.map((s) => tensor(s.voxels, [1, s.voxels.length])));
    const result = await reconstruct(model, subject, voxels, noise, options.settings, { blurry: true, noPrior: true });
    add(result.timings);
    parts.reconstruction.push(result.image);
    if (result.decoded) parts.decoded.push(result.decoded);
    if (result.blurry) parts.blurry.push(result.blurry);
    parts.noPrior.push(result.noPrior!);
    retrieval.push(result.retrieval);

    const seen = concatBatch(batch.map((s) => tensor(s.image, [1, ...imageDims])));
    const ceiling = await reconstructFromImage(model, seen, noise.decoder, options.settings);
    add(Object.fromEntries(Object.entries(ceiling.timings).map(([k, v]) => [`ceiling ${k}`, v])));
    parts.ceiling.push(ceiling.image);
    trueEmbeddings.push(ceiling.embedding);
    options.onProgress?.(start + batch.length, samples.length);
  }

  const seen = concatBatch(samples.map((s) => tensor(s.image, [1, ...imageDims]))).data;
  const truth = concatBatch(trueEmbeddings).data;
  const featuresStart = performance.now();
  const features = async (images: HostTensor[]) => {
    const embeddings: HostTensor[] = [];
    for (const batch of images) embeddings.push((await model.encodeImage(batch)).embedding);
    return concatBatch(embeddings).data;
  };
  const reference = options.reference;
  let referenceMs = 0;
  const referenceFeatures = async (images: Float32Array) => {
    const start = performance.now();
    const result = await reference!.features(tensor(images, [images.length / (3 * S * S), ...imageDims]));
    referenceMs += performance.now() - start;
    return result;
  };
  const referenceTruth = reference ? await referenceFeatures(seen) : null;
  const row = async (name: string, images: HostTensor[]): Promise<MetricRow> => {
    const all = concatBatch(images).data;
    const metrics: MetricRow = {
      name,
      pixCorr: pixCorr(all, seen, 3 * S * S),
      ssim: ssim(all, seen, S),
      twoWay: twoWayIdentification(await features(images), truth, E),
    };
    if (referenceTruth) {
      const { data } = await referenceFeatures(all);
      metrics.twoWayMobileNetV2 = twoWayIdentification(data, referenceTruth.data, referenceTruth.dim);
    }
    return metrics;
  };
  const accuracy = retrievalAccuracy(concatBatch(retrieval).data, truth, E, { seed: options.seed });
  const rows: MetricRow[] = [
    {
      ...(await row(ROW_NAMES.reconstruction, parts.reconstruction)),
      imageRetrieval: accuracy.image,
      brainRetrieval: accuracy.brain,
    },
  ];
  if (parts.decoded.length > 0) rows.push(await row(ROW_NAMES.decoded, parts.decoded));
  if (parts.blurry.length > 0) rows.push(await row(ROW_NAMES.blurry, parts.blurry));
  rows.push(await row(ROW_NAMES.noPrior, parts.noPrior), await row(ROW_NAMES.ceiling, parts.ceiling));
  checkFiniteMetrics(rows);
  timings['metrics (incl. image features)'] = performance.now() - featuresStart - referenceMs;
  if (reference) timings['reference network (MobileNetV2) features'] = referenceMs;

  return {
    rows,
    images: {
      seen,
      reconstruction: concatBatch(parts.reconstruction).data,
      blurry: parts.blurry.length > 0 ? concatBatch(parts.blurry).data : null,
      noPrior: concatBatch(parts.noPrior).data,
      ceiling: concatBatch(parts.ceiling).data,
    },
    timings,
    samples: samples.length,
    retrievalPool: accuracy.poolSize,
  };
}

/** The table as the CLI and the app show it: the computed rows, then model.json's rows for the subject (e.g. a ridge baseline). */
export function tableRows(rows: readonly MetricRow[], model: ModelJson, subject: string): MetricRow[] {
  return [...rows, ...(model.scores?.[subject]?.extraRows ?? [])];
}
