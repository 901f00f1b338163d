import { describe, expect, it } from 'vitest';
import {
  ddimSample,
  ddimStepCoefficients,
  ddimTimesteps,
  guidanceBatch,
  img2imgSkip,
  withGuidance,
  type NoiseSchedule,
} from './ddim';

/** A decreasing ā like a real schedule (values well inside (0, 1)). */
function schedule(n: number, parameterization: NoiseSchedule['parameterization']): NoiseSchedule {
  return { alphasCumprod: Array.from({ length: n }, (_, t) => 0.999 - (0.99 * t) / (n - 1)), parameterization };
}

/**
 * Oracle denoisers: the model output that, at any t, predicts exactly `target` as x̂0 for the
 * current x. DDIM must then return `target` whatever the steps.
 */
function oracle(target: Float32Array, s: NoiseSchedule) {
  return async (x: Float32Array, t: number) => {
    const a = s.alphasCumprod[t]!;
    const [sa, s1a] = [Math.sqrt(a), Math.sqrt(1 - a)];
    return x.map((xi, i) => {
      const x0 = target[i]!;
      const eps = (xi - sa * x0) / s1a;
      if (s.parameterization === 'x0') return x0;
      if (s.parameterization === 'eps') return eps;
      return sa * eps - s1a * x0; // v = √a ε − √(1−a) x0
    });
  };
}

