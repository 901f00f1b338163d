import { describe, expect, it } from 'vitest';
import { twoWayIdentification } from './identification';
import { pixCorr } from './pixCorr';
import { retrievalAccuracy } from './retrievalAccuracy';
import { pearson } from './stats';
import { checkFiniteMetrics, metricsCsv } from './table';

describe('pearson', () => {
  it('is 1, -1 and 0 on known series', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4], [1, -1, -1, 1])).toBeCloseTo(0, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0); // constant: no correlation, not NaN
  });
  it('matches a hand computation', () => {
    // x = 1,2,3,4; y = 2,1,4,3: cov = 0.8·... -> r = 0.6
    expect(pearson([1, 2, 3, 4], [2, 1, 4, 3])).toBeCloseTo(0.6, 12);
  });
});

describe('pixCorr', () => {
  it('correlates each pair over all its values and averages the pairs', () => {
    const truths = Float32Array.of(1, 2, 3, 4, /* image 2 */ 1, 2, 3, 4);
    const recons = Float32Array.of(2, 1, 4, 3, /* image 2 */ 4, 3, 2, 1);
    expect(pixCorr(recons, truths, 4)).toBeCloseTo((0.6 + -1) / 2, 6);
  });
});

describe('twoWayIdentification', () => {
  it('is 1 when every reconstruction is its own image', () => {
    const features = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(twoWayIdentification(features, features, 3)).toBe(1);
  });

  it('counts, per reconstruction, the other images it correlates less with than its own', () => {
    const truths = Float32Array.of(1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1);
    // recon 0 = image 0 (wins 2/2); recon 1 is image 2 (its own image loses to image 2, beats image 0:
    // 1/2); recon 2 is between 0 and 1 (its own image 2 loses to both: 0/2)
    const recons = Float32Array.of(1, 0, 0, /**/ 0, 0.2, 1, /**/ 1, 1, 0);
    expect(twoWayIdentification(recons, truths, 3)).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
  });

  it('is chance (0.5) for reconstructions that carry nothing of their image', () => {
    // Two images; both recons equal image 0: recon 0 wins, recon 1 loses.
    const truths = Float32Array.of(1, 0, 0, 1);
    const recons = Float32Array.of(1, 0, 1, 0);
    expect(twoWayIdentification(recons, truths, 2)).toBe(0.5);
  });
});

describe('retrievalAccuracy', () => {
  const dim = 4;
  function embeddings(n: number, seed: number): Float32Array {
    // Deterministic pseudo-random rows (the classic shader hash).
    const out = new Float32Array(n * dim);
    for (let i = 0; i < out.length; i++) out[i] = (Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453) % 1;
    return out;
  }

  it('is 1 when brain vectors are their images (up to scale)', () => {
    const images = embeddings(20, 1);
    const brain = images.map((v) => 3 * v);
    expect(retrievalAccuracy(brain, images, dim, { poolSize: 10, draws: 5 })).toEqual({
      image: 1,
      brain: 1,
      poolSize: 10,
    });
  });

  it('uses all samples when there are fewer than the pool size, and counts ties as misses', () => {
    const images = Float32Array.of(1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 1, 0);
    // brain 0 -> image 0; brain 1 -> image 0 (wrong); brain 2 ties images 1 and 2 (a miss)
    const brain = Float32Array.of(1, 0, 0, 0, /**/ 1, 0, 0, 0, /**/ 0, 1, 1, 0);
    const result = retrievalAccuracy(brain, images, dim);
    expect(result.poolSize).toBe(3);
    expect(result.image).toBeCloseTo(1 / 3, 12);
    // image 0 -> brains 0 and 1 tie (a miss); image 1 -> brain 2 beats its own brain 1 (a miss); image 2 -> brain 2
    expect(result.brain).toBeCloseTo(1 / 3, 12);
  });

  it('draws different sets with different seeds, the same with the same seed', () => {
    const images = embeddings(40, 2);
    const brain = images.map((v, i) => v + 0.9 * Math.sin(i));
    const a = retrievalAccuracy(brain, images, dim, { poolSize: 10, draws: 3, seed: 1 });
    expect(retrievalAccuracy(brain, images, dim, { poolSize: 10, draws: 3, seed: 1 })).toEqual(a);
    const others = [2, 3, 4, 5].map(
      (seed) => retrievalAccuracy(brain, images, dim, { poolSize: 10, draws: 3, seed }).image,
    );
    expect(others.some((v) => v !== a.image)).toBe(true);
  });
});

describe('metrics CSV', () => {
  it('writes fractions at full precision, quotes names with commas, leaves missing metrics empty', () => {
    const csv = metricsCsv([
      {
        name: 'reconstruction',
        pixCorr: 0.4171,
        ssim: 0.347,
        twoWay: 0.8133,
        twoWayMobileNetV2: 0.6125,
        imageRetrieval: 0.187,
        brainRetrieval: 0.227,
      },
      { name: 'ridge, pixels', pixCorr: 0.551, twoWay: 0.849 },
    ]);
    expect(csv).toBe(
      'method,pixCorr,ssim,twoWay,twoWayMobileNetV2,imageRetrieval,brainRetrieval\n' +
        'reconstruction,0.4171,0.347,0.8133,0.6125,0.187,0.227\n' +
        '"ridge, pixels",0.551,,0.849,,,\n',
    );
  });
});

describe('checkFiniteMetrics (issue 16, finding 8)', () => {
  it('fails on a metric that came out NaN, naming row and column, instead of printing it', () => {
    expect(() => checkFiniteMetrics([{ name: 'reconstruction', pixCorr: NaN, ssim: 0.3 }])).toThrow(
      'the evaluation failed: pixCorr of "reconstruction" came out NaN (a constant or non-finite image?)',
    );
    expect(() => checkFiniteMetrics([{ name: 'ceiling', pixCorr: 0.9, twoWay: 0.8 }])).not.toThrow();
  });
});
