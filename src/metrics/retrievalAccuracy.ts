// Retrieval accuracy (MindEye2 Table 1): top-1 among 300 random test samples, repeated 30 times
// with different random sets, averaged.
// - image retrieval: for each brain `retrieval` vector of the set, is its own image the most
//   cosine-similar of the set's image embeddings?
// - brain retrieval: for each image embedding of the set, is its own brain vector the most similar of
//   the set's brain vectors?
// Chance is 1/300. With fewer than 300 test samples the set is all of them (and every draw is the same).
import { cosineSimilarities } from '../inference/retrieval';
import { sampleWithoutReplacement, uniformGenerator } from '../inference/random';
import { mean } from './stats';

export interface RetrievalOptions {
  /** Set size; 300 as MindEye2. */
  poolSize?: number;
  /** Number of random sets; 30 as MindEye2. */
  draws?: number;
  seed?: number;
}

export interface RetrievalAccuracy {
  image: number;
  brain: number;
  /** The set size used: min(poolSize, n). */
  poolSize: number;
}

/** brain and images: [n, dim] flattened, row i of each about test image i. */
export function retrievalAccuracy(
  brain: Float32Array,
  images: Float32Array,
  dim: number,
  { poolSize = 300, draws = 30, seed = 0 }: RetrievalOptions = {},
): RetrievalAccuracy {
  if (brain.length !== images.length)
    throw new Error(`${brain.length / dim} brain vectors for ${images.length / dim} images`);
  const n = brain.length / dim;
  const pool = Math.min(poolSize, n);
  const uniform = uniformGenerator(seed);
  const imageScores: number[] = [];
  const brainScores: number[] = [];
  for (let d = 0; d < draws; d++) {
    const picks = sampleWithoutReplacement(n, pool, uniform);
    const gather = (matrix: Float32Array) => {
      const out = new Float32Array(pool * dim);
      picks.forEach((p, i) => out.set(matrix.subarray(p * dim, (p + 1) * dim), i * dim));
      return out;
    };
    // similarities[i][j] = cos(brain_i, image_j) over the set
    const similarities = cosineSimilarities(gather(brain), gather(images), dim);
    imageScores.push(top1(similarities, pool, false));
    brainScores.push(top1(similarities, pool, true));
  }
  return { image: mean(imageScores), brain: mean(brainScores), poolSize: pool };
}

/**
 * The fraction of rows (or, transposed, columns) of a [pool, pool] similarity matrix whose largest
 * entry is on the diagonal. A tie with another entry counts as a miss: a model that gives every
 * candidate the same score has retrieved nothing.
 */
function top1(similarities: Float32Array, pool: number, transposed: boolean): number {
  let correct = 0;
  for (let i = 0; i < pool; i++) {
    const at = (j: number) => (transposed ? similarities[j * pool + i]! : similarities[i * pool + j]!);
    const own = at(i);
    let best = true;
    for (let j = 0; j < pool && best; j++) if (j !== i && at(j) >= own) best = false;
    if (best) correct++;
  }
  return correct / pool;
}