describe('ddimTimesteps', () => {
  it('spaces k steps evenly from N-1 down to 0, rounding', () => {
    expect(ddimTimesteps(100, 2)).toEqual([99, 0]);
    expect(ddimTimesteps(100, 5)).toEqual([99, 74, 50, 25, 0]); // 74.25, 49.5, 24.75
    expect(ddimTimesteps(1000, 20)).toHaveLength(20);
    expect(ddimTimesteps(10, 10)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it("rounds halves to even, as the Python sampler's round() does", () => {
    expect(ddimTimesteps(10, 3)).toEqual([9, 4, 0]); // 4.5 -> 4
    expect(ddimTimesteps(12, 3)).toEqual([11, 6, 0]); // 5.5 -> 6
  });

  it('rejects step counts it cannot space', () => {
    expect(() => ddimTimesteps(100, 1)).toThrow(/2 to 100 steps/);
    expect(() => ddimTimesteps(100, 101)).toThrow(RangeError);
    expect(() => ddimTimesteps(100, 2.5)).toThrow(RangeError);
  });
});

/** x̂0 and ε̂ from a model output, written out per parameterization as the papers state them. */
function textbookX0Eps(out: Float32Array, x: Float32Array, a: number, parameterization: 'x0' | 'eps' | 'v') {
  const [sa, s1a] = [Math.sqrt(a), Math.sqrt(1 - a)];
  const x0 = x.map((xi, i) =>
    parameterization === 'x0'
      ? out[i]!
      : parameterization === 'eps'
        ? (xi - s1a * out[i]!) / sa
        : sa * xi - s1a * out[i]!,
  );
  const eps = x.map((xi, i) =>
    parameterization === 'eps'
      ? out[i]!
      : parameterization === 'x0'
        ? (xi - sa * out[i]!) / s1a
        : s1a * xi + sa * out[i]!,
  );
  return { x0, eps };
}

describe('the last DDIM step (x̂0 from the model output)', () => {
  const x = Float32Array.of(0.3, -1.2);
  const a = 0.64; // √a = 0.8, √(1-a) = 0.6
  const x0Of = (out: Float32Array, parameterization: 'x0' | 'eps' | 'v') => {
    const { x0, next } = ddimStepCoefficients(a, null, parameterization);
    expect(next).toBeNull();
    return Array.from(x, (xi, i) => x0.x * xi + x0.out * out[i]!);
  };
  it('reads x0 outputs', () => {
    expect(x0Of(Float32Array.of(1, 0), 'x0')).toEqual([1, 0]);
  });
  it('reads eps outputs', () => {
    expect(x0Of(Float32Array.of(0.5, 1), 'eps')[0]).toBeCloseTo((0.3 - 0.6 * 0.5) / 0.8, 6);
  });
  it('reads v outputs', () => {
    expect(x0Of(Float32Array.of(0.5, 1), 'v')[0]).toBeCloseTo(0.8 * 0.3 - 0.6 * 0.5, 6);
  });
});

describe('ddimSample', () => {
  const target = Float32Array.of(0.5, -2, 3.25, 0);
  const noise = Float32Array.of(1.1, -0.4, 0.2, -1.7);

  it.each(['x0', 'eps', 'v'] as const)('returns what a %s oracle predicts, for any step count', async (p) => {
    const s = schedule(50, p);
    for (const steps of [2, 7, 50]) {
      const result = await ddimSample(oracle(target, s), noise, s, steps);
      for (let i = 0; i < target.length; i++) expect(result[i]).toBeCloseTo(target[i]!, 4);
    }
  });

  it('calls the model once per step, at the DDIM timesteps, starting from the noise', async () => {
    const s = schedule(100, 'x0');
    const calls: [number, number[]][] = [];
    await ddimSample(
      async (x, t) => {
        calls.push([t, Array.from(x)]);
        return new Float32Array(x.length);
      },
      noise,
      s,
      5,
    );
    expect(calls.map(([t]) => t)).toEqual([99, 74, 50, 25, 0]);
    expect(calls[0]![1]).toEqual(Array.from(noise));
  });

  it('takes the deterministic DDIM step x = √a′ x̂0 + √(1−a′) ε̂', async () => {
    // A model predicting x0 = 0 leaves ε̂ = x/√(1−a): each step rescales x by √(1−a′)/√(1−a).
    const s = schedule(10, 'x0');
    const seen: number[] = [];
    await ddimSample(
      async (x) => {
        seen.push(x[0]!);
        return new Float32Array(x.length);
      },
      Float32Array.of(1),
      s,
      3,
    );
    const [t0, t1] = ddimTimesteps(10, 3) as [number, number];
    const abar = s.alphasCumprod;
    expect(seen[1]).toBeCloseTo(Math.sqrt(1 - abar[t1]!) / Math.sqrt(1 - abar[t0]!), 6);
  });

  it('with img2img, skips round((1 - strength)·k) timesteps and starts from the start noised to the next', async () => {
    const s = schedule(100, 'eps');
    const start = Float32Array.of(2, -1, 0.5, 4);
    const calls: [number, number[]][] = [];
    const record = async (x: Float32Array, t: number) => {
      calls.push([t, Array.from(x)]);
      return new Float32Array(x.length);
    };
    await ddimSample(record, noise, s, 10, undefined, { start, strength: 0.7 });
    expect(calls.map(([t]) => t)).toEqual(ddimTimesteps(100, 10).slice(3));
    const a = s.alphasCumprod[calls[0]![0]]!;
    calls[0]![1].forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(a) * start[i]! + Math.sqrt(1 - a) * noise[i]!, 5));
    expect([img2imgSkip(20, 0.7), img2imgSkip(10, 1), img2imgSkip(10, 0.01), img2imgSkip(10, 0.25)]).toEqual([
      6, 0, 9, 8,
    ]);
    expect(() => img2imgSkip(10, 0)).toThrow(RangeError);
    await expect(ddimSample(record, noise, s, 10, undefined, { start: start.slice(1), strength: 0.5 })).rejects.toThrow(
      /3 values, the noise 4/,
    );
  });
});

describe('withGuidance', () => {
  // A linear "model" conditioned on [tokens; 0] (two per entry): out = x + sum(tokens) per batch entry.
  const conditioned = (tokens: Float32Array) => async (x: Float32Array) => {
    const batch = tokens.length / 2;
    const perEntry = x.length / batch;
    return x.map((v, i) => {
      const b = Math.floor(i / perEntry);
      return v + tokens[2 * b]! + tokens[2 * b + 1]!;
    });
  };

  it('mixes conditional and all-zero unconditional outputs as u + s(c − u), in one batched call', async () => {
    let calls = 0;
    const tokens = Float32Array.of(1, 2, 10, 20); // batch 2: sums 3 and 30
    const model = conditioned(guidanceBatch(4).tokens(tokens));
    const counted = async (x: Float32Array) => {
      calls++;
      return model(x);
    };
    const out = await withGuidance(counted, 4)(Float32Array.of(0.5, 0.5, 1, 1), 0);
    // c = x + sum, u = x  ->  u + 4 (c - u) = x + 4 sum
    expect(Array.from(out)).toEqual([12.5, 12.5, 121, 121]);
    expect(calls).toBe(1);
  });

  it('is the conditional model at scale 1', async () => {
    const out = await withGuidance(conditioned(Float32Array.of(1, 2)), 1)(Float32Array.of(0), 0);
    expect(Array.from(out)).toEqual([3]);
  });
});

describe('guidanceBatch', () => {
  it('lays the batch out as [x; x] with [tokens; 0], and weighs the halves s and 1 - s', () => {
    const guided = guidanceBatch(4);
    expect(guided.copies).toBe(2);
    expect(Array.from(guided.tokens(Float32Array.of(1, 2)))).toEqual([1, 2, 0, 0]);
    expect(guided.halves).toEqual([
      { half: 0, weight: 4 },
      { half: 1, weight: -3 },
    ]);
  });

  it('is one copy with the tokens as they are at scale 1', () => {
    const tokens = Float32Array.of(1, 2);
    const plain = guidanceBatch(1);
    expect(plain.copies).toBe(1);
    expect(plain.tokens(tokens)).toBe(tokens);
    expect(plain.halves).toEqual([{ half: 0, weight: 1 }]);
  });
});

describe('DDIM step coefficients (the device sampler)', () => {
  it('give the textbook x̂0 and next sample (√ā_next·x̂0 + √(1-ā_next)·ε̂), for every parameterization', () => {
    const x = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
    const out = Float32Array.from({ length: 16 }, (_, i) => Math.cos(3 * i));
    for (const parameterization of ['x0', 'eps', 'v'] as const) {
      const [a, an] = [0.42, 0.87];
      const { x0, eps } = textbookX0Eps(out, x, a, parameterization);
      const c = ddimStepCoefficients(a, an, parameterization);
      for (let i = 0; i < x.length; i++) {
        expect(c.x0.x * x[i]! + c.x0.out * out[i]!).toBeCloseTo(x0[i]!, 5);
        const next = Math.sqrt(an) * x0[i]! + Math.sqrt(1 - an) * eps[i]!;
        expect(c.next!.x * x[i]! + c.next!.out * out[i]!).toBeCloseTo(next, 5);
      }
      expect(ddimStepCoefficients(a, null, parameterization).next).toBeNull();
    }
  });
});
