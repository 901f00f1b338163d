// Two-way identification (MindEye2 Table 1's Alex/Incep/CLIP columns): for each reconstruction i,
// the fraction of the other images j for which its features correlate more with its own image's than
// with image j's: corr(f(recon_i), f(true_i)) > corr(f(recon_i), f(true_j)). Chance is 0.5. As
// MindEye's two_way_identification: Pearson correlation of the flattened feature vectors, strict '>',
// averaged over i.
//
// The evaluation runs it on two feature spaces: the bundle's own image encoder `embedding` (circular:
// the brain model was trained to hit it) and a pretrained ImageNet network's block-10 features
// (src/evaluation/referenceNet.ts).
import { mean } from './stats';

/** Row i of a row-major [n, dim] matrix, centred and scaled to unit length (all zero when constant). */
function standardized(matrix: Float32Array, dim: number, i: number, out: Float64Array): Float64Array {
  let sum = 0;
  for (let k = 0; k < dim; k++) sum += matrix[i * dim + k]!;
  const m = sum / dim;
  let squares = 0;
  for (let k = 0; k < dim; k++) {
    const d = matrix[i * dim + k]! - m;
    out[k] = d;
    squares += d * d;
  }
  const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
  for (let k = 0; k < dim; k++) out[k]! *= scale;
  return out;
}

/**
 * reconFeatures and trueFeatures: [n, dim] flattened, row i of each about image i. Pearson's r is the
 * dot product of standardized rows (0 for a constant row, as `pearson`), so each image's row is
 * standardized once: n² dot products of length dim.
 */
export function twoWayIdentification(reconFeatures: Float32Array, trueFeatures: Float32Array, dim: number): number {
  if (reconFeatures.length !== trueFeatures.length) {
    throw new Error(`${reconFeatures.length / dim} reconstructions for ${trueFeatures.length / dim} images`);
  }
  const n = reconFeatures.length / dim;
  if (!Number.isInteger(n)) throw new Error(`${reconFeatures.length} values are not rows of ${dim}`);
  if (n < 2) throw new Error('two-way identification needs at least 2 images');
  const truths = new Float64Array(n * dim);
  for (let j = 0; j < n; j++) standardized(trueFeatures, dim, j, truths.subarray(j * dim, (j + 1) * dim));
  const recon = new Float64Array(dim);
  const correlations = new Float64Array(n);
  const scores = Array.from({ length: n }, (_, i) => {
    standardized(reconFeatures, dim, i, recon);
    for (let j = 0; j < n; j++) {
      let dot = 0;
      const offset = j * dim;
      for (let k = 0; k < dim; k++) dot += recon[k]! * truths[offset + k]!;
      correlations[j] = dot;
    }
    const own = correlations[i]!;
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && own > correlations[j]!) wins++;
    return wins / (n - 1);
  });
  return mean(scores);
}
