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
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  // Separable: average along x into [height][size][3], then along y. Flat typed arrays and scalar
  // accumulators: the gallery converts every test image, and a loop over [index, weight] pairs made
  // this 4 ms of a 256 px image (most of the gallery's time with the decode).
  const horizontal = new Float64Array(height * size * 3);
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    for (let ox = 0; ox < size; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = columns.offsets[ox]!; k < columns.offsets[ox + 1]!; k++) {
        const p = (rowStart + columns.index[k]!) * channels;
        const weight = columns.weight[k]!;
        r += weight * data[p]!;
        g += weight * data[p + 1]!;
        b += weight * data[p + 2]!;
      }
      const h = (y * size + ox) * 3;
      horizontal[h] = r;
      horizontal[h + 1] = g;
      horizontal[h + 2] = b;
    }
  }
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = rows.offsets[oy]!; k < rows.offsets[oy + 1]!; k++) {
        const h = (rows.index[k]! * size + ox) * 3;
        const weight = rows.weight[k]!;
        r += weight * horizontal[h]!;
        g += weight * horizontal[h + 1]!;
        b += weight * horizontal[h + 2]!;
      }
      const o = oy * size + ox;
      out[o] = r / 255;
      out[plane + o] = g / 255;
      out[2 * plane + o] = b / 255;
    }
  }
  return out;
}

/**
 * For each of `size` output cells, the input indices it covers and their weights (summing to 1),
 * flattened: cell o owns entries offsets[o] to offsets[o + 1].
 */
function areaWeights(length: number, size: number): { offsets: Int32Array; index: Int32Array; weight: Float64Array } {
  const scale = length / size;
  const offsets = new Int32Array(size + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let o = 0; o < size; o++) {
    const start = o * scale;
    const end = start + scale;
    for (let i = Math.floor(start); i < Math.min(length, Math.ceil(end)); i++) {
      const cover = Math.min(end, i + 1) - Math.max(start, i);
      if (cover > 1e-12) {
        index.push(i);
        weight.push(cover / scale);
      }
    }
    offsets[o + 1] = index.length;
  }
  return { offsets, index: Int32Array.from(index), weight: Float64Array.from(weight) };
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
