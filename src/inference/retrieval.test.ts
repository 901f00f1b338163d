import { describe, expect, it } from 'vitest';
import { cosineSimilarities, RetrievalGallery } from './retrieval';

describe('cosineSimilarities', () => {
  it('is the dot product of unit rows', () => {
    const a = Float32Array.of(3, 4, /**/ 1, 0);
    const b = Float32Array.of(0, 2, /**/ -1, 0, /**/ 0, 0);
    expect(Array.from(cosineSimilarities(a, b, 2)).map((v) => +v.toFixed(6))).toEqual([0.8, -0.6, 0, 0, -1, 0]);
  });
});

describe('RetrievalGallery', () => {
  const gallery = new RetrievalGallery(Float32Array.of(1, 0, /**/ 0, 1, /**/ 1, 1, /**/ -1, 0, /**/ 2, 0), 2);

  it('returns the k most similar candidates, best first, ties by index', () => {
    const matches = gallery.topK(Float32Array.of(5, 0.1), 3);
    expect(matches.map((m) => m.index)).toEqual([0, 4, 2]); // 0 and 4 are the same direction
    expect(matches[0]!.similarity).toBeCloseTo(5 / Math.hypot(5, 0.1), 6);
    expect(gallery.topK(Float32Array.of(0, 1), 1)).toEqual([{ index: 1, similarity: 1 }]);
  });

  it('ranks the whole gallery when k is larger', () => {
    expect(gallery.topK(Float32Array.of(-1, 0), 10).map((m) => m.index)).toEqual([3, 1, 2, 0, 4]);
  });

  it('refuses a query of another width', () => {
    expect(() => gallery.topK(Float32Array.of(1, 2, 3), 1)).toThrow(/dim 2/);
  });

  it('answers a query over 1000 candidates of width 128 within the 10 ms budget', () => {
    const big = new RetrievalGallery(
      Float32Array.from({ length: 1000 * 128 }, (_, i) => Math.sin(i)),
      128,
    );
    const query = Float32Array.from({ length: 128 }, (_, i) => Math.cos(i));
    big.topK(query, 5); // warm up the JIT
    const start = performance.now();
    big.topK(query, 5);
    expect(performance.now() - start).toBeLessThan(10);
  });
});
