// Retrieval: rank candidate images by the cosine similarity between a brain `retrieval` vector and
// each candidate's image-encoder `embedding` (docs/model-format.md). The gallery is normalised once,
// so a query over the 1000 test images is one pass of dot products (DESIGN §7: <= 10 ms).

/** Rows of a [n, dim] matrix scaled to unit length (a zero row stays zero). */
export function normalizeRows(matrix: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < matrix.length / dim; r++) {
    let norm = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) norm += matrix[i]! * matrix[i]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) out[i] = matrix[i]! * scale;
  }
  return out;
}

/** Cosine similarities [n, m] between the rows of a [n, dim] and b [m, dim]. */
export function cosineSimilarities(a: Float32Array, b: Float32Array, dim: number): Float32Array {
  return dotProducts(normalizeRows(a, dim), normalizeRows(b, dim), dim);
}

function dotProducts(a: Float32Array, b: Float32Array, dim: number): Float32Array {
  const n = a.length / dim;
  const m = b.length / dim;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += a[i * dim + k]! * b[j * dim + k]!;
      out[i * m + j] = dot;
    }
  }
  return out;
}

export interface Match {
  /** The candidate's row in the gallery. */
  index: number;
  similarity: number;
}

/** A gallery of candidate embeddings [n, dim], normalised once, to query many times. */
export class RetrievalGallery {
  private readonly unit: Float32Array;
  readonly size: number;

  constructor(
    embeddings: Float32Array,
    readonly dim: number,
  ) {
    if (embeddings.length % dim !== 0) throw new Error(`${embeddings.length} values are not rows of ${dim}`);
    this.unit = normalizeRows(embeddings, dim);
    this.size = embeddings.length / dim;
  }

  /** Candidate i's unit-length embedding. */
  row(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`no candidate ${i} of ${this.size}`);
    return this.unit.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** The k best candidates for one brain vector [dim], most similar first (ties: lower index first). */
  topK(query: Float32Array, k: number): Match[] {
    if (query.length !== this.dim)
      throw new Error(`a query of ${query.length} values for a gallery of dim ${this.dim}`);
    const similarities = dotProducts(normalizeRows(query, this.dim), this.unit, this.dim);
    const best: Match[] = [];
    for (let index = 0; index < similarities.length; index++) {
      const similarity = similarities[index]!;
      if (best.length === k && similarity <= best[k - 1]!.similarity) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.similarity < similarity) at--;
      best.splice(at, 0, { index, similarity });
      if (best.length > k) best.pop();
    }
    return best;
  }
}
