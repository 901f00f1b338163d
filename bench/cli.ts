// npm run bench -- [--json] [--runs N] [--engines wasm,webgpu,node-cpu,node-webgpu] [--skip-browser]
//                  [--port N] [--build] [--time-limit S] [--wait-timeout S] [--chromium-flag=F ...]
// Per-stage timings against DESIGN §7's budgets: the built app in Debian's Chromium (WASM and
// WebGPU), and the worker's InferenceService on onnxruntime-node (CPU and its WebGPU EP). Reports what
// it measured, failing budgets included. Exits 0 when it ran (an engine that failed, or a build or
// server that did not start, is reported in the output with its reason), 1 on an unexpected error,
// 2 for usage.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import config from '../playwright.config';
import { errorText } from '../src/data/bundleSource';
import {
  benchBrowserEngine,
  buildReason,
  freePort,
  startPreview,
  viteBuild,
  type BrowserEngine,
  type Preview,
} from './browser';
import { benchNode, benchNodeInChild, type ExecutionProvider } from './node';
import { checkBudgets, formatReport, type BenchReport } from './report';
import { round } from './stats';
import { cliMain } from '../src/cli/cliMain';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINES = ['wasm', 'webgpu', 'node-cpu', 'node-webgpu'] as const;
type EngineName = (typeof ENGINES)[number];

const USAGE = `usage: npm run bench -- [--json] [--runs N] [--engines ${ENGINES.join(',')}] [--skip-browser]
         [--port N] [--build] [--time-limit S] [--wait-timeout S] [--chromium-flag=F ...]
  --runs N          timed reconstructions per engine and mode (default 5; after 1 warm-up in Node)
  --engines list    which of ${ENGINES.join(', ')} (default all)
  --skip-browser    only the Node engines
  --port N          the port for vite preview (default: a free one)
  --build           run vite build first (it also runs when dist/ is missing or older than the sources)
  --time-limit S    per engine: no further repeated runs once S seconds have passed (default 300);
                    slow engines (WebGPU on SwiftShader: minutes per image) then report fewer runs
  --wait-timeout S  the longest wait for the first reconstruction (default 900); later ones may take
                    4 times as long as the first (at least 60 s) before they count as stuck
  --chromium-flag=F an extra Chromium flag, repeatable (an NVIDIA GPU: --chromium-flag=--use-angle=vulkan
                    --chromium-flag=--enable-features=Vulkan --chromium-flag=--disable-vulkan-surface)
The WebGPU EP in Node uses VK_ICD_FILENAMES when set, else SwiftShader from /usr/lib/chromium.
(npm run -s bench -- --json prints the JSON alone, without npm's banner)`;

class UsageError extends Error {}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
      engines: { type: 'string', default: ENGINES.join(',') },
      'skip-browser': { type: 'boolean', default: false },
      port: { type: 'string' },
      build: { type: 'boolean', default: false },
      'time-limit': { type: 'string', default: '300' },
      'wait-timeout': { type: 'string', default: '900' },
      'chromium-flag': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  const integer = (name: string, text: string | undefined, min: number, max = Infinity) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new UsageError(
        `--${name} must be an integer from ${min}${max < Infinity ? ` to ${max}` : ''}, not "${text}"`,
      );
    return value;
  };
  const engines = values.engines.split(',').map((e) => e.trim());
  const unknown = engines.filter((e) => !(ENGINES as readonly string[]).includes(e));
  if (unknown.length > 0 || engines.length === 0)
    throw new UsageError(`--engines takes ${ENGINES.join(', ')}, not "${unknown.join(',') || values.engines}"`);
  const chosen = ENGINES.filter(
    (e) => engines.includes(e) && !(values['skip-browser'] && (e === 'wasm' || e === 'webgpu')),
  );
  if (chosen.length === 0) throw new UsageError('--skip-browser leaves no engine to run');
  return {
    help: values.help,
    json: values.json,
    runs: integer('runs', values.runs, 1)!,
    engines: chosen as EngineName[],
    port: integer('port', values.port, 1, 65535),
    build: values.build,
    timeLimitS: integer('time-limit', values['time-limit'], 1)!,
    waitTimeoutS: integer('wait-timeout', values['wait-timeout'], 1)!,
    chromiumFlags: values['chromium-flag'],
  };
}

