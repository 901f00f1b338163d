import { describe, expect, it } from 'vitest';
import { HostDeviceOps } from '../../test/hostDevice';
import { ddimSample, guidanceBatch, withGuidance, type NoiseSchedule } from './ddim';
import { ddimSampleOnDevice } from './deviceSampler';
import type { DeviceTensor } from './engine';

// A stand-in model: any fixed nonlinear function of x, t and the tokens will do.
const model = (x: Float32Array, t: number, tokens: Float32Array) =>
  Float32Array.from(x, (v, i) => Math.tanh(0.7 * v + 0.01 * t + tokens[i % tokens.length]!));

/** The stand-in model on the fake device. */
const onDevice =
  (ops: HostDeviceOps, tokens: Float32Array) =>
  async (x: DeviceTensor, t: number): Promise<DeviceTensor> => {
    const input = ops.check(x);
    return ops.wrap({ dims: input.dims, data: model(input.data, t, tokens) });
  };

const schedule = (parameterization: NoiseSchedule['parameterization']): NoiseSchedule => ({
  parameterization,
  alphasCumprod: Array.from({ length: 50 }, (_, i) => Math.cos(((i / 50 + 0.008) / 1.008) * (Math.PI / 2)) ** 2),
});

describe('the device DDIM sampler', () => {
  for (const parameterization of ['x0', 'eps', 'v'] as const) {
    for (const guidance of [null, 3] as const) {
      it(`matches the host sampler (${parameterization}, guidance ${guidance ?? 'none'}), transferring only noise and x̂0`, async () => {
        const dims = [2, 3, 4];
        const noise = Float32Array.from({ length: 24 }, (_, i) => Math.sin(7 * i));
        const tokens = Float32Array.from({ length: 24 }, (_, i) => 0.1 * Math.cos(i));
        // As the decoder sees it under guidance: [x; x] with [tokens; 0].
        const bothTokens = guidanceBatch(guidance ?? 1).tokens(tokens);
        const host = await ddimSample(
          withGuidance(async (x, t) => model(x, t, bothTokens), guidance ?? 1),
          noise,
          schedule(parameterization),
          7,
        );

        const ops = new HostDeviceOps();
        const previews: number[] = [];
        const device = await ddimSampleOnDevice(
          ops,
          onDevice(ops, bothTokens),
          { dims, data: noise },
          schedule(parameterization),
          7,
          guidance,
          (_, step) => {
            previews.push(step);
          },
        );
        for (let i = 0; i < host.length; i++) expect(device[i]).toBeCloseTo(host[i]!, 5);
        expect(previews).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(ops.uploads).toBe(1);
        expect(ops.downloads).toBe(7);
        expect(ops.leaked()).toBe(0);

        const quiet = new HostDeviceOps();
        const denoiseQuiet = onDevice(quiet, bothTokens);
        await ddimSampleOnDevice(quiet, denoiseQuiet, { dims, data: noise }, schedule(parameterization), 7, guidance);
        expect([quiet.uploads, quiet.downloads, quiet.leaked()]).toEqual([1, 1, 0]);
      });
    }
  }

  it('matches the host sampler with img2img, running only the steps the strength leaves', async () => {
    const dims = [1, 8];
    const noise = Float32Array.from({ length: 8 }, (_, i) => Math.sin(3 * i));
    const img2img = { start: Float32Array.from({ length: 8 }, (_, i) => i / 4 - 1), strength: 0.6 };
    const tokens = Float32Array.from({ length: 8 }, (_, i) => 0.2 * Math.cos(i));
    const host = await ddimSample(async (x, t) => model(x, t, tokens), noise, schedule('v'), 10, undefined, img2img);
    const ops = new HostDeviceOps();
    const previews: number[] = [];
    const device = await ddimSampleOnDevice(
      ops,
      onDevice(ops, tokens),
      { dims, data: noise },
      schedule('v'),
      10,
      null,
      (_x0, _step, steps) => {
        previews.push(steps);
      },
      img2img,
    );
    for (let i = 0; i < host.length; i++) expect(device[i]).toBeCloseTo(host[i]!, 5);
    expect(previews).toEqual([6, 6, 6, 6, 6, 6]);
    expect(ops.leaked()).toBe(0);
  });
});
