// An EngineSession over any onnxruntime build's InferenceSession (onnxruntime-node for the CLI and
// the tests, onnxruntime-web in the app): both share onnxruntime-common's types, so one adapter serves
// them, given the build's own Tensor class.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import {
  isHostTensor,
  type AnyTensor,
  type DeviceTensor,
  type EngineSession,
  type HostTensor,
  type ValueInfo,
} from './engine';

export interface Float32TensorClass {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): Tensor;
  fromGpuBuffer?(buffer: GPUBuffer, options: { dataType: 'float32'; dims: readonly number[] }): Tensor;
}

/** How a session with outputs in GPU buffers (preferredOutputLocation 'gpu-buffer') meets device tensors. */
export interface GpuBinding {
  /** The GPU buffer of a device tensor, to feed it. */
  bufferOf(tensor: DeviceTensor): GPUBuffer;
  /** A device tensor over an output ORT made; disposing it releases the output. */
  wrapOutput(output: Tensor): DeviceTensor;
}

/** Creates a session from a file's bytes; the error names the file. */
export async function createOrtSession(
  create: () => Promise<InferenceSession>,
  tensorClass: Float32TensorClass,
  file: string,
  gpu?: GpuBinding,
): Promise<EngineSession> {
  let session: InferenceSession;
  try {
    session = await create();
  } catch (error) {
    throw new Error(`${file}: onnxruntime could not load it: ${ortMessage(error)}`);
  }
  return gpu ? new GpuOrtSession(session, tensorClass, file, gpu) : new OrtSession(session, tensorClass, file);
}

class OrtSession implements EngineSession {
  constructor(
    protected readonly session: InferenceSession,
    protected readonly tensorClass: Float32TensorClass,
    readonly file: string,
  ) {}

  get inputs(): readonly ValueInfo[] {
    return this.session.inputMetadata.map(valueInfo);
  }

  get outputs(): readonly ValueInfo[] {
    return this.session.outputMetadata.map(valueInfo);
  }

  async run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    const results = await this.ortRun(feeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      if (value.type !== 'float32') throw new Error(`${this.file}: output ${name} is ${value.type}, expected float32`);
      // Outputs left in GPU buffers come down here, and their buffers go back to ORT.
      const data = value.location === 'cpu' ? value.data : await value.getData(true);
      out[name] = { dims: value.dims, data: data as Float32Array };
    }
    return out;
  }

  protected async ortRun(feeds: Readonly<Record<string, AnyTensor>>): Promise<InferenceSession.ReturnType> {
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = this.feed(t);
    try {
      return await this.session.run(ortFeeds);
    } catch (error) {
      throw new Error(`${this.file}: ${ortMessage(error)}`);
    }
  }

  protected feed(tensor: AnyTensor): Tensor {
    if (!isHostTensor(tensor)) throw new Error(`${this.file}: a device tensor fed to a host session`);
    return new this.tensorClass('float32', tensor.data, tensor.dims);
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

/** A session whose outputs stay in GPU buffers: `runOnDevice` hands them over without a copy. */
class GpuOrtSession extends OrtSession {
  constructor(
    session: InferenceSession,
    tensorClass: Float32TensorClass,
    file: string,
    private readonly gpu: GpuBinding,
  ) {
    super(session, tensorClass, file);
  }

  async runOnDevice(feeds: Readonly<Record<string, AnyTensor>>): Promise<Record<string, DeviceTensor>> {
    const results = await this.ortRun(feeds);
    return Object.fromEntries(Object.entries(results).map(([name, value]) => [name, this.gpu.wrapOutput(value)]));
  }

  protected override feed(tensor: AnyTensor): Tensor {
    if (isHostTensor(tensor)) return super.feed(tensor);
    return this.tensorClass.fromGpuBuffer!(this.gpu.bufferOf(tensor), { dataType: 'float32', dims: tensor.dims });
  }
}

/**
 * onnxruntime's message without its internals: the C API call and error code the web build wraps it
 * in, "[ONNXRuntimeError] : 1 : FAIL :", and the source path, line and C++ function it was raised in
 * (e.g. "/onnxruntime_src/onnxruntime/core/graph/model.cc:180 onnxruntime::Model::Model(...)").
 */
export function ortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cleaned = text
    .replace(/failed to call Ort\w+\(\)\.?\s*(ERROR_CODE: \d+, ERROR_MESSAGE:\s*)?/g, '')
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/g, '')
    .replace(/Load model from \S+ failed:\s*/g, 'load failed: ')
    // A source location, then the function raised in: "[type] onnxruntime::A::B(args...) [const]".
    .replace(
      /(?:[A-Za-z]:)?[\\/]?(?:[\w.+-]+[\\/])+[\w.+-]+\.(?:cc|cpp|cxx|h|hpp|c):\d+\s*(?:(?:[\w:<>*&]+\s+)?[\w:~<>]+::[\w~<>]+\((?:[^()]|\([^()]*\))*\)(?:\s*const)?\s*)?/g,
      '',
    )
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || 'onnxruntime failed without a message';
}

function valueInfo(meta: InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, type: null, shape: null };
  return { name: meta.name, type: meta.type, shape: meta.shape.map((d) => (d === -1 ? null : d)) };
}