type Options = ReturnType<typeof parse>;

/** Runs the bench and returns its report; progress goes to `log`. */
async function runBench(options: Options, log: (message: string) => void): Promise<BenchReport> {
  const start = performance.now();
  const report: BenchReport = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model.trim() ?? 'unknown',
      loadavg: loadavg().map((l) => round(l)),
      loadavgEnd: [],
      node: process.version,
      chromium: null,
    },
    options: {
      runs: options.runs,
      engines: options.engines,
      timeLimitS: options.timeLimitS,
      waitTimeoutS: options.waitTimeoutS,
    },
    app: null,
    browser: {},
    node: {},
    budgets: {},
    elapsedMs: 0,
  };
  log(`load average at the start: ${report.machine.loadavg.join(' ')} (${report.machine.cpus} CPUs)`);

  const browserEngines = options.engines.filter((e): e is BrowserEngine => e === 'wasm' || e === 'webgpu');
  if (browserEngines.length > 0) {
    try {
      await benchBrowser(options, browserEngines, report, log);
    } catch (error) {
      // No build or no server: the browser engines are reported as failed, the Node ones still run.
      for (const engine of browserEngines) report.browser[engine] ??= { error: errorText(error) };
      log(`browser: ${errorText(error)}`);
    }
  }

  for (const ep of ['cpu', 'webgpu'] as const satisfies readonly ExecutionProvider[]) {
    if (!options.engines.includes(`node-${ep}`)) continue;
    log(`node ${ep}: loading the model, 1 warm-up, up to ${options.runs} runs…`);
    const nodeOptions = { executionProvider: ep, runs: options.runs, timeLimitS: options.timeLimitS };
    try {
      // The WebGPU EP reads its Vulkan driver from the environment at start: a child process.
      report.node[ep] = ep === 'cpu' ? await benchNode(nodeOptions) : await benchNodeInChild(nodeOptions);
    } catch (error) {
      report.node[ep] = { error: errorText(error) };
      log(`node ${ep} failed: ${errorText(error)}`);
    }
  }

  report.budgets = checkBudgets(report);
  report.machine.loadavgEnd = loadavg().map((l) => round(l));
  report.elapsedMs = round(performance.now() - start, 0);
  return report;
}

async function benchBrowser(
  options: Options,
  engines: BrowserEngine[],
  report: BenchReport,
  log: (message: string) => void,
): Promise<void> {
  const reason = buildReason(ROOT, options.build);
  let buildMs: number | null = null;
  if (reason) {
    log(`vite build (${reason})…`);
    const start = performance.now();
    await viteBuild(ROOT);
    buildMs = round(performance.now() - start, 0);
  }
  const port = options.port ?? (await freePort());
  let preview: Preview | null = null;
  let browser: Browser | null = null;
  try {
    preview = await startPreview(ROOT, port);
    report.app = { url: preview.url, build: reason, buildMs };
    const launch = config.use?.launchOptions ?? {};
    try {
      browser = await chromium.launch({
        executablePath: launch.executablePath ?? '/usr/bin/chromium',
        args: [...(launch.args ?? []), ...options.chromiumFlags],
      });
      report.machine.chromium = browser.version();
    } catch (error) {
      for (const engine of engines) report.browser[engine] = { error: `Chromium did not start: ${errorText(error)}` };
      return;
    }
    for (const engine of engines) {
      log(`browser ${engine}: first reconstruction, then up to ${options.runs} runs with and without the preview…`);
      try {
        const result = await benchBrowserEngine(browser, {
          engine,
          baseUrl: preview.url,
          runs: options.runs,
          timeLimitS: options.timeLimitS,
          waitTimeoutS: options.waitTimeoutS,
          log,
        });
        report.browser[engine] = result;
      } catch (error) {
        report.browser[engine] = { error: errorText(error) };
        log(`browser ${engine} failed: ${errorText(error)}`);
      }
    }
  } finally {
    await browser?.close();
    await preview?.stop();
  }
}

await cliMain(USAGE, parse, async (options) => {
  const report = await runBench(options, (message) => console.error(message));
  console.log(options.json ? JSON.stringify(report, null, 1) : formatReport(report));
  return 0;
});
