import { describe, expect, it } from 'vitest';
import { ssim, ssimGray, toGray } from './ssim';

/** The test images of the reference script below, [3,S,S] float32. */
function image(size: number, kind: 0 | 1 | 2): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v: number;
        if (kind === 0) v = (Math.sin(0.3 * x + 0.2 * y + c) + 1) / 2;
        else if (kind === 1)
          v = ((Math.sin(0.25 * x + 0.3 * y + 0.5 * c) + 1) / 2) * 0.8 + (0.1 * ((x * y + c) % 7)) / 7;
        else v = ((Math.floor(x / 8) + Math.floor(y / 8) + c) % 2) * 0.9 + 0.05;
        out[c * size * size + y * size + x] = v;
      }
    }
  }
  return out;
}

// scikit-image 0.19.3 (Debian python3-skimage), on the same images as float64:
//   structural_similarity(rgb2gray(a.transpose(1, 2, 0)), rgb2gray(b.transpose(1, 2, 0)),
//                         gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
// (use_sample_covariance=True differs from these by ~1e-4, so the tolerance below tells them apart.)
const SKIMAGE: [size: number, a: 0 | 1 | 2, b: 0 | 1 | 2, ssim: number][] = [
  [32, 0, 1, 0.5808847968213425],
  [32, 0, 2, -0.0648348337804467],
  [32, 1, 2, -0.05550352402384349],
  [64, 0, 1, 0.09259861065800866],
  [64, 0, 2, 0.015156387771918514],
  [64, 1, 2, 0.01205841319567803],
];

describe('SSIM', () => {
  it.each(SKIMAGE)('matches scikit-image at %i px for images %i and %i', (size, a, b, expected) => {
    expect(ssimGray(toGray(image(size, a), size), toGray(image(size, b), size), size)).toBeCloseTo(expected, 9);
  });

  it('is 1 for identical images and symmetric', () => {
    const [a, b] = [image(32, 0), image(32, 2)];
    expect(ssim(a, a, 32)).toBeCloseTo(1, 12);
    expect(ssim(a, b, 32)).toBeCloseTo(ssim(b, a, 32), 12);
  });

  it('averages over a batch of pairs', () => {
    const batch = (...images: Float32Array[]) => {
      const out = new Float32Array(images.reduce((n, im) => n + im.length, 0));
      images.forEach((im, i) => out.set(im, i * im.length));
      return out;
    };
    const value = ssim(batch(image(32, 0), image(32, 1)), batch(image(32, 1), image(32, 1)), 32);
    expect(value).toBeCloseTo((0.5808847968213425 + 1) / 2, 9);
  });

  it('weighs green most in grayscale, as rgb2gray', () => {
    const gray = toGray(Float32Array.of(1, 0, 0), 1); // one pixel: R=1, G=0, B=0 -> 0.2125
    expect(gray[0]).toBeCloseTo(0.2125, 7);
  });

  it('refuses images smaller than its window', () => {
    expect(() => ssim(image(8, 0), image(8, 1), 8)).toThrow(/larger than 10/);
  });
});
