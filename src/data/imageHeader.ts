// An image's size from its PNG or WebP header, with the checks a header allows (signature, declared
// length, PNG's closing IEND chunk), and the app's check of a bundle's images at load (readImageHeader):
// the file's structure, and for a PNG its compressed pixels. Decoding hundreds of stimuli to pixels on
// a 2-core machine costs seconds before the first reconstruction; walking a PNG's chunks (with their
// CRCs) and inflating its IDAT stream to count its bytes costs a fraction of that, and names a PNG
// whose body is corrupt or cut. Of a WebP, the RIFF chunks and the VP8/VP8L frame headers are checked
// (its entropy-coded data has no checksum to check). The inference worker decodes every image fully
// later, naming a file that fails; the CLI validator (`npm run validate`) decodes every image.
import type { ImageDecoder } from './imageDecoder';

/** Messages say what is wrong; the validator names the file. */
export const readImageHeader: ImageDecoder = async (bytes) => {
  const size = imageHeaderSize(bytes);
  if (isPng(bytes)) await checkPngBody(bytes, size);
  else checkWebpBody(bytes);
  return size;
};

const isPng = (bytes: Uint8Array) =>
  bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;

export function imageHeaderSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(4) === 0x0d0a1a0a) {
    if (ascii(12, 4) !== 'IHDR') throw new Error(`a PNG without its IHDR header`);
    if (bytes.length < 12 || ascii(bytes.length - 8, 4) !== 'IEND')
      throw new Error(`a truncated PNG (no IEND chunk at its end)`);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const declared = view.getUint32(4, true) + 8;
    if (declared > bytes.length) throw new Error(`a truncated WebP (${bytes.length} of ${declared} bytes)`);
    const chunk = ascii(12, 4);
    if (chunk === 'VP8 ') {
      if (view.getUint16(23) !== 0x9d01 || bytes[25] !== 0x2a) throw new Error(`a WebP with a broken VP8 frame`);
      return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    }
    if (chunk === 'VP8L') {
      if (bytes[20] !== 0x2f) throw new Error(`a WebP with a broken VP8L header`);
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') {
      const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
      const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
      return { width, height };
    }
    throw new Error(`a WebP with an unknown first chunk "${chunk}"`);
  }
  throw new Error(`neither a PNG nor a WebP file`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The bytes of a PNG's inflated IDAT stream: each row's filter byte and pixels, per interlace pass. */
function pngDataBytes(width: number, height: number, channels: number, bitDepth: number, interlaced: boolean) {
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * channels * bitDepth) / 8));
  if (!interlaced) return height * rowBytes(width);
  // Adam7: [x0, y0, dx, dy] of each pass.
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return passes.reduce((sum, [x0, y0, dx, dy]) => {
    const w = Math.ceil((width - x0!) / dx!);
    const h = Math.ceil((height - y0!) / dy!);
    return sum + (w > 0 && h > 0 ? h * rowBytes(w) : 0);
  }, 0);
}

/** Every chunk whole with its CRC, IHDR first and IEND last, and the IDAT stream inflating to exactly the pixels. */
async function checkPngBody(bytes: Uint8Array, { width, height }: { width: number; height: number }) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  let header: { channels: number; bitDepth: number; interlaced: boolean } | null = null;
  while (pos < bytes.length && !ended) {
    if (pos + 12 > bytes.length) throw new Error(`a truncated PNG (a chunk header at byte ${pos} is cut off)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (length > bytes.length - pos - 12)
      throw new Error(`a truncated PNG (chunk ${type} at byte ${pos} runs past the end)`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== view.getUint32(pos + 8 + length)) {
      throw new Error(`a corrupt PNG (chunk ${type} at byte ${pos} fails its CRC)`);
    }
    if (type === 'IHDR') {
      const [bitDepth = 0, colorType = 0, , , interlace = 0] = data.subarray(8, 13);
      const channels = PNG_CHANNELS[colorType];
      if (!channels || ![1, 2, 4, 8, 16].includes(bitDepth))
        throw new Error(`a PNG of colour type ${colorType} and bit depth ${bitDepth}`);
      header = { channels, bitDepth, interlaced: interlace === 1 };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    pos += 12 + length;
  }
  if (!header || idat.length === 0) throw new Error('a PNG without its IHDR or IDAT chunks');
  const expected = pngDataBytes(width, height, header.channels, header.bitDepth, header.interlaced);
  const inflated = await inflatedLength(idat, expected);
  if (inflated !== expected) {
    throw new Error(
      `a corrupt PNG (its pixel data inflates to ${inflated} bytes, ${width}x${height} pixels need ${expected})`,
    );
  }
}

/** The length the zlib stream inflates to, counting no further than `limit + 1`; throws when it is corrupt. */
async function inflatedLength(parts: Uint8Array[], limit: number): Promise<number> {
  const stream = new Blob(parts as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return total;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return total;
      }
    }
  } catch (error) {
    throw new Error(
      `a corrupt PNG (its pixel data does not inflate: ${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** The RIFF chunks tile the file, and the image chunk's frame header fits in it. */
function checkWebpBody(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = Math.min(bytes.length, view.getUint32(4, true) + 8);
  let pos = 12;
  let image = false;
  while (pos < end) {
    if (pos + 8 > end) throw new Error(`a truncated WebP (a chunk header at byte ${pos} is cut off)`);
    const type = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const size = view.getUint32(pos + 4, true);
    if (size > end - pos - 8) throw new Error(`a truncated WebP (chunk "${type}" at byte ${pos} runs past the end)`);
    const data = bytes.subarray(pos + 8, pos + 8 + size);
    if (type === 'VP8 ') {
      image = true;
      // Frame tag: a key frame (bit 0 clear) whose first partition fits in the chunk.
      const tag = data[0]! | (data[1]! << 8) | (data[2]! << 16);
      if (size < 10 || (tag & 1) !== 0 || tag >>> 5 > size - 10)
        throw new Error(`a corrupt WebP (a broken VP8 frame header)`);
    } else if (type === 'VP8L') {
      image = true;
      if (size < 5 || data[0] !== 0x2f || data[4]! >>> 5 !== 0)
        throw new Error('a corrupt WebP (a broken VP8L header)');
    }
    pos += 8 + size + (size % 2);
  }
  if (!image) throw new Error('a WebP without an image chunk (VP8 or VP8L)');
}
