import { describe, expect, it } from 'vitest';
import type { BrowserBenchResult } from './browser';
import type { NodeBenchResult } from './node';
import { checkBudgets } from './report';

const summary = (median: number) => ({ median, min: median });
const runs = (prior: number, decoder: number) => ({
  runs: 3,
  stoppedEarly: null,
  stages: { adapter: summary(10), backbone: summary(6), prior: summary(prior), decoder: summary(decoder) },
  pipelineMs: summary(16 + prior + decoder),
  wallMs: summary(30 + prior + decoder),
});

describe('checkBudgets: the cold start and the engine ratios', () => {
  const wasm = {
    firstReconstructionMs: 3000,
    milestones: { firstReconstruction: 2900, retrievalShown: 3100 },
    preview: runs(400, 460),
    noPreview: runs(400, 400),
    heap: { peakMB: 70, samples: [] },
    evaluation: { images: 16, wallMs: 48_000, perImageMs: 3000, stages: {} },
  } as unknown as BrowserBenchResult;
  const node = {
    stages: { adapter: summary(4), backbone: summary(3), prior: summary(100), decoder: summary(80) },
    retrieval: { ms: summary(0.5) },
    evaluation: { images: 16, wallMs: 32_000, perImageMs: 2000, stages: {} },
  };
  const budgets = checkBudgets({ browser: { wasm }, node: { cpu: node as unknown as NodeBenchResult } });

  it('holds the first picture to 2.5 s and to 4 warm clicks, the retrieval to 300 ms after it', () => {
    expect(budgets.firstReconstructionFast).toMatchObject({ measured: 3000, pass: false });
    // 3000 / (30 + 400 + 460)
    expect(budgets.firstReconstructionVsWarm).toMatchObject({ measured: 3.37, unit: 'x', pass: true });
    expect(budgets.retrievalAfterImage).toMatchObject({ measured: 200, pass: true });
  });

  it('divides each WASM stage by the same stage on onnxruntime-node', () => {
    expect(budgets['wasmVsNode.prior']).toMatchObject({ measured: 4, limit: 1.5, pass: false });
    expect(budgets['wasmVsNode.decoder']).toMatchObject({ measured: 5, pass: false });
    expect(budgets['wasmVsNode.backbone']).toMatchObject({ measured: 2, pass: false });
  });

  it('reports what the live preview adds, in percent', () => {
    // (16 + 400 + 460) / (16 + 400 + 400) - 1
    expect(budgets.previewOverhead).toMatchObject({ measured: 7.35, unit: '%', pass: true });
  });

  it("divides the browser evaluation's cost per image by onnxruntime-node's", () => {
    expect(budgets.evaluationWasmVsNode).toMatchObject({ measured: 1.5, limit: 1.5, unit: 'x', pass: true });
  });

  it('leaves what was not measured as null', () => {
    const none = checkBudgets({ browser: {}, node: {} });
    expect(none.previewOverhead).toMatchObject({ measured: null, pass: null });
    expect(none['wasmVsNode.prior']).toMatchObject({ measured: null, pass: null });
    expect(none.evaluationWasmVsNode).toMatchObject({ measured: null, pass: null });
  });
});
