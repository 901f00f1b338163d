// The bench's browser part: the built app (dist/, served by `vite preview` with its COOP/COEP
// headers) in Debian's Chromium, driven by playwright-core, one fresh context (cold cache) per engine.
// It reads what the page shows: the first reconstruction, the model's load time, per-stage timings of
// repeated reconstructions with the live preview on and off, the retrieval query time, the JS heap of
// the page and of its workers, and whether a reload is served from the bundle cache. Node only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { errorText } from '../src/data/bundleSource';
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

export type BrowserEngine = 'wasm' | 'webgpu';

/** The page decodes this model and subject (the app would otherwise take whichever model loads first). */
export const BENCH_QUERY = { subject: 'subj01', model: 'models/mini-subj01-finetuned/' };

export interface BrowserBenchOptions {
  engine: BrowserEngine;
  /** The served app, ending in '/'. */
  baseUrl: string;
  runs: number;
  /** Repeated runs stop (after at least one per mode) once this many seconds have passed for the engine. */
  timeLimitS: number;
  /** The longest wait for the first reconstruction; later ones get at most 4x its time (>= 60 s). */
  waitTimeoutS: number;
  log?: (message: string) => void;
}

export interface RunsResult {
  runs: number;
  stoppedEarly: string | null;
  /** data-timings: ms per stage, as the worker measured them. */
  stages: Record<string, Summary>;
  /** adapter + backbone + prior + decoder + vaeDecoder. */
  pipelineMs: Summary;
  /** data-wall-ms: click to image, as the page measured it (messages, preview images, rendering). */
  wallMs: Summary;
}

export interface HeapSample {
  when: string;
  /** The page's JSHeapUsedSize (CDP Performance.getMetrics). */
  pageMB: number;
  /** The workers' JS heaps (Runtime.getHeapUsage usedSize): the inference worker and ORT's own. */
  workersMB: number;
  /** ArrayBuffer backing stores of the page and the workers (Runtime.getHeapUsage backingStorageSize). */
  arrayBuffersMB: number;
  totalMB: number;
  workers: { url: string; usedMB: number; arrayBuffersMB: number }[];
}

export interface BrowserBenchResult {
  url: string;
  /** What [data-testid=engine] says. */
  engineText: string;
  /** The backend that ran: 'wasm' when WebGPU was asked for but not available. */
  backend: BrowserEngine | null;
  /** Why WASM runs instead of WebGPU, when WebGPU was asked for. */
  fallbackReason: string | null;
  /** page.goto to [data-testid=main-reconstruction] visible, cold cache. */
  firstReconstructionMs: number | null;
  /** The automatic first reconstruction's own timings (its wall time includes the model load). */
  firstRun: { stages: Record<string, number>; wallMs: number | null } | null;
  modelLoadMs: number | null;
  /** data-query-ms of every reconstruction (the query alone, over the dataset's test images). */
  retrievalQueryMs: Summary | null;
  retrievalGallery: number | null;
  preview: RunsResult | null;
  noPreview: RunsResult | null;
  /** The Measure panel's evaluation of the first test images: click to table (null: failed). */
  evaluation: EvaluationCost | null;
  heap: { peakMB: number | null; samples: HeapSample[] };
  /** .onnx requests that reached the network: on the cold load, and on a reload (should be 0). */
  onnxRequests: { cold: number; reload: number | null };
  /** When the page first showed each thing, ms since navigation start (a MutationObserver in the page). */
  milestones: Milestones | null;
  reload: { firstReconstructionMs: number; modelLoadMs: number | null; milestones: Milestones | null } | null;
  errors: { phase: string; message: string }[];
  consoleErrors: string[];
  elapsedMs: number;
}

const RESULT = '[data-testid=main-reconstruction]';
const TIMINGS = '[data-testid=main-timings]';
const RANK = '[data-testid=main-resemblance]';
const RETRIEVAL = '[data-testid=main-retrieval-status]';

