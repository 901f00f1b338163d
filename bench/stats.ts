// Small pieces the bench (`npm run bench`) shares between its browser and Node parts: summaries of
// repeated timings, and a loop that repeats a measurement as often as asked and as time allows.

export interface Summary {
  median: number;
  min: number;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and minimum, rounded to `digits` decimals. */
export function summarize(values: readonly number[], digits = 2): Summary {
  return { median: round(median(values), digits), min: round(Math.min(...values), digits) };
}

/** Per stage, the median and the minimum over runs; a stage missing from a run counts only where it ran. */
export function summarizeStages(runs: readonly Record<string, number>[]): Record<string, Summary> {
  const stages = [...new Set(runs.flatMap((run) => Object.keys(run)))];
  return Object.fromEntries(
    stages.map((stage) => [stage, summarize(runs.flatMap((run) => (stage in run ? [run[stage]!] : [])))]),
  );
}

/** The sum of the stages of one run that make the image (adapter -> backbone -> prior -> decoder -> vaeDecoder). */
export const PIPELINE_STAGES = ['adapter', 'backbone', 'prior', 'decoder', 'vaeDecoder'] as const;

export function pipelineMs(timings: Record<string, number>): number {
  return PIPELINE_STAGES.reduce((sum, stage) => sum + (timings[stage] ?? 0), 0);
}

export interface Repeated<T> {
  results: T[];
  /** Set when fewer runs than asked were made because the time was up. */
  stoppedEarly: string | null;
}

/**
 * Runs `measure` up to `runs` times: always once, then again while the last run's duration still
 * fits before `deadline` (a performance.now() time). A slow engine (WebGPU on SwiftShader takes
 * minutes per image) thus gives fewer runs instead of an endless bench.
 */
export async function repeatWithin<T>(
  runs: number,
  deadline: number,
  measure: (run: number) => Promise<T>,
): Promise<Repeated<T>> {
  const results: T[] = [];
  let last = 0;
  for (let run = 0; run < runs; run++) {
    if (run > 0 && performance.now() + last > deadline) {
      return { results, stoppedEarly: `${run} of ${runs} runs: the time limit was reached` };
    }
    const start = performance.now();
    results.push(await measure(run));
    last = performance.now() - start;
  }
  return { results, stoppedEarly: null };
}

export const bytesToMB = (bytes: number): number => round(bytes / 2 ** 20, 1);

/** Test images the bench evaluates (`npm run eval`'s code, as the Measure panel runs it). */
export const EVALUATION_IMAGES = 16;

/** One evaluation of EVALUATION_IMAGES test images: its wall time, and the stage sums it reports. */
export interface EvaluationCost {
  images: number;
  wallMs: number;
  perImageMs: number;
  stages: Record<string, number>;
}

export function evaluationCost(images: number, wallMs: number, stages: Record<string, number>): EvaluationCost {
  return {
    images,
    wallMs: round(wallMs),
    perImageMs: round(wallMs / images),
    stages: Object.fromEntries(Object.entries(stages).map(([stage, ms]) => [stage, round(ms)])),
  };
}
