// The ONNX engine the pipeline runs on, as a small interface: onnxruntime-node in the CLI and the
// tests (src/node/ortEngine.ts), onnxruntime-web on WebGPU in a worker in the app. Nothing here
// imports an ORT package, so the samplers, the pipeline and their tests run without one.

/** A float32 tensor in host memory, row-major. */
export interface HostTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A model input or output as the file declares it: dims are numbers, names of symbolic dims ("B"), or null when unknown. */
export interface ValueInfo {
  readonly name: string;
  /** e.g. "float32"; null when the engine does not say. */
  readonly type: string | null;
  /** null when the file does not declare a shape. */
  readonly shape: readonly (number | string | null)[] | null;
}

/**
 * One ONNX file loaded by an engine. It owns native (or GPU) memory until `dispose`.
 *
 * `run` takes and returns host tensors. A device engine (WebGPU) adds `runOnDevice`, whose outputs
 * stay in GPU buffers and are fed back as inputs (DESIGN §8): the samplers loop that way.
 */
export interface EngineSession {
  /** The file it was made from, for messages. */
  readonly file: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Runs the model on named float32 inputs; returns every output by name. */
  run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
  /** With a device engine: takes host or device inputs, leaves every output in device memory. */
  runOnDevice?(feeds: Readonly<Record<string, AnyTensor>>): Promise<Record<string, DeviceTensor>>;
  dispose(): Promise<void>;
}

export interface Engine {
  /** e.g. "onnxruntime-node 1.30.0 (cpu)", for reports. */
  readonly description: string;
  /** Loads an ONNX model from its bytes; `file` names it in messages. Rejects on a bad model. */
  createSession(bytes: Uint8Array, file: string): Promise<EngineSession>;
  /** Present when tensors can stay in device memory between runs (WebGPU): the samplers then loop there. */
  readonly device?: DeviceOps;
}

/** A tensor in the engine's device memory (a GPU buffer), opaque outside the engine; dispose when done. */
export interface DeviceTensor {
  readonly dims: readonly number[];
  dispose(): void;
}

/** One term of a weighted sum: `weight` times the tensor's elements, read from `offset` on. */
export interface WeightedTerm {
  tensor: DeviceTensor;
  weight: number;
  offset: number;
}

/** The few operations the device samplers need besides the models themselves. */
export interface DeviceOps {
  upload(tensor: HostTensor): DeviceTensor;
  download(tensor: DeviceTensor): Promise<HostTensor>;
  /**
   * A new tensor of `dims`: element i is Σ weight · term[offset + (i mod n)] for i < n·copies, and 0
   * after that. One sum is a DDIM step; copies = 2 makes the [x; x] batch of guidance.
   */
  weightedSum(terms: readonly WeightedTerm[], n: number, dims: readonly number[], copies: number): DeviceTensor;
}

export type AnyTensor = HostTensor | DeviceTensor;

export function isHostTensor(tensor: AnyTensor): tensor is HostTensor {
  return 'data' in tensor;
}

export function tensor(data: Float32Array, dims: readonly number[]): HostTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`${data.length} values do not fill a [${dims.join(', ')}] tensor`);
  return { data, dims };
}

/** Tensors of equal trailing dims stacked along the batch axis. */
export function concatBatch(parts: readonly HostTensor[]): HostTensor {
  const [first] = parts;
  if (!first) throw new Error('nothing to concatenate');
  const rest = first.dims.slice(1);
  let batch = 0;
  for (const part of parts) {
    if (part.dims.slice(1).join() !== rest.join()) {
      throw new Error(`cannot stack [${part.dims.join(', ')}] onto [${first.dims.join(', ')}]`);
    }
    batch += part.dims[0] ?? 0;
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { dims: [batch, ...rest], data };
}
