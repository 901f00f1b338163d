// The metrics' parity case: fixed inputs (with the ties that decide the definitions: a repeated
// image, a zero brain vector, a constant row) and what src/metrics gives for them.
// `npx tsx models/tests/metrics-parity.ts` writes it to fixtures/metrics-parity.json; pytest holds
// models/metrics.py to those numbers (test_metrics_parity.py) and vitest holds src/metrics to them
// (src/metrics/metricsParity.test.ts), so a change to either side's definition fails a test.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gaussianNoise } from '../../src/inference/random';
import { twoWayIdentification } from '../../src/metrics/identification';
import { pixCorr } from '../../src/metrics/pixCorr';
import { retrievalAccuracy } from '../../src/metrics/retrievalAccuracy';
import { ssim } from '../../src/metrics/ssim';

export const FIXTURE = fileURLToPath(new URL('./fixtures/metrics-parity.json', import.meta.url));

/** [n, dim] rows of float32 noise, as nested arrays (JSON holds them exactly). */
function rows(n: number, dim: number, seed: number, scale = 1): number[][] {
  const values = gaussianNoise(n * dim, seed);
  return Array.from({ length: n }, (_, i) =>
    Array.from(values.subarray(i * dim, (i + 1) * dim), (v) => Math.fround(v * scale)),
  );
}

const flat = (matrix: number[][]) => Float32Array.from(matrix.flat());

export function metricsParity() {
  // retrieval: brain vector i is image i plus noise; image 7 repeats image 3 (brain 3 and 7 tie on
  // both, a miss each way), brain vector 5 is zero (it ties with every image: a miss)
  const dim = 6;
  const images = rows(12, dim, 1);
  images[7] = [...images[3]!];
  const noise = rows(12, dim, 2, 0.6);
  const brain = images.map((row, i) => row.map((v, k) => Math.fround(v + noise[i]![k]!)));
  brain[5] = new Array<number>(dim).fill(0);
  const retrieval = [
    { poolSize: 300, draws: 30, seed: 0 },
    { poolSize: 8, draws: 5, seed: 7 },
  ].map((options) => ({ options, expected: retrievalAccuracy(flat(brain), flat(images), dim, options) }));

  // two-way: recon i is true i plus noise; true 4 repeats true 1; recon 6 is constant
  const truth = rows(10, 5, 3);
  truth[4] = [...truth[1]!];
  const reconNoise = rows(10, 5, 4, 0.8);
  const recon = truth.map((row, i) => row.map((v, k) => Math.fround(v + reconNoise[i]![k]!)));
  recon[6] = new Array<number>(5).fill(0.25);

  // pixcorr and SSIM: [2, 3, 12, 12] images in [0, 1] (SSIM's window needs 11); the second
  // reconstruction is constant
  const size = 12;
  const per = 3 * size * size;
  const clamp = (v: number) => Math.fround(Math.min(1, Math.max(0, 0.5 + 0.25 * v)));
  const seen = rows(2, per, 5).map((row) => row.map(clamp));
  const madeNoise = rows(2, per, 6);
  const made = seen.map((row, i) => row.map((v, k) => clamp(4 * (v - 0.5) + madeNoise[i]![k]!)));
  made[1] = new Array<number>(per).fill(0.5);

  return {
    retrieval: { brain, images, cases: retrieval },
    twoWay: { recon, truth, expected: twoWayIdentification(flat(recon), flat(truth), 5) },
    images: {
      size,
      recon: made,
      truth: seen,
      pixCorr: pixCorr(flat(made), flat(seen), per),
      ssim: ssim(flat(made), flat(seen), size),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(FIXTURE, JSON.stringify(metricsParity()) + '\n');
  console.log(`wrote ${FIXTURE}`);
}
