// Stimulus images in and out of the models' [3,S,S] float layout (docs/model-format.md: "resized to
// S×S by averaging square blocks of pixels, RGB in [0,1], channels first").

/** Decoded pixels, interleaved, 8 bits per channel: RGB (sharp) or RGBA (canvas ImageData). */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * The image as [3,S,S] in [0,1]: each output pixel is the mean of the input pixels it covers (area
 * averaging). When the side is a multiple of S (256 -> 64) that is exactly the mean of a square block;
 * other sizes weigh the pixels cut by a block edge by the part they cover. Alpha is ignored; a
 * non-square image is stretched to a square, as the stimuli are square.
 */
export function imageToTensor(image: RgbImage, size: number): Float32Array {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new Error(`${data.length} bytes are not a ${width}x${height} image with ${channels} channels`);
  }
  const columns = areaWeights(width, size);
  const rows = areaWeights(height, size);
  const out = new Float32Array(3 * size * size);
  // Separable: average along x into [height][size][3], then along y.
  const horizontal = new Float64Array(height * size * 3);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < size; ox++) {
      for (const [x, weight] of columns[ox]!) {
        const p = (y * width + x) * channels;
        for (let c = 0; c < 3; c++) horizontal[(y * size + ox) * 3 + c]! += weight * data[p + c]!;
      }
    }
  }
  for (let oy = 0; oy < size; oy++) {
    for (const [y, weight] of rows[oy]!) {
      for (let ox = 0; ox < size; ox++) {
        for (let c = 0; c < 3; c++)
          out[c * size * size + oy * size + ox]! += (weight * horizontal[(y * size + ox) * 3 + c]!) / 255;
      }
    }
  }
  return out;
}

/** For each of `size` output cells, the input indices it covers and their weights (summing to 1). */
function areaWeights(length: number, size: number): [index: number, weight: number][][] {
  const scale = length / size;
  return Array.from({ length: size }, (_, o) => {
    const start = o * scale;
    const end = start + scale;
    const cells: [number, number][] = [];
    for (let i = Math.floor(start); i < Math.min(length, Math.ceil(end)); i++) {
      const cover = Math.min(end, i + 1) - Math.max(start, i);
      if (cover > 1e-12) cells.push([i, cover / scale]);
    }
    return cells;
  });
}

/** [3,S,S] in [0,1] (values outside are clipped) -> interleaved 8-bit RGB, for figures and the page. */
export function tensorToRgb(chw: Float32Array, size: number): RgbImage {
  if (chw.length !== 3 * size * size) throw new Error(`${chw.length} values are not a [3, ${size}, ${size}] image`);
  const data = new Uint8Array(size * size * 3);
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(Math.min(1, Math.max(0, chw[c * plane + p]!)) * 255);
  }
  return { width: size, height: size, channels: 3, data };
}
