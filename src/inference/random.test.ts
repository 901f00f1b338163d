import { describe, expect, it } from 'vitest';
import { gaussianNoise, sampleWithoutReplacement, uniformGenerator } from './random';

describe('seeded randomness', () => {
  it('repeats with the seed and differs between seeds', () => {
    expect(gaussianNoise(5, 7)).toEqual(gaussianNoise(5, 7));
    expect(gaussianNoise(5, 7)).not.toEqual(gaussianNoise(5, 8));
    expect(gaussianNoise(3, 7)).toEqual(gaussianNoise(4, 7).subarray(0, 3)); // odd lengths are a prefix
  });

  it('gives standard normal noise', () => {
    const x = gaussianNoise(100_000, 1);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('draws distinct indices covering the range', () => {
    const uniform = uniformGenerator(3);
    const draw = sampleWithoutReplacement(10, 10, uniform);
    expect([...draw].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const some = sampleWithoutReplacement(1000, 300, uniform);
    expect(new Set(some).size).toBe(300);
    expect(() => sampleWithoutReplacement(3, 4, uniform)).toThrow(/cannot draw 4 of 3/);
  });
});
