// Two-way identification (MindEye2 Table 1's Alex/Incep/CLIP columns, here with one feature space):
// for each reconstruction i, the fraction of the other images j for which its features correlate
// more with its own image's than with image j's: corr(f(recon_i), f(true_i)) > corr(f(recon_i),
// f(true_j)). Chance is 0.5. As MindEye's two_way_identification: Pearson correlation of feature
// vectors, strict '>', averaged over i.
//
// The features are the bundle's own image encoder `embedding` (the mini image encoder, not CLIP,
// AlexNet or Inception), so the scores compare rows of our table, not the paper's.
import { mean, pearson, row } from './stats';

/** reconFeatures and trueFeatures: [n, dim] flattened, row i of each about image i. */
export function twoWayIdentification(reconFeatures: Float32Array, trueFeatures: Float32Array, dim: number): number {
  if (reconFeatures.length !== trueFeatures.length) {
    throw new Error(`${reconFeatures.length / dim} reconstructions for ${trueFeatures.length / dim} images`);
  }
  const n = reconFeatures.length / dim;
  if (n < 2) throw new Error('two-way identification needs at least 2 images');
  const scores = Array.from({ length: n }, (_, i) => {
    const recon = row(reconFeatures, dim, i);
    const own = pearson(recon, row(trueFeatures, dim, i));
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && own > pearson(recon, row(trueFeatures, dim, j))) wins++;
    return wins / (n - 1);
  });
  return mean(scores);
}
