// Checks that every stimulus image exists, is within the pixel limit its header declares (before
// anything decodes it), and decodes; collects the sizes they decode to.
import { errorText, type BundleSource } from './bundleSource';
import type { DatasetJson } from './datasetSchema';
import type { ImageDecoder, ImageSize } from './imageDecoder';
import { sha256Hex } from './gallery';
import { imageHeaderSize } from './imageHeader';
import { LIMITS, limitText } from './limits';
import { CONCURRENT_READS, mapConcurrently, readBundleFile, type ImageSizeCount, type Problem } from './validation';

export async function validateImages(
  source: BundleSource,
  dataset: DatasetJson,
  decodeImage: ImageDecoder,
  /** Images checked so far. */
  onProgress?: (done: number, total: number) => void,
  /** Awaited before each image (see ArrayScan.pace). */
  pace?: () => Promise<void>,
): Promise<{ sizes: ImageSizeCount[]; digests: (string | null)[]; problems: Problem[] }> {
  // The galleries name their images by digest: computed only when there is a gallery to check.
  const digest = (dataset.galleries?.length ?? 0) > 0;
  let done = 0;
  const results = await mapConcurrently(dataset.images, CONCURRENT_READS, async (image, index) => {
    await pace?.();
    const result = await checkImage(source, image.file, index, decodeImage, digest);
    onProgress?.(++done, dataset.images.length);
    return result;
  });

  const sizes = new Map<string, ImageSizeCount>();
  for (const { size } of results) {
    if (!size) continue;
    const key = `${size.width}x${size.height}`;
    const entry = sizes.get(key) ?? { ...size, count: 0 };
    entry.count++;
    sizes.set(key, entry);
  }
  return {
    sizes: [...sizes.values()],
    digests: results.map((r) => r.digest),
    problems: results.flatMap((r) => r.problems),
  };
}

async function checkImage(
  source: BundleSource,
  file: string,
  index: number,
  decodeImage: ImageDecoder,
  digest: boolean,
): Promise<{ problems: Problem[]; size: ImageSize | null; digest: string | null }> {
  const problems: Problem[] = [];
  const bytes = await readBundleFile(source, file, `images[${index}].file`, problems);
  if (!bytes) return { problems, size: null, digest: null };
  const sha256 = digest ? await sha256Hex(bytes) : null;
  const declared = pixelsDeclared(bytes);
  if (declared && declared.width * declared.height > LIMITS.imagePixels) {
    problems.push({
      file,
      message: `declares ${declared.width}x${declared.height} pixels, more than ${limitText('imagePixels', 'pixels')}`,
    });
    return { problems, size: null, digest: sha256 };
  }
  try {
    return { problems, size: await decodeImage(bytes, file), digest: sha256 };
  } catch (error) {
    problems.push({ file, message: `does not decode as an image (images[${index}]): ${errorText(error)}` });
    return { problems, size: null, digest: sha256 };
  }
}

/** The size a PNG or WebP header declares; null when there is no header to read (the decoder says why). */
function pixelsDeclared(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    return imageHeaderSize(bytes);
  } catch {
    return null;
  }
}
