// npm run bench, its Node part only (the browser part needs a build, a server and minutes): the JSON
// shape, positive stage timings, the budgets it checks, and its usage errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { median, repeatWithin, summarizeStages } from './stats';
import { runCli } from '../test/runCli';

const cli = new URL('./cli.ts', import.meta.url);

describe('npm run bench', () => {
  it('times the InferenceService on onnxruntime-node (CPU) and checks the budgets', async () => {
    const { code, stdout, stderr } = await runCli(
      cli,
      '--skip-browser',
      '--engines',
      'node-cpu',
      '--runs',
      '1',
      '--json',
    );
    expect(stderr).toContain('load average at the start');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.machine).toMatchObject({ cpus: expect.any(Number), model: expect.any(String) });
    expect(report.machine.loadavg).toHaveLength(3);
    expect(report.machine.node).toBe(process.version);
    expect(report.browser).toEqual({});
    expect(Object.keys(report.node)).toEqual(['cpu']);

    const cpu = report.node.cpu;
    expect(cpu).toMatchObject({ model: 'mini-subj01-finetuned', subject: 'subj01', image: 'test-0000', runs: 1 });
    expect(cpu.engine).toMatch(/^onnxruntime-node .* \(cpu\)$/);
    // the shipped bundle's own sampler settings
    const manifest = JSON.parse(readFileSync('public/models/mini-subj01-finetuned/model.json', 'utf8'));
    expect(cpu.settings).toEqual({
      priorSteps: manifest.prior.steps,
      decoderSteps: manifest.decoder.steps,
      cfgScale: manifest.decoder.cfgScale,
      img2imgStrength: manifest.decoder.img2imgStrength,
      blurryBlend: manifest.decoder.blurryBlend,
    });
    expect(Object.keys(cpu.stages)).toEqual(['adapter', 'backbone', 'prior', 'decoder', 'vaeDecoder', 'blurry']);
    for (const summary of [...Object.values(cpu.stages), cpu.pipelineMs, cpu.reconstructMs] as {
      median: number;
      min: number;
    }[]) {
      expect(summary.median).toBeGreaterThan(0);
      expect(summary.min).toBeGreaterThan(0);
      expect(summary.min).toBeLessThanOrEqual(summary.median);
    }
    expect(cpu.modelLoadMs).toBeGreaterThan(0);
    expect(cpu.retrieval).toMatchObject({ gallery: 1000, dim: 128, k: 5, queries: 100 });
    expect(cpu.retrieval.ms.median).toBeGreaterThan(0);

    // Budgets measured here pass or fail; the browser's are "not measured" (null), not failed.
    expect(report.budgets.retrieval).toMatchObject({ limit: 10, unit: 'ms', measured: cpu.retrieval.ms.median });
    expect(report.budgets.retrieval.pass).toBe(cpu.retrieval.ms.median <= 10);
    expect(report.budgets.reconstructionWasm).toMatchObject({ limit: 1000, measured: null, pass: null });
    expect(report.budgets.firstReconstruction).toMatchObject({ limit: 5000, measured: null, pass: null });
    expect(report.budgets.heap).toMatchObject({ limit: 500, unit: 'MB', pass: null });
  });

  it('refuses unknown engines and options with the usage', async () => {
    const [engines, nothing, runs] = await Promise.all([
      runCli(cli, '--engines', 'wasm,cuda'),
      runCli(cli, '--skip-browser', '--engines', 'webgpu'),
      runCli(cli, '--runs', '0'),
    ]);
    expect(engines.code).toBe(2);
    expect(engines.stderr).toMatch(/^--engines takes wasm, webgpu, node-cpu, node-webgpu, not "cuda"\nusage:/);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--skip-browser leaves no engine to run');
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain('--runs must be an integer from 1, not "0"');
  });
});

describe('bench statistics', () => {
  it('summarizes stages by median and minimum', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(summarizeStages([{ prior: 3, decoder: 5 }, { prior: 1 }, { prior: 2, decoder: 7 }])).toEqual({
      prior: { median: 2, min: 1 },
      decoder: { median: 6, min: 5 },
    });
  });

  it('repeats at least once, and no further once the time is up', async () => {
    const past = performance.now() - 1;
    const once = await repeatWithin(5, past, async (run) => run);
    expect(once).toEqual({ results: [0], stoppedEarly: '1 of 5 runs: the time limit was reached' });
    const all = await repeatWithin(3, performance.now() + 60_000, async (run) => run);
    expect(all).toEqual({ results: [0, 1, 2], stoppedEarly: null });
  });
});
