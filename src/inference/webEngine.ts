// The engine on onnxruntime-web, for the app's inference worker. On WebGPU it loads the `webgpu`
// build: ORT's native C++ WebGPU engine (the default import's JSEP engine returned wrong numbers for
// int8 files on SwiftShader, DESIGN §8). On WASM it loads the `wasm` build, whose plain (not
// asyncify) binary runs the CPU kernels faster. Both use threads when the page is cross-origin isolated.
import type { InferenceSession } from 'onnxruntime-common';
import { adapterName as nameOf, softwareAdapterReason } from './adapterChoice';
import type { Engine } from './engine';
import { createOrtSession, type GpuBinding } from './ortSession';
import { gpuBufferOf, WebGpuOps, WebGpuTensor } from './webgpuDevice';

export type Backend = 'webgpu' | 'wasm';

/**
 * WASM threads for a machine's cores: one core is left to the page (its main thread draws the
 * preview and the results while the worker computes), at most 4 (the mini models gain nothing from
 * more). Measured on 2 cores: with 2 threads ORT's spinning pool fought the page, and a
 * reconstruction took 943 ms (1078 ms with the live preview); with 1 thread 831 ms (988 ms).
 */
export function wasmThreads(cores: number): number {
  return Math.max(1, Math.min(4, cores - 1));
}

export interface WebEngineInfo {
  backend: Backend;
  /** Why WebGPU is not used, when it is not. */
  fallbackReason: string | null;
  /** WASM threads (1 when the page is not cross-origin isolated). */
  threads: number;
  /** Whether the adapter offers `shader-f16` (fp16 weights need it). */
  shaderF16: boolean;
  adapterName: string | null;
}

export interface WebEngine extends Engine {
  readonly info: WebEngineInfo;
}

/**
 * The backend the worker uses: WebGPU when a GPU adapter exists and `prefer` allows it (a software
 * adapter only when WebGPU is asked for by name), WASM otherwise. The reason for a fallback is kept,
 * so the UI can say why it runs on WASM.
 */
export async function createWebEngine(prefer: 'auto' | Backend = 'auto'): Promise<WebEngine> {
  const threads = self.crossOriginIsolated ? wasmThreads(navigator.hardwareConcurrency || 1) : 1;
  let fallbackReason: string | null = null;
  let shaderF16 = false;
  let adapterName: string | null = null;
  let gpuAdapter: GPUAdapter | null = null;
  if (prefer === 'wasm') {
    fallbackReason = 'WASM was chosen';
  } else if (!('gpu' in navigator) || !navigator.gpu) {
    fallbackReason = 'this browser has no WebGPU';
  } else {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    const software = adapter?.info && prefer === 'auto' ? softwareAdapterReason(adapter.info) : null;
    if (!adapter) {
      fallbackReason = 'no WebGPU adapter is available';
    } else if (software) {
      fallbackReason = software;
    } else {
      shaderF16 = adapter.features.has('shader-f16');
      adapterName = adapter.info ? nameOf(adapter.info) : null;
      gpuAdapter = adapter;
    }
  }
  const backend: Backend = fallbackReason === null ? 'webgpu' : 'wasm';
  const ort = backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const info: WebEngineInfo = { backend, fallbackReason, threads, shaderF16, adapterName };
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
  };
  // On WebGPU, ORT leaves outputs in GPU buffers, so the samplers can feed them back and step with
  // our kernel on ORT's own device without a round trip through the CPU (DESIGN §8). ORT makes that
  // device with its first session.
  let ops: WebGpuOps | undefined;
  let gpu: GpuBinding | undefined;
  if (gpuAdapter) {
    ort.env.webgpu.adapter = gpuAdapter;
    sessionOptions.preferredOutputLocation = 'gpu-buffer';
    gpu = {
      bufferOf: gpuBufferOf,
      wrapOutput: (output) => new WebGpuTensor(output.dims, output.gpuBuffer as GPUBuffer, () => output.dispose()),
    };
  }
  let creating: Promise<unknown> = Promise.resolve();
  return {
    info,
    get device() {
      return ops;
    },
    description: `onnxruntime-web ${ort.env.versions.web ?? ''} (${backend === 'webgpu' ? 'WebGPU' : `WASM, ${threads} thread${threads === 1 ? '' : 's'}`})`,
    createSession(bytes, file) {
      // The WebGPU EP refuses to create two sessions at once: creations wait for each other.
      const created = creating.then(async () => {
        const session = await createOrtSession(
          () => ort.InferenceSession.create(bytes, sessionOptions),
          ort.Tensor,
          file,
          gpu,
        );
        if (gpu && !ops) ops = new WebGpuOps(await ort.env.webgpu.device);
        return session;
      });
      creating = created.catch(() => undefined);
      return created;
    },
  };
}
