// PixCorr (MindEye2 Table 1): Pearson's correlation between a reconstruction and the seen image over
// all their pixel values (every channel of every pixel of the S×S RGB images), averaged over images.
// MindEye2 computes it at 425×425; here it is at the bundle's S (64 for mini), so the numbers are
// comparable between our rows, not with the paper's.
import { mean, pearson, row } from './stats';

/** recons and truths: [n, 3, S, S] flattened; `size` = 3·S·S values per image. */
export function pixCorr(recons: Float32Array, truths: Float32Array, size: number): number {
  if (recons.length !== truths.length)
    throw new Error(`${recons.length} reconstruction values for ${truths.length} true`);
  const n = recons.length / size;
  return mean(Array.from({ length: n }, (_, i) => pearson(row(recons, size, i), row(truths, size, i))));
}
