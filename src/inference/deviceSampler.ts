// The DDIM sampler with its state in device memory: each step feeds the model's GPU output into one
// weighted sum (ddimStepCoefficients) that makes the next sample, also on the GPU. Only the starting
// sample goes up, and only x̂0 comes down: at the end, or at each step when a preview asks for it.
// It computes what ddimSample (ddim.ts) computes; the tests hold the two together.
import { ddimStepCoefficients, samplerStart, type Img2Img, type NoiseSchedule, type OnStep } from './ddim';
import type { DeviceOps, DeviceTensor, HostTensor, WeightedTerm } from './engine';

/** The model's output for x at timestep t (for guidance, x is the [x; x] batch and so is the output). */
export type DeviceDenoise = (x: DeviceTensor, t: number) => Promise<DeviceTensor>;

export async function ddimSampleOnDevice(
  ops: DeviceOps,
  denoise: DeviceDenoise,
  noise: HostTensor,
  schedule: NoiseSchedule,
  steps: number,
  /** Guidance scale when the model sees [x; x] with [tokens; 0]: out = out_u + s(out_c - out_u). */
  guidance: number | null,
  onStep?: OnStep,
  img2img?: Img2Img,
): Promise<Float32Array> {
  const abar = schedule.alphasCumprod;
  const { timesteps, x: first } = samplerStart(schedule, steps, noise.data, img2img);
  const n = noise.data.length;
  const [batch, ...rest] = noise.dims;
  // The model output as weighted terms: the conditional half at 0, the unconditional half at n.
  const outTerms = (out: DeviceTensor, weight: number): WeightedTerm[] =>
    guidance === null
      ? [{ tensor: out, weight, offset: 0 }]
      : [
          { tensor: out, weight: weight * guidance, offset: 0 },
          { tensor: out, weight: weight * (1 - guidance), offset: n },
        ];
  const sum = (x: DeviceTensor, out: DeviceTensor, c: { x: number; out: number }) =>
    ops.weightedSum([{ tensor: x, weight: c.x, offset: 0 }, ...outTerms(out, c.out)], n, noise.dims, 1);

  let x = ops.upload({ dims: noise.dims, data: first });
  try {
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i]!;
      const next = timesteps[i + 1];
      const input =
        guidance === null ? x : ops.weightedSum([{ tensor: x, weight: 1, offset: 0 }], n, [2 * batch!, ...rest], 2);
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
