// The main thread's side of the inference worker: typed requests that resolve with the worker's
// answer, progress callbacks, cancellation, and one stream of download progress for the UI.
import {
  WorkerError,
  type Method,
  type Progress,
  type Requests,
  type WorkerMessage,
  type WorkerRequest,
} from './protocol';

/**
 * What the client needs of its worker: a Worker in the app; in the tests, one end of a MessageChannel
 * with a fake worker on the other.
 */
export interface WorkerPort {
  postMessage(request: WorkerRequest): void;
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  /** The worker failed to start or threw outside a request: every pending request fails. */
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

export interface PendingRequest<T> {
  id: number;
  promise: Promise<T>;
}

/** The app's inference worker (worker.ts), as a module worker; its name shows in the browser's tools. */
export function startInferenceWorker(): WorkerPort {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'mindeye-inference' });
}

type DownloadProgress = Extract<Progress, { kind: 'download' }>;

export class InferenceClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; onProgress?: (p: Progress) => void }
  >();
  private readonly downloadListeners = new Set<(p: DownloadProgress) => void>();

  constructor(private readonly worker: WorkerPort) {
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => this.rejectAll(`the inference worker failed: ${event.message || 'it could not start'}`);
  }

  request<M extends Method>(
    method: M,
    params: Requests[M]['params'],
    onProgress?: (progress: Progress) => void,
  ): PendingRequest<Requests[M]['result']> {
    const id = this.nextId++;
    const promise = new Promise<Requests[M]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
    });
    this.worker.postMessage({ id, method, params } as WorkerRequest);
    return { id, promise };
  }

  /** Stops a running or queued request; it rejects with the message "cancelled". */
  cancel(id: number): void {
    // The answer that matters is the target's; a cancel cut off by a restart has nothing to report.
    this.request('cancel', { target: id }).promise.catch(() => undefined);
  }

  onDownload(listener: (progress: DownloadProgress) => void): () => void {
    this.downloadListeners.add(listener);
    return () => this.downloadListeners.delete(listener);
  }

  /** Stops the worker; every request still pending rejects with `reason`, none is left hanging. */
  terminate(reason = 'the inference engine was stopped'): void {
    this.worker.terminate();
    this.rejectAll(reason);
  }

  private rejectAll(message: string): void {
    const error = new WorkerError(message, []);
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'download') {
      for (const listener of this.downloadListeners) listener(message.progress);
      return;
    }
    const request = this.pending.get(message.id);
    if (!request) return;
    if (message.type === 'progress') {
      request.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'done') request.resolve(message.result);
    else request.reject(new WorkerError(message.message, message.problems));
  }
}
