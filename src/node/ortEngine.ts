// The engine on onnxruntime-node: the CLI's and the parity tests' reference. Node only.
import * as ort from 'onnxruntime-node';
import type { Engine, EngineSession, HostTensor, ValueInfo } from '../inference/engine';

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
    async createSession(bytes, file) {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(bytes, sessionOptions);
      } catch (error) {
        throw new Error(
          `${file}: onnxruntime could not load it: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return new OrtNodeSession(session, file);
    },
  };
}

class OrtNodeSession implements EngineSession {
  constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
  ) {}

  get inputs(): readonly ValueInfo[] {
    return this.session.inputMetadata.map(valueInfo);
  }

  get outputs(): readonly ValueInfo[] {
    return this.session.outputMetadata.map(valueInfo);
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds);
    } catch (error) {
      throw new Error(`${this.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      if (value.type !== 'float32') throw new Error(`${this.file}: output ${name} is ${value.type}, expected float32`);
      out[name] = { dims: value.dims, data: value.data as Float32Array };
    }
    return out;
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

function valueInfo(meta: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, type: null, shape: null };
  return { name: meta.name, type: meta.type, shape: meta.shape.map((d) => (d === -1 ? null : d)) };
}
