// The bench's Node part: the worker's InferenceService on onnxruntime-node (CPU, or its WebGPU EP),
// on the shipped model and the first test image of a subject: model load, a warm-up, N timed
// reconstructions, and top-k retrieval over a 1000-image gallery (DESIGN §7). Node only.
//
// The WebGPU EP picks its Vulkan driver from environment variables before ORT loads, so it runs in a
// child process: this file is also a script,
//   node --import tsx bench/node.ts <cpu|webgpu> <runs> <time limit s>
// which prints one line `BENCH-NODE <json>` (or `BENCH-NODE-ERROR <json message>`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorText } from '../src/data/bundleSource';
import { datasetSchema } from '../src/data/datasetSchema';
import { loadTestSet } from '../src/data/testSet';
import { problemLines, readJsonFile, type Problem } from '../src/data/validation';
import { defaultSettings, type SamplerSettings } from '../src/inference/pipeline';
import { gaussianNoise } from '../src/inference/random';
import { RetrievalGallery } from '../src/inference/retrieval';
import { InferenceService } from '../src/worker/service';
import { FsBundleSource } from '../src/node/fsBundleSource';
import { fsModelBundleSource } from '../src/node/fsModelBundleSource';
import { createOrtNodeEngine } from '../src/node/ortEngine';
import { decodeRgbWithSharp } from '../src/node/sharpRgb';
import { referenceNetOnnx } from '../src/node/referenceNet';
import {
  bytesToMB,
  EVALUATION_IMAGES,
  evaluationCost,
  pipelineMs,
  repeatWithin,
  round,
  summarize,
  summarizeStages,
  type EvaluationCost,
  type Summary,
} from './stats';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = fileURLToPath(import.meta.url);
export const DEFAULT_MODEL = join(REPO, 'public/models/mini-subj01-finetuned');
export const DEFAULT_DATASET = join(REPO, 'public/datasets/synthetic-nsd');
const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');

/** DESIGN §7: retrieval over the 1000 test images. */
const GALLERY_SIZE = 1000;
const RETRIEVAL_K = 5;
const RETRIEVAL_QUERIES = 100;

export type ExecutionProvider = 'cpu' | 'webgpu';

export interface NodeBenchOptions {
  executionProvider: ExecutionProvider;
  runs: number;
  /** Runs after the first stop once this many seconds have passed since the start. */
  timeLimitS: number;
  modelDir?: string;
  datasetDir?: string;
  subject?: string;
}

export interface RetrievalBench {
  gallery: number;
  dim: number;
  k: number;
  queries: number;
  ms: Summary;
}

export interface NodeBenchResult {
  engine: string;
  model: string;
  subject: string;
  image: string;
  settings: SamplerSettings;
  modelLoadMs: number;
  warmupMs: number;
  runs: number;
  stoppedEarly: string | null;
  /** Per stage of the pipeline (InferenceService.reconstruct's timings), over the timed runs. */
  stages: Record<string, Summary>;
  /** adapter + backbone + prior + decoder + vaeDecoder. */
  pipelineMs: Summary;
  /** The whole InferenceService.reconstruct call (includes the blurry image). */
  reconstructMs: Summary;
  retrieval: RetrievalBench;
  memory: { heapUsedMB: number; rssMB: number };
  /** The evaluation of the first test images, as the app's Measure panel runs it (null: out of time). */
  evaluation: EvaluationCost | null;
  /** For the WebGPU EP: the Vulkan driver it was pointed at (null: the system's default). */
  vulkanIcd?: string | null;
}

