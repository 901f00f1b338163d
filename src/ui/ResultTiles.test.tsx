import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { startedRun, type ModelState, type RunState } from '../state/pipelineStore';
import { ReconstructionTile, RunAnnouncer, RunProblems } from './ResultTiles';

function run(change: Partial<RunState>): RunState {
  const key = {
    modelUrl: 'm/',
    subject: 'subj01',
    imageIndex: 0,
    trial: 'average' as const,
    silenced: [],
    seed: 0,
    samples: 1,
  };
  return { ...startedRun(key), ...change };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('a running reconstruction can be cancelled (issue 16, finding 6)', () => {
  it('shows Cancel while it runs, and says "cancelled" once it stopped', () => {
    const tile = (state: RunState, onCancel?: () => void) =>
      renderToStaticMarkup(
        <ReconstructionTile run={state} imageId="img-1" modelName="m" slot="main" onCancel={onCancel} />,
      );
    const running = tile(run({ step: 443, steps: 1400 }), () => undefined);
    expect(running).toContain('Reconstruction · step 443 of 1400');
    expect(running).toContain('data-testid="main-cancel"');
    expect(running).toContain('>Cancel</button>');
    // Without a way to cancel (no onCancel), no button that would do nothing.
    expect(tile(run({}))).not.toContain('<button');

    const cancelled = tile(run({ status: 'cancelled' }), () => undefined);
    expect(cancelled).toContain('Reconstruction · cancelled');
    expect(cancelled).not.toContain('<button');
    expect(renderToStaticMarkup(<RunAnnouncer run={run({ status: 'cancelled' })} imageId="img-1" />)).toContain(
      'The reconstruction of img-1 was cancelled.',
    );
  });
});

describe('model errors, printed once (issue 16)', () => {
  const problems = ['prior.onnx: not found', 'decoder.onnx: has no input "z_t"'];
  const failed: ModelState = { status: 'failed', message: problems.join('\n'), problems };

  it("lists a model's problems once, and not again as the run's error", () => {
    const html = renderToStaticMarkup(
      <RunProblems run={run({ status: 'failed', error: failed.message })} model={failed} />,
    );
    for (const problem of problems) expect(count(html, problem.replace(/"/g, '&quot;')), problem).toBe(1);
    expect(count(html, 'role="alert"')).toBe(1);
  });

  it("shows the message of a model without a list, and a run's own error beside it", () => {
    const plain: ModelState = { status: 'failed', message: 'the inference engine restarted', problems: [] };
    const html = renderToStaticMarkup(
      <RunProblems run={run({ status: 'failed', error: 'out of memory' })} model={plain} />,
    );
    expect(html).toContain('This model could not be loaded: the inference engine restarted');
    expect(html).toContain('out of memory');
  });
});
