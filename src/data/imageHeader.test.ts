import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageHeaderSize, readImageHeader } from './imageHeader';

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

describe("the app's image check, readImageHeader (issue 16, finding 10)", () => {
  const pixels = { create: { width: 9, height: 7, channels: 3 as const, background: '#336699' } };
  const crc = (bytes: Uint8Array) => {
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  /** The PNG with its (single) IDAT chunk's data replaced, CRC recomputed. */
  const withIdat = (png: Uint8Array, data: Uint8Array) => {
    const view = new DataView(png.buffer, png.byteOffset);
    let pos = 8;
    while (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) !== 'IDAT') pos += 12 + view.getUint32(pos);
    const length = view.getUint32(pos);
    const chunk = new Uint8Array(12 + data.length);
    const out = new DataView(chunk.buffer);
    out.setUint32(0, data.length);
    chunk.set(png.subarray(pos + 4, pos + 8), 4);
    chunk.set(data, 8);
    out.setUint32(8 + data.length, crc(chunk.subarray(4, 8 + data.length)));
    return Uint8Array.from([...png.subarray(0, pos), ...chunk, ...png.subarray(pos + 12 + length)]);
  };

  it('accepts the shipped stimuli and PNGs of every kind sharp writes', async () => {
    for (const name of (await readdir(IMAGES)).slice(0, 20)) {
      await expect(readImageHeader(new Uint8Array(await readFile(`${IMAGES}${name}`)), name)).resolves.toBeTruthy();
    }
    const variants = [
      sharp(pixels).png(),
      sharp(pixels).png({ progressive: true }), // Adam7 interlaced
      sharp(pixels).png({ palette: true }),
      sharp(pixels).toColourspace('rgb16').png(),
      sharp(pixels).greyscale().png(),
      sharp(pixels).webp({ lossless: true }),
      sharp(pixels).webp({ quality: 50 }),
    ];
    for (const image of variants) {
      await expect(readImageHeader(new Uint8Array(await image.toBuffer()), 'x')).resolves.toEqual({
        width: 9,
        height: 7,
      });
    }
  });

  it('names a PNG whose body is corrupt: a CRC that fails, pixel data that does not inflate, or too little of it', async () => {
    const png = new Uint8Array(await sharp(pixels).png().toBuffer());
    const flipped = png.slice();
    flipped[png.length - 20]! ^= 0xff; // inside IDAT: the header still reads 9x7
    expect(imageHeaderSize(flipped)).toEqual({ width: 9, height: 7 });
    await expect(readImageHeader(flipped, 'x.png')).rejects.toThrow(
      /^a corrupt PNG \(chunk IDAT at byte \d+ fails its CRC\)$/,
    );
    await expect(readImageHeader(withIdat(png, Uint8Array.of(1, 2, 3, 4)), 'x.png')).rejects.toThrow(
      /^a corrupt PNG \(its pixel data does not inflate/,
    );
    await expect(readImageHeader(withIdat(png, deflateSync(new Uint8Array(10))), 'x.png')).rejects.toThrow(
      /^a corrupt PNG \(its pixel data inflates to 10 bytes, 9x7 pixels need 196\)$/,
    );
  });

  it('names a WebP whose chunks or frame header do not fit', async () => {
    const lossy = new Uint8Array(await sharp(pixels).webp({ quality: 50 }).toBuffer());
    const overrun = lossy.slice();
    new DataView(overrun.buffer).setUint32(16, lossy.length, true); // the VP8 chunk's size
    await expect(readImageHeader(overrun, 'x.webp')).rejects.toThrow(
      /^a truncated WebP \(chunk "VP8 " at byte 12 runs past the end\)$/,
    );
    const partition = lossy.slice();
    partition[20] = 0xe0; // the first partition's size, now larger than the chunk
    partition[21] = partition[22] = 0xff;
    await expect(readImageHeader(partition, 'x.webp')).rejects.toThrow(
      /^a corrupt WebP \(a broken VP8 frame header\)$/,
    );
  });
});
