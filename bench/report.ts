// The bench's report: its JSON shape, the budgets of DESIGN §7 checked against what was measured, and
// the readable table `npm run bench` prints without --json.
import type { BrowserBenchResult, BrowserEngine, RunsResult } from './browser';
import type { ExecutionProvider, NodeBenchResult } from './node';
import type { Summary } from './stats';

export type Failed = { error: string };

export interface BenchReport {
  machine: {
    cpus: number;
    model: string;
    /** 1, 5 and 15 minute load averages when the bench started (and ended): others' work slows it. */
    loadavg: number[];
    loadavgEnd: number[];
    node: string;
    chromium: string | null;
  };
  options: { runs: number; engines: string[]; timeLimitS: number; waitTimeoutS: number };
  app: { url: string; build: string | null; buildMs: number | null } | null;
  browser: Partial<Record<BrowserEngine, BrowserBenchResult | Failed>>;
  node: Partial<Record<ExecutionProvider, NodeBenchResult | Failed>>;
  budgets: Record<string, Budget>;
  elapsedMs: number;
}

export interface Budget {
  what: string;
  limit: number;
  unit: 'ms' | 'MB' | 'x' | '%';
  /** null: not measured in this run (engine skipped or failed). */
  measured: number | null;
  /** null: not measured, or measured where the budget does not apply (WebGPU on SwiftShader). */
  pass: boolean | null;
  source: string;
  note?: string;
}

const ok = <T extends object>(value: T | Failed | undefined): T | undefined =>
  value && !('error' in value) ? value : undefined;

function budget(
  what: string,
  limit: number,
  unit: Budget['unit'],
  measured: number | null | undefined,
  source: string,
  note?: string,
): Budget {
  const value = measured === undefined || Number.isNaN(measured) ? null : measured;
  return {
    what,
    limit,
    unit,
    measured: value,
    pass: value === null ? null : value <= limit,
    source,
    ...(note ? { note } : {}),
  };
}

/** DESIGN §7's budgets, against this run's numbers. */
export function checkBudgets(report: Pick<BenchReport, 'browser' | 'node'>): Record<string, Budget> {
  const wasm = ok(report.browser.wasm);
  const webgpu = ok(report.browser.webgpu);
  const nodeCpu = ok(report.node.cpu);
  const ranWebgpu = webgpu?.backend === 'webgpu' ? webgpu : undefined;
  const heaps = [wasm, webgpu].flatMap((r) => (r?.heap.peakMB != null ? [r.heap.peakMB] : []));
  const budgets: Record<string, Budget> = {
    reconstructionWasm: budget(
      'full reconstruction (adapter -> backbone -> prior -> decoder -> image), WASM, headless Chromium',
      1000,
      'ms',
      wasm?.noPreview?.pipelineMs.median,
      'browser.wasm.noPreview.pipelineMs.median: the five stages as the worker timed them, live preview off',
    ),
    reconstructionWasmClick: budget(
      'the same as the user waits for it: click to image, with the live preview (the app default)',
      1000,
      'ms',
      wasm?.preview?.wallMs.median,
      'browser.wasm.preview.wallMs.median (data-wall-ms)',
    ),
    reconstructionWebgpu: gpuBudget(ranWebgpu, wasm, webgpu),
    retrieval: budget(
      'top-k retrieval over the 1000 test images',
      10,
      'ms',
      nodeCpu?.retrieval.ms.median,
      'node.cpu.retrieval.ms.median: RetrievalGallery.topK(k=5) over 1000 random embeddings, median of 100 queries',
    ),
    retrievalBrowser: budget(
      'top-k retrieval in the app (the shipped test images)',
      10,
      'ms',
      wasm?.retrievalQueryMs?.median,
      `browser.wasm.retrievalQueryMs.median (data-query-ms, ${wasm?.retrievalGallery ?? '?'} test images)`,
    ),
    firstReconstruction: budget(
      'first reconstruction after opening the page (local server, cold cache), WASM',
      5000,
      'ms',
      wasm?.firstReconstructionMs,
      'browser.wasm.firstReconstructionMs: page.goto to the image shown',
    ),
    firstReconstructionWebgpu: budget(
      'the same, WebGPU',
      5000,
      'ms',
      webgpu?.firstReconstructionMs,
      'browser.webgpu.firstReconstructionMs',
      webgpu && !ranWebgpu
        ? `ran on WASM: ${webgpu.fallbackReason ?? webgpu.engineText}`
        : ranWebgpu && /swiftshader/i.test(ranWebgpu.engineText)
          ? 'on SwiftShader, a CPU emulation of a GPU'
          : undefined,
    ),
    heap: budget(
      'peak JS heap while the demo runs',
      500,
      'MB',
      heaps.length > 0 ? Math.max(...heaps) : null,
      'max over browser engines of heap.peakMB: page JS heap + workers JS heaps + ArrayBuffers, sampled after each phase',
      'sampled, not a true peak; WASM linear memory (shared with ORT threads) may not be counted',
    ),
    ...startupBudgets(wasm),
    ...engineRatioBudgets(wasm, nodeCpu),
  };
  return budgets;
}

