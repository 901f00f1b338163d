import { describe, expect, it } from 'vitest';
import { InferenceClient } from './inferenceClient';
import type { WorkerMessage, WorkerRequest } from './protocol';

/** A worker that keeps what it is sent and answers only when told to. */
class FakeWorker {
  sent: WorkerRequest[] = [];
  terminated = false;
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  postMessage(request: WorkerRequest) {
    this.sent.push(request);
  }
  terminate() {
    this.terminated = true;
  }
  answer(message: WorkerMessage) {
    this.onmessage?.({ data: message } as MessageEvent<WorkerMessage>);
  }
}

function client() {
  const worker = new FakeWorker();
  return { worker, client: new InferenceClient(worker) };
}

describe('InferenceClient', () => {
  it('resolves a request with its own answer and passes progress on', async () => {
    const { worker, client: c } = client();
    const steps: unknown[] = [];
    const a = c.request('releaseModel', { modelUrl: 'a' });
    const b = c.request('releaseModel', { modelUrl: 'b' }, (p) => steps.push(p));
    worker.answer({ id: b.id, type: 'progress', progress: { kind: 'step', stage: 'decoder', step: 1, steps: 2 } });
    worker.answer({ id: b.id, type: 'done', result: null });
    worker.answer({ id: a.id, type: 'error', message: 'no such model', problems: [] });
    await expect(b.promise).resolves.toBeNull();
    await expect(a.promise).rejects.toThrow('no such model');
    expect(steps).toHaveLength(1);
  });

  it('rejects every pending request when the worker is stopped, so nothing waits forever', async () => {
    const { worker, client: c } = client();
    const load = c.request('loadModel', { modelUrl: 'm', datasetUrl: 'd' });
    c.terminate('the inference engine restarted on wasm');
    expect(worker.terminated).toBe(true);
    await expect(load.promise).rejects.toThrow('the inference engine restarted on wasm');
  });

  it('rejects pending requests when the worker itself fails', async () => {
    const { worker, client: c } = client();
    const load = c.request('loadModel', { modelUrl: 'm', datasetUrl: 'd' });
    worker.onerror?.({ message: 'out of memory' } as ErrorEvent);
    await expect(load.promise).rejects.toThrow('the inference worker failed: out of memory');
  });

  it('cancels by id', () => {
    const { worker, client: c } = client();
    const run = c.request('releaseModel', { modelUrl: 'm' });
    c.cancel(run.id);
    expect(worker.sent.at(-1)).toMatchObject({ method: 'cancel', params: { target: run.id } });
  });
});
