import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageHeaderSize } from './imageHeader';

const IMAGES = fileURLToPath(new URL('../../public/datasets/synthetic-nsd/images/', import.meta.url));

describe('image sizes from headers', () => {
  it('reads the shipped WebP stimuli as sharp decodes them', async () => {
    const files = (await readdir(IMAGES)).slice(0, 5);
    for (const name of files) {
      const bytes = new Uint8Array(await readFile(`${IMAGES}${name}`));
      const { width, height } = await sharp(bytes).metadata();
      expect(imageHeaderSize(bytes)).toEqual({ width, height });
    }
  });

  it('reads PNG, lossless and extended WebP, and refuses truncated or foreign files', async () => {
    const pixels = { create: { width: 7, height: 5, channels: 4 as const, background: '#336699' } };
    const png = new Uint8Array(await sharp(pixels).png().toBuffer());
    const lossless = new Uint8Array(await sharp(pixels).webp({ lossless: true }).toBuffer());
    const lossy = new Uint8Array(await sharp(pixels).webp({ quality: 80 }).toBuffer());
    expect(imageHeaderSize(png)).toEqual({ width: 7, height: 5 });
    expect(imageHeaderSize(lossless)).toEqual({ width: 7, height: 5 });
    expect(imageHeaderSize(lossy)).toEqual({ width: 7, height: 5 });
    expect(() => imageHeaderSize(png.subarray(0, png.length - 20))).toThrow('a truncated PNG');
    expect(() => imageHeaderSize(lossy.subarray(0, lossy.length - 10))).toThrow('a truncated WebP');
    expect(() => imageHeaderSize(new TextEncoder().encode('<html>not an image</html>..'))).toThrow(
      'neither a PNG nor a WebP file',
    );
  });
});
