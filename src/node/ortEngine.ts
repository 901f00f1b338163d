// The engine on onnxruntime-node: the CLI's and the parity tests' reference. Node only.
import * as ort from 'onnxruntime-node';
import type { Engine } from '../inference/engine';
import { createOrtSession } from '../inference/ortSession';

export interface OrtNodeOptions {
  /** 'cpu' (default) or 'webgpu' (ORT's bundled Dawn; on this machine through SwiftShader). */
  executionProvider?: 'cpu' | 'webgpu';
  /** ORT's log level: 0 = verbose (node placements, "kernel not found"), 3 = errors only (default). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export function createOrtNodeEngine(options: OrtNodeOptions = {}): Engine {
  const ep = options.executionProvider ?? 'cpu';
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [ep],
    logSeverityLevel: options.logSeverityLevel ?? 3,
  };
  return {
    description: `onnxruntime-node ${ort.env.versions.node ?? '?'} (${ep})`,
    createSession(bytes, file) {
      return createOrtSession(() => ort.InferenceSession.create(bytes, sessionOptions), ort.Tensor, file);
    },
  };
}
