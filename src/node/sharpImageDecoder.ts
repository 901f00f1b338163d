// Image decoding in Node (CLI, tests) with sharp.
import sharp from 'sharp';
import type { ImageDecoder } from '../data/imageDecoder';

export const decodeImageWithSharp: ImageDecoder = async (bytes) => {
  // Decode every pixel (not just the header), failing on a truncated file as the browser would.
  const { info } = await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
};
