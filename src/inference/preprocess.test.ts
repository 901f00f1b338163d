import { describe, expect, it } from 'vitest';
import { imageToTensor, tensorToRgb, type RgbImage } from './preprocess';

function rgb(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

describe('imageToTensor', () => {
  it('averages square blocks into channels-first [0,1] values', () => {
    const image = rgb(4, 4, (x, y) => [x * 10 + y * 40, 255, 0]);
    const t = imageToTensor(image, 2);
    expect(t).toHaveLength(12);
    // block (0,0): x in 0..1, y in 0..1 -> (0 + 10 + 40 + 50) / 4 = 25
    expect(t[0]).toBeCloseTo(25 / 255, 6);
    // block (1,0) (x = 2..3, y = 0..1): (20 + 30 + 60 + 70) / 4 = 45
    expect(t[1]).toBeCloseTo(45 / 255, 6);
    // block (0,1): (80 + 90 + 120 + 130) / 4 = 105
    expect(t[2]).toBeCloseTo(105 / 255, 6);
    expect(Array.from(t.subarray(4, 8))).toEqual([1, 1, 1, 1]); // green plane
    expect(Array.from(t.subarray(8))).toEqual([0, 0, 0, 0]); // blue plane
  });

  it('reads RGBA and ignores alpha', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 7, 0, 255, 0, 200]);
    expect(Array.from(imageToTensor({ width: 2, height: 1, channels: 4, data }, 1))).toEqual([0.5, 0.5, 0]);
  });

  it('weighs pixels cut by a block edge by the part they cover', () => {
    // 3 pixels -> 2: cell 0 covers pixel 0 and half of pixel 1
    const image = rgb(3, 3, (x) => [[0, 90, 255][x]!, 0, 0]);
    const t = imageToTensor(image, 2);
    expect(t[0]! * 255).toBeCloseTo((0 + 0.5 * 90) / 1.5, 4);
    expect(t[1]! * 255).toBeCloseTo((0.5 * 90 + 255) / 1.5, 4);
  });

  it('refuses data of the wrong size', () => {
    expect(() => imageToTensor({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, 1)).toThrow(/not a 2x2/);
  });
});

describe('tensorToRgb', () => {
  it('interleaves channels, scales to bytes and clips', () => {
    expect(Array.from(tensorToRgb(Float32Array.of(1.5, 0.5, -1), 1).data)).toEqual([255, 128, 0]);
  });

  it('undoes imageToTensor at the same size', () => {
    const image = rgb(3, 3, (x, y) => [x * 80, y * 100, (x * y * 30) % 256]);
    expect(tensorToRgb(imageToTensor(image, 3), 3)).toEqual(image);
  });
});
