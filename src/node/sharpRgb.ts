// Stimulus images decoded to RGB pixels with sharp (the CLI's and tests' counterpart of a canvas).
import sharp from 'sharp';
import { LIMITS } from '../data/limits';
import type { RgbImage } from '../inference/preprocess';

export async function decodeRgbWithSharp(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: LIMITS.imagePixels })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}