/** The cold start against the warm runs of the same bench (issue 11): the first picture and the retrieval after it. */
function startupBudgets(wasm: BrowserBenchResult | undefined): Record<string, Budget> {
  const warm = wasm?.preview?.wallMs.median;
  const first = wasm?.firstReconstructionMs;
  const marks = wasm?.milestones;
  const after =
    marks?.retrievalShown !== undefined && marks.firstReconstruction !== undefined
      ? marks.retrievalShown - marks.firstReconstruction
      : null;
  return {
    firstReconstructionFast: budget(
      'first reconstruction after opening the page, cold cache, WASM: the first picture at once',
      2500,
      'ms',
      first,
      'browser.wasm.firstReconstructionMs',
    ),
    firstReconstructionVsWarm: budget(
      'the same, as a multiple of a warm click-to-image (live preview on) of the same run',
      4,
      'x',
      first != null && warm !== undefined ? round2(first / warm) : null,
      'browser.wasm.firstReconstructionMs / browser.wasm.preview.wallMs.median',
    ),
    retrievalAfterImage: budget(
      'the first retrieval list, after the first image',
      300,
      'ms',
      after,
      'browser.wasm.milestones.retrievalShown - firstReconstruction',
    ),
  };
}

/**
 * WASM in Chromium against onnxruntime-node on the same machine, stage by stage (the same pipeline
 * code; issue 11 asks for at most 1.5x), and what the live preview adds to the pipeline (15 %).
 */
function engineRatioBudgets(
  wasm: BrowserBenchResult | undefined,
  node: NodeBenchResult | undefined,
): Record<string, Budget> {
  const budgets: Record<string, Budget> = {};
  const stages = wasm?.noPreview?.stages ?? {};
  for (const stage of ['adapter', 'backbone', 'prior', 'decoder']) {
    const web = stages[stage]?.median;
    const native = node?.stages[stage]?.median;
    budgets[`wasmVsNode.${stage}`] = budget(
      `the ${stage} on WASM (Chromium) as a multiple of onnxruntime-node (CPU), same machine`,
      1.5,
      'x',
      web !== undefined && native !== undefined && native > 0 ? round2(web / native) : null,
      `browser.wasm.noPreview.stages.${stage}.median / node.cpu.stages.${stage}.median`,
    );
  }
  const withPreview = wasm?.preview?.pipelineMs.median;
  const without = wasm?.noPreview?.pipelineMs.median;
  budgets.previewOverhead = budget(
    'what the live preview adds to the pipeline, WASM',
    15,
    '%',
    withPreview !== undefined && without !== undefined ? round2((withPreview / without - 1) * 100) : null,
    'browser.wasm.preview.pipelineMs.median / browser.wasm.noPreview.pipelineMs.median - 1',
  );
  const browserEval = wasm?.evaluation?.perImageMs;
  const nodeEval = node?.evaluation?.perImageMs;
  budgets.evaluationWasmVsNode = budget(
    'the evaluation in the browser (Measure panel, WASM), per test image, as a multiple of the same evaluation code on onnxruntime-node',
    1.5,
    'x',
    browserEval !== undefined && nodeEval !== undefined && nodeEval > 0 ? round2(browserEval / nodeEval) : null,
    'browser.wasm.evaluation.perImageMs / node.cpu.evaluation.perImageMs',
  );
  return budgets;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * DESIGN's WebGPU budget is for an H100-class GPU: measured on SwiftShader (Chromium's CPU Vulkan
 * driver) it is reported, with pass null (does not apply), not as a failure.
 */