export async function benchBrowserEngine(browser: Browser, options: BrowserBenchOptions): Promise<BrowserBenchResult> {
  const started = performance.now();
  const deadline = started + options.timeLimitS * 1000;
  let timeout = options.waitTimeoutS * 1000;
  const log = (message: string) => options.log?.(`browser ${options.engine}: ${message}`);
  const params = new URLSearchParams({ engine: options.engine, ...BENCH_QUERY });
  const url = `${options.baseUrl}?${params}`;
  const result: BrowserBenchResult = {
    url,
    engineText: '',
    backend: null,
    fallbackReason: null,
    firstReconstructionMs: null,
    firstRun: null,
    modelLoadMs: null,
    retrievalQueryMs: null,
    retrievalGallery: null,
    preview: null,
    noPreview: null,
    evaluation: null,
    milestones: null,
    heap: { peakMB: null, samples: [] },
    onnxRequests: { cold: 0, reload: null },
    reload: null,
    errors: [],
    consoleErrors: [],
    elapsedMs: 0,
  };
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      result.errors.push({ phase: name, message: errorText(error).split('\n')[0]! });
      log(`${name} failed: ${errorText(error).split('\n')[0]!}`);
      return null;
    }
  };

  const context = await browser.newContext();
  const browserSession = await browser.newBrowserCDPSession();
  try {
    // The app's fetcher answers from Cache Storage without a request; context-level events include
    // the requests of the page's workers.
    let onnx = 0;
    context.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('.onnx')) onnx++;
    });
    const page = await context.newPage();
    await page.addInitScript(recordMilestones);
    page.on('console', (message) => {
      if (message.type() === 'error' && result.consoleErrors.length < 10) result.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => {
      if (result.consoleErrors.length < 10) result.consoleErrors.push(error.message);
    });
    const pageSession = await context.newCDPSession(page);
    await pageSession.send('Performance.enable');
    const queryTimes: number[] = [];
    const sampleHeap = async (when: string) => {
      const sample = await phase(`heap (${when})`, () =>
        withTimeout(heapSample(pageSession, browserSession, options.baseUrl, when), 30_000, 'the heap sample'),
      );
      if (sample) result.heap.samples.push(sample);
    };

    const first = await phase('first reconstruction', async () => {
      const start = performance.now();
      await page.goto(url);
      await page.locator(RESULT).waitFor({ state: 'visible', timeout });
      return performance.now() - start;
    });
    result.onnxRequests.cold = onnx;
    await phase('engine', async () => {
      const text = await page.locator('[data-testid=engine]').textContent({ timeout: 30_000 });
      result.engineText = (text ?? '').trim();
      if (/^Engine:/.test(result.engineText)) result.backend = /\(WebGPU\)/.test(result.engineText) ? 'webgpu' : 'wasm';
      const fallback = /\(WASM because (.*?)\)/.exec(result.engineText)?.[1] ?? null;
      result.fallbackReason = options.engine === 'webgpu' ? fallback : null;
    });
    if (first !== null) {
      result.firstReconstructionMs = round(first);
      log(`first reconstruction ${result.firstReconstructionMs.toFixed(0)} ms (${result.engineText})`);
      // A run that takes far longer than the first one (which also loaded everything) is stuck.
      timeout = Math.min(timeout, Math.max(60_000, 4 * first));
      await phase('first result', async () => {
        const shown = await readResult(page);
        result.firstRun = { stages: shown.timings, wallMs: shown.wallMs };
        result.modelLoadMs = shown.loadMs;
        queryTimes.push(await readQueryMs(page, timeout));
        const title = await page.locator('#main-retrieval-title').textContent();
        result.retrievalGallery = Number(/of (\d+) test images/.exec(title ?? '')?.[1]) || null;
        await page.locator(RANK).waitFor({ state: 'visible', timeout });
      });
      // After the retrieval list and the rank, so that their milestones are in.
      result.milestones = await readMilestones(page);
      await sampleHeap('after the first reconstruction');

      // The timed runs start once the page is idle: the check of the bundle's other files and the
      // brain view's first drawing (NiiVue on software GL here) both start after the first result
      // and held the CPU through the first timed runs, which were the preview runs.
      await phase('page settled', async () => {
        await page.locator('[data-testid=bundle-checked]').waitFor({ state: 'visible', timeout });
        await page.locator('.brain-colorbar').first().waitFor({ state: 'visible', timeout });
      });
      const reconstructButton = page.getByRole('button', { name: 'Reconstruct', exact: true });
      const previewBox = page.getByLabel('show the image forming');
      const once = async (preview: boolean, run: number): Promise<ShownResult> => {
        await previewBox.setChecked(preview);
        const before = await page.locator(TIMINGS).getAttribute('data-timings');
        await reconstructButton.click();
        await page.waitForFunction(
          ([selector, old]) => {
            const shown = document.querySelector(selector!);
            return shown !== null && shown.getAttribute('data-timings') !== old && shown.hasAttribute('data-wall-ms');
          },
          [TIMINGS, before] as const,
          { timeout },
        );
        const shown = await readResult(page);
        // Wait for this run's retrieval too, so it does not run inside the next run's time.
        queryTimes.push(await readQueryMs(page, timeout));
        log(`run ${run + 1}, preview ${preview ? 'on' : 'off'}: ${shown.wallMs?.toFixed(0)} ms click to image`);
        return shown;
      };
      // Preview on and off alternate, so that whatever else the machine does falls on both alike.
      const runs = await phase('runs, preview on and off', () =>
        repeatWithin(options.runs, deadline, async (run) => ({
          on: await once(true, run),
          off: await once(false, run),
        })),
      );
      if (runs) {
        result.preview = summarizeRuns(
          runs.results.map((r) => r.on),
          runs.stoppedEarly,
        );
        result.noPreview = summarizeRuns(
          runs.results.map((r) => r.off),
          runs.stoppedEarly,
        );
      }
      await sampleHeap('after the runs');
      result.evaluation = await phase('evaluation', async () => {
        log(`evaluation of the first ${EVALUATION_IMAGES} test images (the Measure panel)`);
        const panel = page.getByRole('region', { name: /^Measure:/ });
        await panel.getByLabel('Test images').selectOption(String(EVALUATION_IMAGES));
        const start = performance.now();
        await panel.getByRole('button', { name: 'Run evaluation' }).click();
        const table = page.getByTestId('metrics-table');
        await table.waitFor({ state: 'visible', timeout });
        const wallMs = performance.now() - start;
        const stages = JSON.parse((await table.getAttribute('data-timings')) ?? '{}') as Record<string, number>;
        return evaluationCost(EVALUATION_IMAGES, wallMs, stages);
      });
      if (queryTimes.length > 0) result.retrievalQueryMs = summarize(queryTimes, 3);

      result.reload = await phase('reload', async () => {
        log('reload');
        onnx = 0;
        const start = performance.now();
        await page.reload();
        await page.locator(RESULT).waitFor({ state: 'visible', timeout });
        const ms = performance.now() - start;
        await page.locator(RANK).waitFor({ state: 'visible', timeout });
        result.onnxRequests.reload = onnx;
        return {
          firstReconstructionMs: round(ms),
          modelLoadMs: (await readResult(page)).loadMs,
          milestones: await readMilestones(page),
        };
      });
      await sampleHeap('after the reload');
    }
    const peaks = result.heap.samples.map((s) => s.totalMB);
    result.heap.peakMB = peaks.length > 0 ? Math.max(...peaks) : null;
  } finally {
    await browserSession.detach().catch(() => undefined);
    await context.close();
    result.elapsedMs = round(performance.now() - started, 0);
  }
  return result;
}

