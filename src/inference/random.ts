// Seeded randomness for the samplers' starting noise and the evaluation's draws: the same seed gives
// the same reconstruction in Node and in the browser (Math.random cannot be seeded).

/** mulberry32: a small, fast 32-bit generator; uniform in [0, 1). Plenty for noise and draws. */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` standard normal values (Box-Muller) from `seed`. */
export function gaussianNoise(count: number, seed: number): Float32Array {
  const uniform = uniformGenerator(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** `k` distinct indices of 0..n-1, uniformly at random (a partial Fisher-Yates shuffle). */
export function sampleWithoutReplacement(n: number, k: number, uniform: () => number): number[] {
  if (k > n) throw new RangeError(`cannot draw ${k} of ${n} without replacement`);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(uniform() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}
