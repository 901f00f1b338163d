// How the validator checks a stimulus image: the CLI decodes it fully with sharp (a truncated or
// mislabelled file fails there, not later in the image encoder); the app reads its header
// (imageHeader.ts), as a full decode of every image would delay the first reconstruction.

export interface ImageSize {
  width: number;
  height: number;
}

/** Checks an image file's bytes and returns its size; rejects, naming the problem, when they are not an image. */
export type ImageDecoder = (bytes: Uint8Array, file: string) => Promise<ImageSize>;
