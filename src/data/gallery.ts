// A dataset's precomputed retrieval galleries (dataset.json `galleries`): the test images' embeddings
// by one image encoder, named by the SHA-256 of its ONNX file. Read here for the worker, checked
// here for the validator, written by `npm run gallery`.
import type { BundleSource } from './bundleSource';
import type { DatasetJson, GalleryJson } from './datasetSchema';
import { BundleReadError } from './bundleSource';
import { listExamples, type Problem } from './validation';

/** A gallery file that cannot be used, and why. */
export class GalleryError extends Error {
  override name = 'GalleryError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Lowercase hex SHA-256 of some bytes (Web Crypto: the browser, its workers and Node have it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The gallery made by this encoder at this size and width, if the dataset has one. */
export function galleryFor(dataset: DatasetJson, encoderSha256: string, size: number, dim: number) {
  return dataset.galleries?.find((g) => g.encoderSha256 === encoderSha256 && g.size === size && g.dim === dim) ?? null;
}

/** The embeddings [test images, dim]; rejects, naming the file, when it has the wrong length. */
export async function readGalleryEmbeddings(source: BundleSource, gallery: GalleryJson): Promise<Float32Array> {
  const file = gallery.embeddings;
  let bytes: Uint8Array;
  try {
    bytes = await source.read(file);
  } catch (error) {
    throw error instanceof BundleReadError ? new GalleryError(error.path, error.message) : error;
  }
  const rows = gallery.imageSha256.length;
  const expected = rows * gallery.dim * 4;
  if (bytes.byteLength !== expected)
    throw new GalleryError(
      file,
      `${bytes.byteLength} bytes, not ${rows} x ${gallery.dim} float32 values (${expected} bytes)`,
    );
  const values = new Float32Array(bytes.slice().buffer);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new GalleryError(file, `value ${bad} is ${values[bad]}, not a finite number`);
  return values;
}

/**
 * The validator's check of every gallery: its embeddings file is whole and finite, and each test
 * image has the digest the gallery lists (`digests`: SHA-256 of each of dataset.json's images, null
 * where the file could not be read, which the image check reports).
 */
export async function checkGalleries(
  source: BundleSource,
  dataset: DatasetJson,
  digests: readonly (string | null)[],
  problems: Problem[],
): Promise<void> {
  const tests = dataset.images.flatMap((image, i) => (image.split === 'test' ? [{ image, digest: digests[i] }] : []));
  for (const [g, gallery] of (dataset.galleries ?? []).entries()) {
    try {
      await readGalleryEmbeddings(source, gallery);
    } catch (error) {
      if (!(error instanceof GalleryError)) throw error;
      problems.push({ file: error.file, message: error.problem });
    }
    const changed = tests.filter(({ digest }, i) => digest != null && digest !== gallery.imageSha256[i]);
    if (changed.length > 0)
      problems.push({
        file: 'dataset.json',
        message:
          `galleries[${g}] was computed on other images than ${listExamples(changed.map((t) => t.image.file))}: ` +
          'run npm run gallery again',
      });
  }
}