function gpuBudget(
  ran: BrowserBenchResult | undefined,
  wasm: BrowserBenchResult | undefined,
  asked: BrowserBenchResult | undefined,
): Budget {
  const measured = ran?.noPreview?.pipelineMs.median;
  const result = budget(
    'full reconstruction on WebGPU (DESIGN: on an H100-class GPU), and faster than the same machine on WASM',
    150,
    'ms',
    measured,
    'browser.webgpu.noPreview.pipelineMs.median',
  );
  if (asked && !ran) return { ...result, note: `WebGPU did not run: ${asked.fallbackReason ?? asked.engineText}` };
  if (!ran || result.measured === null) return result;
  const cpu = wasm?.noPreview?.pipelineMs.median;
  const notes = [`measured on: ${ran.engineText}`];
  if (cpu !== undefined)
    notes.push(`WASM here: ${cpu.toFixed(0)} ms, so WebGPU is ${result.measured < cpu ? 'faster' : 'slower'}`);
  const emulated = /swiftshader/i.test(ran.engineText);
  if (emulated) notes.push('SwiftShader is a CPU emulation of a GPU: the budget does not apply here');
  return {
    ...result,
    pass: emulated ? null : result.pass && (cpu === undefined || result.measured < cpu),
    note: notes.join('; '),
  };
}

// --- the readable table ---

const ms = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
const pair = (s: Summary | undefined, digits = 0) => (s ? `${ms(s.median, digits)} / ${ms(s.min, digits)}` : '—');