export interface Milestones {
  /** The dataset table (the bundle is loaded and validated). */
  datasetShown?: number;
  /** [data-testid=engine] says "Engine: ...". */
  engineReady?: number;
  /** The first live-preview image. */
  firstPreview?: number;
  firstReconstruction?: number;
  /** The top-k retrieval list of the first reconstruction. */
  retrievalShown?: number;
  /** The rank of the seen image among the test images (by the reconstruction). */
  rankShown?: number;
}

/** Runs in the page before its scripts (page.addInitScript), on every navigation. */
function recordMilestones(): void {
  const marks: Record<string, number> = {};
  (window as unknown as { __benchMilestones: Record<string, number> }).__benchMilestones = marks;
  const selectors: Record<string, string> = {
    datasetShown: 'table.subjects',
    firstPreview: '[data-testid=main-preview]',
    firstReconstruction: '[data-testid=main-reconstruction]',
    retrievalShown: '[data-testid=main-retrieval] li',
    rankShown: '[data-testid=main-resemblance]',
  };
  const observer = new MutationObserver(() => {
    const now = performance.now();
    for (const [name, selector] of Object.entries(selectors))
      if (!(name in marks) && document.querySelector(selector)) marks[name] = Math.round(now);
    const engine = document.querySelector('[data-testid=engine]')?.textContent ?? '';
    if (!('engineReady' in marks) && engine.trim().startsWith('Engine:')) marks.engineReady = Math.round(now);
    if (Object.keys(marks).length === Object.keys(selectors).length + 1) observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}

async function readMilestones(page: Page): Promise<Milestones | null> {
  return page
    .evaluate(() => (window as unknown as { __benchMilestones?: Milestones }).__benchMilestones ?? null)
    .catch(() => null);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

type ShownResult = Awaited<ReturnType<typeof readResult>>;

function summarizeRuns(results: readonly ShownResult[], stoppedEarly: string | null): RunsResult {
  return {
    runs: results.length,
    stoppedEarly,
    stages: summarizeStages(results.map((r) => r.timings)),
    pipelineMs: summarize(results.map((r) => pipelineMs(r.timings))),
    wallMs: summarize(results.map((r) => r.wallMs ?? Number.NaN)),
  };
}

async function readResult(page: Page) {
  const attributes = await page
    .locator(TIMINGS)
    .evaluate((element) => [element.dataset.timings, element.dataset.wallMs, element.dataset.loadMs] as const);
  const [timings, wallMs, loadMs] = attributes;
  const number = (text: string | undefined) => (text === undefined || text === '' ? null : round(Number(text)));
  return {
    timings: Object.fromEntries(
      Object.entries(JSON.parse(timings ?? '{}') as Record<string, number>).map(([stage, ms]) => [stage, round(ms)]),
    ),
    wallMs: number(wallMs),
    loadMs: number(loadMs),
  };
}

async function readQueryMs(page: Page, timeout: number): Promise<number> {
  const status = page.locator(RETRIEVAL);
  await status.waitFor({ state: 'visible', timeout });
  return Number(await status.getAttribute('data-query-ms'));
}

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

/**
 * The page's heap, through its CDP session, and each worker's, through the browser session: workers
 * are attached without `flatten` (Playwright's sessions cannot address flattened child sessions), so
 * their answers come back as Target.receivedMessageFromTarget events.
 */
async function heapSample(
  pageSession: CDPSession,
  browserSession: CDPSession,
  origin: string,
  when: string,
): Promise<HeapSample> {
  const { metrics } = await pageSession.send('Performance.getMetrics');
  const pageUsed = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  const pageUsage = (await pageSession.send('Runtime.getHeapUsage')) as HeapUsage;
  const { targetInfos } = await browserSession.send('Target.getTargets');
  const workers: HeapSample['workers'] = [];
  for (const target of targetInfos.filter((t) => t.type === 'worker' && t.url.startsWith(origin))) {
    const usage = await workerHeapUsage(browserSession, target.targetId).catch(() => null);
    if (usage)
      workers.push({
        url: target.url.slice(origin.length),
        usedMB: bytesToMB(usage.usedSize),
        arrayBuffersMB: bytesToMB(usage.backingStorageSize ?? 0),
      });
  }
  const workersMB = round(
    workers.reduce((sum, w) => sum + w.usedMB, 0),
    1,
  );
  const arrayBuffersMB = round(
    bytesToMB(pageUsage.backingStorageSize ?? 0) + workers.reduce((sum, w) => sum + w.arrayBuffersMB, 0),
    1,
  );
  const pageMB = bytesToMB(pageUsed);
  return { when, pageMB, workersMB, arrayBuffersMB, totalMB: round(pageMB + workersMB + arrayBuffersMB, 1), workers };
}

let messageId = 0;

async function workerHeapUsage(browserSession: CDPSession, targetId: string): Promise<HeapUsage> {
  const { sessionId } = await browserSession.send('Target.attachToTarget', { targetId, flatten: false });
  const id = ++messageId;
  try {
    const answer = new Promise<HeapUsage>((resolve, reject) => {
      const timer = setTimeout(() => {
        browserSession.off('Target.receivedMessageFromTarget', listen);
        reject(new Error('no answer from the worker'));
      }, 5000);
      const listen = (event: { sessionId: string; message: string }) => {
        if (event.sessionId !== sessionId) return;
        const message = JSON.parse(event.message) as { id?: number; result?: HeapUsage; error?: { message: string } };
        if (message.id !== id) return;
        clearTimeout(timer);
        browserSession.off('Target.receivedMessageFromTarget', listen);
        if (message.result) resolve(message.result);
        else reject(new Error(message.error?.message ?? 'no heap usage'));
      };
      browserSession.on('Target.receivedMessageFromTarget', listen);
    });
    await browserSession.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
    });
    return await answer;
  } finally {
    await browserSession.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
  }
}

// --- the built app and its server ---

/** Why dist/ must be (re)built, or null when it is current. */
export function buildReason(root: string, force: boolean): string | null {
  if (force) return '--build';
  const index = join(root, 'dist', 'index.html');
  if (!existsSync(index)) return 'dist/ is missing';
  const built = statSync(index).mtimeMs;
  const inputs = ['index.html', 'vite.config.ts', 'package.json', 'src', 'public'].map((p) => join(root, p));
  const newer = inputs.find((path) => newestMtime(path) > built);
  return newer ? `${relative(root, newer)} changed after dist/ was built` : null;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(path) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const viteBin = (root: string) => join(root, 'node_modules', 'vite', 'bin', 'vite.js');

/** `vite build`, its output on our stderr. */
export function viteBuild(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin(root), 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Preview {
  url: string;
  stop(): Promise<void>;
}

/** `vite preview --port <port> --strictPort` on dist/ (it sends the COOP/COEP headers), once it answers. */
export async function startPreview(root: string, port: number): Promise<Preview> {
  const child: ChildProcess = spawn(
    process.execPath,
    [viteBin(root), 'preview', '--port', String(port), '--strictPort'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
  };
  const url = `http://localhost:${port}/`;
  for (const start = performance.now(); performance.now() - start < 30_000;) {
    if (exited) throw new Error(`vite preview stopped: ${output.trim().split('\n').slice(-5).join('\n')}`);
    const answered = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`vite preview did not answer on ${url} within 30 s`);
}
