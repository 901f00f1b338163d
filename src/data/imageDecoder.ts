// Decoding a stimulus image proves it is one (a truncated or mislabelled file fails here, not later
// in a thumbnail or in the image encoder). The browser and Node decode differently; the validator
// takes either.

export interface ImageSize {
  width: number;
  height: number;
}

/** Decodes an image file's bytes fully and returns its size; rejects when they are not an image. */
export type ImageDecoder = (bytes: Uint8Array, file: string) => Promise<ImageSize>;

export const decodeImageInBrowser: ImageDecoder = async (bytes, file) => {
  const type = file.toLowerCase().endsWith('.webp') ? 'image/webp' : 'image/png';
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
};
