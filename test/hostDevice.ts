// DeviceOps over host arrays: the device samplers' logic, tested in Node against the host samplers,
// without a GPU. It also counts transfers, to prove the loop stays on the "device".
import type { DeviceOps, DeviceTensor, HostTensor, WeightedTerm } from '../src/inference/engine';

export class HostDeviceTensor implements DeviceTensor {
  disposed = false;
  constructor(
    readonly dims: readonly number[],
    readonly data: Float32Array,
  ) {}
  dispose(): void {
    if (this.disposed) throw new Error('disposed twice');
    this.disposed = true;
  }
}

export class HostDeviceOps implements DeviceOps {
  uploads = 0;
  downloads = 0;
  live = new Set<HostDeviceTensor>();

  upload(tensor: HostTensor): DeviceTensor {
    this.uploads++;
    return this.track(new HostDeviceTensor(tensor.dims, tensor.data.slice()));
  }

  async download(tensor: DeviceTensor): Promise<HostTensor> {
    this.downloads++;
    const t = this.check(tensor);
    return { dims: t.dims, data: t.data.slice() };
  }

  weightedSum(terms: readonly WeightedTerm[], n: number, dims: readonly number[], copies: number): DeviceTensor {
    const out = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < Math.min(out.length, n * copies); i++) {
      let value = 0;
      for (const term of terms) value += term.weight * this.check(term.tensor).data[term.offset + (i % n)]!;
      out[i] = value;
    }
    return this.track(new HostDeviceTensor(dims, out));
  }

  /** Wraps a host result as the engine's device output would be. */
  wrap(tensor: HostTensor): DeviceTensor {
    return this.track(new HostDeviceTensor(tensor.dims, tensor.data));
  }

  check(tensor: DeviceTensor): HostDeviceTensor {
    if (!(tensor instanceof HostDeviceTensor)) throw new Error('not a tensor of this device');
    if (tensor.disposed) throw new Error('used after dispose');
    return tensor;
  }

  private track(tensor: HostDeviceTensor): HostDeviceTensor {
    this.live.add(tensor);
    return tensor;
  }

  /** Tensors not disposed yet. */
  leaked(): number {
    return [...this.live].filter((t) => !t.disposed).length;
  }
}
