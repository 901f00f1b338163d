// SSIM (MindEye2 Table 1), computed as scikit-image's
//   structural_similarity(rgb2gray(recon), rgb2gray(true), gaussian_weights=True, sigma=1.5,
//                         use_sample_covariance=False, data_range=1.0)
// which is Wang et al. (2004)'s setting and the call MindEye's evaluations make:
// - grayscale with rgb2gray's weights 0.2125 R + 0.7154 G + 0.0721 B;
// - local means, variances and covariance through a Gaussian window of sigma 1.5, truncated at 3.5
//   sigma (radius 5, an 11×11 window), edges mirrored as scipy's 'reflect' (d c b a | a b c d);
//   population (not sample) covariance;
// - C1 = (0.01·L)², C2 = (0.03·L)² with L = 1;
// - the mean of the SSIM map without a 5-pixel border (skimage crops the window radius).
// ssim.test.ts holds it to numbers scikit-image 0.19 computed.
import { mean } from './stats';

const SIGMA = 1.5;
const RADIUS = Math.floor(3.5 * SIGMA + 0.5); // scipy's truncate = 3.5 -> 5
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

const KERNEL = (() => {
  const weights = Array.from({ length: 2 * RADIUS + 1 }, (_, i) => Math.exp(-0.5 * ((i - RADIUS) / SIGMA) ** 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
})();

/** [3,S,S] RGB -> [S,S] luminance, as skimage.color.rgb2gray. */
export function toGray(chw: Float32Array, size: number): Float64Array {
  const plane = size * size;
  const gray = new Float64Array(plane);
  for (let p = 0; p < plane; p++) gray[p] = 0.2125 * chw[p]! + 0.7154 * chw[plane + p]! + 0.0721 * chw[2 * plane + p]!;
  return gray;
}

/** scipy.ndimage 'reflect': the edge sample repeats (d c b a | a b c d | d c b a). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/** A separable Gaussian filter of an [S,S] image. */
function gaussianFilter(image: Float64Array, size: number): Float64Array {
  const pass = (input: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(input.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let k = -RADIUS; k <= RADIUS; k++) {
          const index = horizontal ? y * size + reflect(x + k, size) : reflect(y + k, size) * size + x;
          sum += KERNEL[k + RADIUS]! * input[index]!;
        }
        out[y * size + x] = sum;
      }
    }
    return out;
  };
  return pass(pass(image, true), false);
}

/** SSIM of two [S,S] grayscale images in [0,1]. */
export function ssimGray(a: Float64Array, b: Float64Array, size: number): number {
  if (size <= 2 * RADIUS)
    throw new Error(`SSIM needs images larger than ${2 * RADIUS}×${2 * RADIUS}, not ${size}×${size}`);
  const product = (x: Float64Array, y: Float64Array) => x.map((v, i) => v * y[i]!);
  const [ux, uy] = [gaussianFilter(a, size), gaussianFilter(b, size)];
  const [uxx, uyy, uxy] = [product(a, a), product(b, b), product(a, b)].map((p) => gaussianFilter(p, size)) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  let sum = 0;
  for (let y = RADIUS; y < size - RADIUS; y++) {
    for (let x = RADIUS; x < size - RADIUS; x++) {
      const i = y * size + x;
      const [mx, my] = [ux[i]!, uy[i]!];
      const vx = uxx[i]! - mx * mx;
      const vy = uyy[i]! - my * my;
      const cxy = uxy[i]! - mx * my;
      sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
  }
  return sum / (size - 2 * RADIUS) ** 2;
}

/** Mean SSIM over image pairs; recons and truths are [n,3,S,S] RGB in [0,1], flattened. */
export function ssim(recons: Float32Array, truths: Float32Array, size: number): number {
  const per = 3 * size * size;
  if (recons.length !== truths.length)
    throw new Error(`${recons.length} reconstruction values for ${truths.length} true`);
  const scores = [];
  for (let i = 0; i < recons.length / per; i++) {
    const a = toGray(recons.subarray(i * per, (i + 1) * per), size);
    const b = toGray(truths.subarray(i * per, (i + 1) * per), size);
    scores.push(ssimGray(a, b, size));
  }
  return mean(scores);
}
