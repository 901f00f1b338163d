// The DDIM sampler with its state in device memory: each step feeds the model's GPU output into one
// weighted sum (ddimStepCoefficients) that makes the next sample, also on the GPU. Only the starting
// sample goes up, and only x̂0 comes down: at the end, or at each step when a preview asks for it.
// It computes what ddimSample (ddim.ts) computes; the tests hold the two together.
import {
  ddimStepCoefficients,
  guidanceBatch,
  samplerStart,
  type Img2Img,
  type Coefficients,
  type NoiseSchedule,
  type OnStep,
} from './ddim';
import type { DeviceOps, DeviceTensor, HostTensor, WeightedTerm } from './engine';

/** The model's output for x at timestep t (for guidance, x is the [x; x] batch and so is the output). */
export type DeviceDenoise = (x: DeviceTensor, t: number) => Promise<DeviceTensor>;

export async function ddimSampleOnDevice(
  ops: DeviceOps,
  denoise: DeviceDenoise,
  noise: HostTensor,
  schedule: NoiseSchedule,
  steps: number,
  /** The guidance scale (null or 1: none); the model then sees guidanceBatch's layout. */
  guidance: number | null,
  onStep?: OnStep,
  img2img?: Img2Img,
): Promise<Float32Array> {
  const abar = schedule.alphasCumprod;
  const { timesteps, x: first } = samplerStart(schedule, steps, noise.data, img2img);
  const n = noise.data.length;
  const [batch, ...rest] = noise.dims;
  const layout = guidanceBatch(guidance ?? 1);
  // The model output as weighted terms, one per half of the guidance batch.
  const outTerms = (out: DeviceTensor, weight: number): WeightedTerm[] =>
    layout.halves.map((h) => ({ tensor: out, weight: weight * h.weight, offset: h.half * n }));
  const sum = (x: DeviceTensor, out: DeviceTensor, c: Coefficients) =>
    ops.weightedSum([{ tensor: x, weight: c.x, offset: 0 }, ...outTerms(out, c.out)], n, noise.dims, 1);

  let x = ops.upload({ dims: noise.dims, data: first });
  try {
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i]!;
      const next = timesteps[i + 1];
      const input =
        layout.copies === 1
          ? x
          : ops.weightedSum([{ tensor: x, weight: 1, offset: 0 }], n, [layout.copies * batch!, ...rest], layout.copies);
      const out = await denoise(input, t);
      if (input !== x) input.dispose();
      const c = ddimStepCoefficients(abar[t]!, next === undefined ? null : abar[next]!, schedule.parameterization);
      if (next === undefined || onStep) {
        const x0 = sum(x, out, c.x0);
        const host = await ops.download(x0);
        x0.dispose();
        await onStep?.(host.data, i + 1, timesteps.length);
        if (next === undefined) {
          out.dispose();
          return host.data;
        }
      }
      const nextX = sum(x, out, c.next!);
      out.dispose();
      x.dispose();
      x = nextX;
    }
  } finally {
    x.dispose();
  }
  throw new Error('DDIM ran no step');
}