function stageTable(
  rows: { label: string; stages: Record<string, Summary>; extra: Record<string, Summary> }[],
): string {
  const columns = [...new Set(rows.flatMap((r) => [...Object.keys(r.stages), ...Object.keys(r.extra)]))];
  const table = [
    ['ms: median / min', ...columns],
    ...rows.map((r) => [r.label, ...columns.map((c) => pair(r.stages[c] ?? r.extra[c]))]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map(
      (row) =>
        '    ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
}

const runsLabel = (label: string, runs: RunsResult) =>
  `${label} (${runs.runs} run${runs.runs === 1 ? '' : 's'}${runs.stoppedEarly ? ', time limit' : ''})`;

function browserSection(engine: string, result: BrowserBenchResult | Failed): string {
  if ('error' in result) return `  ${engine}: failed: ${result.error}`;
  const lines = [`  ${engine}: ${result.engineText || '(no engine shown)'}`];
  lines.push(
    `    first reconstruction ${ms(result.firstReconstructionMs)} ms (cold cache), model load ${ms(result.modelLoadMs)} ms; ` +
      `after a reload ${ms(result.reload?.firstReconstructionMs)} ms (model load ${ms(result.reload?.modelLoadMs)} ms)`,
  );
  lines.push(
    `    .onnx requests to the network: ${result.onnxRequests.cold} cold, ${result.onnxRequests.reload ?? '—'} on reload; ` +
      `retrieval query ${pair(result.retrievalQueryMs ?? undefined, 2)} ms over ${result.retrievalGallery ?? '?'} images`,
  );
  const marks = (m: BrowserBenchResult['milestones']) =>
    m
      ? `dataset shown ${ms(m.datasetShown)}, engine ready ${ms(m.engineReady)}, first preview ${ms(m.firstPreview)}, image ${ms(m.firstReconstruction)}, retrieval ${ms(m.retrievalShown)}, rank ${ms(m.rankShown)}`
      : '—';
  lines.push(
    `    ms since navigation: ${marks(result.milestones)}; after a reload: ${marks(result.reload?.milestones ?? null)}`,
  );
  const peak = result.heap.samples.find((s) => s.totalMB === result.heap.peakMB);
  lines.push(
    peak
      ? `    heap peak ${peak.totalMB} MB (page ${peak.pageMB}, workers ${peak.workersMB}, ArrayBuffers ${peak.arrayBuffersMB}; ${peak.when})`
      : '    heap: not measured',
  );
  const rows = [
    ...(result.preview ? [{ label: runsLabel('preview on', result.preview), runs: result.preview }] : []),
    ...(result.noPreview ? [{ label: runsLabel('preview off', result.noPreview), runs: result.noPreview }] : []),
  ].map(({ label, runs }) => ({
    label,
    stages: runs.stages,
    extra: { pipeline: runs.pipelineMs, 'click->image': runs.wallMs },
  }));
  if (rows.length > 0) lines.push(stageTable(rows));
  for (const error of result.errors) lines.push(`    ! ${error.phase}: ${error.message}`);
  return lines.join('\n');
}

function nodeSection(ep: string, result: NodeBenchResult | Failed): string {
  if ('error' in result) return `  ${ep}: failed: ${result.error}`;
  const lines = [
    `  ${ep}: ${result.engine}${result.vulkanIcd !== undefined ? `, Vulkan ICD ${result.vulkanIcd ?? 'system default'}` : ''}`,
    `    model load ${ms(result.modelLoadMs)} ms, warm-up ${ms(result.warmupMs)} ms; retrieval ${pair(result.retrieval.ms, 3)} ms ` +
      `(top-${result.retrieval.k} of ${result.retrieval.gallery}); heap ${result.memory.heapUsedMB} MB, RSS ${result.memory.rssMB} MB`,
    stageTable([
      {
        label: `${result.runs} run${result.runs === 1 ? '' : 's'}${result.stoppedEarly ? ', time limit' : ''}`,
        stages: result.stages,
        extra: { pipeline: result.pipelineMs, reconstruct: result.reconstructMs },
      },
    ]),
  ];
  return lines.join('\n');
}

export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const out = [
    `machine: ${machine.cpus} × ${machine.model}, load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')} at the start ` +
      `(${machine.loadavgEnd.map((l) => l.toFixed(2)).join(' ')} at the end), Node ${machine.node}` +
      (machine.chromium ? `, Chromium ${machine.chromium}` : ''),
  ];
  if (Object.keys(report.browser).length > 0) {
    out.push(
      '',
      `browser (${report.app?.url ?? 'no server'}${report.app?.build ? `, rebuilt: ${report.app.build}` : ''})`,
    );
    for (const [engine, result] of Object.entries(report.browser)) out.push(browserSection(engine, result));
  }
  if (Object.keys(report.node).length > 0) {
    out.push('', 'node (InferenceService on onnxruntime-node)');
    for (const [ep, result] of Object.entries(report.node)) out.push(nodeSection(ep, result));
  }
  out.push('', 'budgets (DESIGN §7) and targets (issue 11)');
  for (const b of Object.values(report.budgets)) {
    const verdict = b.pass === null ? (b.measured === null ? 'not measured' : 'n/a') : b.pass ? 'pass' : 'FAIL';
    out.push(
      `  ${verdict.padEnd(12)} ${ms(b.measured, b.unit === 'x' || (b.unit === 'ms' && b.limit <= 10) ? 2 : 0).padStart(7)} ${b.unit} <= ${b.limit} ${b.unit}  ${b.what}` +
        (b.note ? ` (${b.note})` : ''),
    );
  }
  out.push('', `bench took ${(report.elapsedMs / 1000).toFixed(0)} s`);
  return out.join('\n');
}
