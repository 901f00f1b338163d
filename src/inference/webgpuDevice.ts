// Device memory for the WebGPU engine: tensors as GPU buffers on the device ORT runs on, and the one
// kernel the samplers need besides the models, a weighted sum of up to three tensors (a DDIM step,
// guidance's halves, the [x; x] batch). Browser only.
import type { DeviceOps, DeviceTensor, HostTensor, WeightedTerm } from './engine';

export class WebGpuTensor implements DeviceTensor {
  private released = false;
  constructor(
    readonly dims: readonly number[],
    readonly buffer: GPUBuffer,
    private readonly release: () => void,
  ) {}

  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}

const WORKGROUP = 64;

const SHADER = /* wgsl */ `
struct Params { n: u32, total: u32, copies: u32, count: u32, weights: vec4<f32>, offsets: vec4<u32> }
@group(0) @binding(0) var<storage, read_write> result: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= p.total) { return; }
  if (i >= p.n * p.copies) { result[i] = 0.0; return; }
  let j = i % p.n;
  var value = p.weights.x * a[p.offsets.x + j];
  if (p.count > 1u) { value += p.weights.y * b[p.offsets.y + j]; }
  if (p.count > 2u) { value += p.weights.z * c[p.offsets.z + j]; }
  result[i] = value;
}`;

export class WebGpuOps implements DeviceOps {
  private readonly pipeline: GPUComputePipeline;

  constructor(private readonly device: GPUDevice) {
    this.pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
    });
  }

  upload(tensor: HostTensor): DeviceTensor {
    const buffer = this.storage(tensor.data.length);
    this.device.queue.writeBuffer(buffer, 0, tensor.data as Float32Array<ArrayBuffer>);
    return new WebGpuTensor(tensor.dims, buffer, () => buffer.destroy());
  }

  async download(tensor: DeviceTensor): Promise<HostTensor> {
    const size = 4 * tensor.dims.reduce((a, b) => a * b, 1);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(gpuBufferOf(tensor), 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const data = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return { dims: tensor.dims, data };
  }

  weightedSum(terms: readonly WeightedTerm[], n: number, dims: readonly number[], copies: number): DeviceTensor {
    if (terms.length < 1 || terms.length > 3) throw new Error(`a weighted sum of ${terms.length} terms`);
    const total = dims.reduce((a, b) => a * b, 1);
    const result = this.storage(total);
    const params = new ArrayBuffer(48);
    new Uint32Array(params, 0, 4).set([n, total, copies, terms.length]);
    new Float32Array(params, 16, 4).set(terms.map((t) => t.weight));
    new Uint32Array(params, 32, 4).set(terms.map((t) => t.offset));
    const uniform = this.device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(uniform, 0, params);
    const input = (k: number) => gpuBufferOf((terms[k] ?? terms[0]!).tensor);
    const bindings = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [result, input(0), input(1), input(2), uniform].map((buffer, binding) => ({
        binding,
        resource: { buffer },
      })),
    });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindings);
    pass.dispatchWorkgroups(Math.ceil(total / WORKGROUP));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    uniform.destroy();
    return new WebGpuTensor(dims, result, () => result.destroy());
  }

  private storage(elements: number): GPUBuffer {
    return this.device.createBuffer({
      size: Math.max(4, 4 * elements),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }
}

/** The GPU buffer under a device tensor of this engine. */
export function gpuBufferOf(tensor: DeviceTensor): GPUBuffer {
  if (!(tensor instanceof WebGpuTensor)) throw new Error('not a tensor of the WebGPU device');
  return tensor.buffer;
}
