// Checks that every stimulus image exists, is within the pixel limit its header declares (before
// anything decodes it), and decodes; collects the sizes they decode to.
import { errorText, type BundleSource } from './bundleSource';
import type { DatasetJson } from './datasetSchema';
import type { ImageDecoder } from './imageDecoder';
import { imageHeaderSize } from './imageHeader';
import { LIMITS, limitText } from './limits';
import { CONCURRENT_READS, mapConcurrently, readBundleFile, type ImageSizeCount, type Problem } from './validation';

export async function validateImages(
  source: BundleSource,
  dataset: DatasetJson,
  decodeImage: ImageDecoder,
): Promise<{ sizes: ImageSizeCount[]; problems: Problem[] }> {
  const results = await mapConcurrently(dataset.images, CONCURRENT_READS, async (image, index) => {
    const problems: Problem[] = [];
    const bytes = await readBundleFile(source, image.file, `images[${index}].file`, problems);
    if (!bytes) return { problems, size: null };
    const declared = pixelsDeclared(bytes);
    if (declared && declared.width * declared.height > LIMITS.imagePixels) {
      problems.push({
        file: image.file,
        message: `declares ${declared.width}x${declared.height} pixels, more than ${limitText('imagePixels', 'pixels')}`,
      });
      return { problems, size: null };
    }
    try {
      return { problems, size: await decodeImage(bytes, image.file) };
    } catch (error) {
      problems.push({
        file: image.file,
        message: `does not decode as an image (images[${index}]): ${errorText(error)}`,
      });
      return { problems, size: null };
    }
  });

  const sizes = new Map<string, ImageSizeCount>();
  for (const { size } of results) {
    if (!size) continue;
    const key = `${size.width}x${size.height}`;
    const entry = sizes.get(key) ?? { ...size, count: 0 };
    entry.count++;
    sizes.set(key, entry);
  }
  return { sizes: [...sizes.values()], problems: results.flatMap((r) => r.problems) };
}

/** The size a PNG or WebP header declares; null when there is no header to read (the decoder says why). */
function pixelsDeclared(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    return imageHeaderSize(bytes);
  } catch {
    return null;
  }
}
