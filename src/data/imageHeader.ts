// An image's size from its PNG or WebP header, with the checks a header allows (signature, declared
// length, PNG's closing IEND chunk). The app validates a bundle's images this way at load: fully
// decoding hundreds of stimuli on a 2-core machine costs seconds before the first reconstruction,
// and every image is fully decoded later anyway, by <img> and by the inference worker, whose errors
// name the file. The CLI validator (`npm run validate`) still decodes every image.
import type { ImageDecoder } from './imageDecoder';

/** Messages say what is wrong; the validator names the file. */
export const readImageHeader: ImageDecoder = async (bytes) => imageHeaderSize(bytes);

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