/** Runs the Node bench in this process. */
export async function benchNode(options: NodeBenchOptions): Promise<NodeBenchResult> {
  const deadline = performance.now() + options.timeLimitS * 1000;
  const modelDir = resolve(options.modelDir ?? DEFAULT_MODEL);
  const datasetDir = resolve(options.datasetDir ?? DEFAULT_DATASET);
  const subject = options.subject ?? 'subj01';
  const engine = createOrtNodeEngine({ executionProvider: options.executionProvider });
  const service = new InferenceService(engine, {
    openDataset: (url) => new FsBundleSource(url),
    openModel: (url) => fsModelBundleSource(url),
    decodeImage: (bytes) => decodeRgbWithSharp(bytes),
    readReferenceNet: async () => referenceNetOnnx(),
  });
  try {
    const datasetSource = new FsBundleSource(datasetDir);
    const problems: Problem[] = [];
    const dataset = await readJsonFile(datasetSource, 'dataset.json', '', datasetSchema, problems);
    if (!dataset) throw new Error(problemLines(problems).join('\n'));
    const [sample] = await loadTestSet(datasetSource, dataset, subject, { limit: 1 });

    const { json, loadMs } = await service.loadModel(modelDir, datasetDir);
    // The bundle's own settings, as the app uses them unless the user changes them.
    const settings = defaultSettings(json);
    const params = { modelUrl: modelDir, subject, voxels: sample!.voxels, seeds: [0], settings, preview: false };

    let start = performance.now();
    await service.reconstruct(params);
    const warmupMs = performance.now() - start;

    const timed = await repeatWithin(options.runs, deadline, async () => {
      const begin = performance.now();
      const result = await service.reconstruct(params);
      return { timings: result.timings, wall: performance.now() - begin };
    });
    const timings = timed.results.map((r) => r.timings);

    const E = json.dims.E;
    const gallery = new RetrievalGallery(gaussianNoise(GALLERY_SIZE * E, 7), E);
    const queryMs: number[] = [];
    for (let q = 0; q < RETRIEVAL_QUERIES; q++) {
      const query = gaussianNoise(E, 1000 + q);
      start = performance.now();
      gallery.topK(query, RETRIEVAL_K);
      queryMs.push(performance.now() - start);
    }

    let evaluation: EvaluationCost | null = null;
    if (performance.now() < deadline) {
      start = performance.now();
      const evaluated = await service.evaluate(modelDir, subject, { seed: 0, limit: EVALUATION_IMAGES, batch: 8 });
      evaluation = evaluationCost(evaluated.samples, performance.now() - start, evaluated.timings);
    }

    const memory = process.memoryUsage();
    return {
      engine: engine.description,
      model: json.id,
      subject,
      image: sample!.image.id,
      settings,
      modelLoadMs: round(loadMs),
      warmupMs: round(warmupMs),
      runs: timed.results.length,
      stoppedEarly: timed.stoppedEarly,
      stages: summarizeStages(timings),
      pipelineMs: summarize(timings.map(pipelineMs)),
      reconstructMs: summarize(timed.results.map((r) => r.wall)),
      retrieval: {
        gallery: GALLERY_SIZE,
        dim: E,
        k: RETRIEVAL_K,
        queries: RETRIEVAL_QUERIES,
        ms: summarize(queryMs, 4),
      },
      memory: { heapUsedMB: bytesToMB(memory.heapUsed), rssMB: bytesToMB(memory.rss) },
      evaluation,
    };
  } finally {
    await service.dispose();
  }
}

/**
 * The environment for the WebGPU EP: a VK_ICD_FILENAMES already set (a GPU server's driver) is kept;
 * otherwise SwiftShader from Debian's chromium, when it is there; otherwise the system's default.
 */
export function vulkanEnv(env: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; icd: string | null } {
  if (env.VK_ICD_FILENAMES) return { env, icd: env.VK_ICD_FILENAMES };
  if (!existsSync(SWIFTSHADER_ICD)) return { env, icd: null };
  const libraryPath = [CHROMIUM_LIB, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { env: { ...env, LD_LIBRARY_PATH: libraryPath, VK_ICD_FILENAMES: SWIFTSHADER_ICD }, icd: SWIFTSHADER_ICD };
}

/** Runs the Node bench in a child process (needed for the WebGPU EP, see above). */
export function benchNodeInChild(options: NodeBenchOptions): Promise<NodeBenchResult> {
  const { env, icd } =
    options.executionProvider === 'webgpu' ? vulkanEnv() : { env: process.env, icd: undefined as undefined };
  const args = ['--import', 'tsx', SCRIPT, options.executionProvider, String(options.runs), String(options.timeLimitS)];
  // The time limit bounds the repeated runs; load and the first two runs come on top, so allow plenty.
  const timeout = (3 * options.timeLimitS + 300) * 1000;
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, args, { env, timeout, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH-NODE'));
      if (line?.startsWith('BENCH-NODE ')) {
        const result = JSON.parse(line.slice('BENCH-NODE '.length)) as NodeBenchResult;
        resolvePromise(icd === undefined ? result : { ...result, vulkanIcd: icd });
        return;
      }
      const reason = line?.startsWith('BENCH-NODE-ERROR ')
        ? (JSON.parse(line.slice('BENCH-NODE-ERROR '.length)) as string)
        : error?.killed
          ? `killed after ${timeout / 1000} s`
          : (error?.message ?? 'no result');
      const tail = stderr.trim().split('\n').slice(-10).join('\n');
      reject(new Error(`node ${options.executionProvider}: ${reason}${tail ? `\n${tail}` : ''}`));
    });
  });
}

async function main([ep, runs, limit]: string[]): Promise<void> {
  if ((ep !== 'cpu' && ep !== 'webgpu') || !Number(runs) || !Number(limit))
    throw new Error('usage: bench/node.ts <cpu|webgpu> <runs> <time limit s>');
  const result = await benchNode({ executionProvider: ep, runs: Number(runs), timeLimitS: Number(limit) });
  process.stdout.write(`BENCH-NODE ${JSON.stringify(result)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stdout.write(`BENCH-NODE-ERROR ${JSON.stringify(errorText(error))}\n`);
    process.exitCode = 1;
  });
}
