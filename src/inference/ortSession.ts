// An EngineSession over any onnxruntime build's InferenceSession (onnxruntime-node for the CLI and
// the tests, onnxruntime-web in the app): both share onnxruntime-common's types, so one adapter serves
// them, given the build's own Tensor class.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { EngineSession, HostTensor, ValueInfo } from './engine';

export type Float32TensorClass = new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;

/** Creates a session from a file's bytes; the error names the file. */
export async function createOrtSession(
  create: () => Promise<InferenceSession>,
  tensorClass: Float32TensorClass,
  file: string,
): Promise<EngineSession> {
  let session: InferenceSession;
  try {
    session = await create();
  } catch (error) {
    throw new Error(
      `${file}: onnxruntime could not load it: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return new OrtSession(session, tensorClass, file);
}

class OrtSession implements EngineSession {
  constructor(
    private readonly session: InferenceSession,
    private readonly tensorClass: Float32TensorClass,
    readonly file: string,
  ) {}

  get inputs(): readonly ValueInfo[] {
    return this.session.inputMetadata.map(valueInfo);
  }

  get outputs(): readonly ValueInfo[] {
    return this.session.outputMetadata.map(valueInfo);
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new this.tensorClass('float32', t.data, t.dims);
    let results: InferenceSession.ReturnType;
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

function valueInfo(meta: InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, type: null, shape: null };
  return { name: meta.name, type: meta.type, shape: meta.shape.map((d) => (d === -1 ? null : d)) };
}
