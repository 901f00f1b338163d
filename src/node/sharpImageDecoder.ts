// Image decoding in Node (CLI, tests) with sharp.
import sharp from 'sharp';
import type { ImageDecoder } from '../data/imageDecoder';
import { LIMITS } from '../data/limits';

export const decodeImageWithSharp: ImageDecoder = async (bytes) => {
  // Decode every pixel (not just the header), failing on a truncated file as the browser would.
  // sharp refuses, from the header, an image of more pixels than the limit (src/data/limits.ts).
  const { info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: LIMITS.imagePixels })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
};
