import { describe, expect, it } from 'vitest';
import { prfCircle, voxelTuning } from './prf';

const COLUMNS = ['prf_x', 'prf_y', 'prf_sigma', 'w_contrast', 'area', 'cat:bird', 'cat:face', 'cat:tool'];

describe('voxelTuning', () => {
  it('reads the pRF and the category weights by column name, strongest category first', () => {
    const tuning = voxelTuning(COLUMNS, [1.5, -2, 0.7, 0.9, 1, 0.1, 0.4, -0.2]);
    expect(tuning.prf).toEqual({ x: 1.5, y: -2, sigma: expect.closeTo(0.7, 6) as number });
    expect(tuning.categories).toEqual([
      { category: 'face', weight: expect.closeTo(0.4, 6) as number },
      { category: 'bird', weight: expect.closeTo(0.1, 6) as number },
      { category: 'tool', weight: expect.closeTo(-0.2, 6) as number },
    ]);
  });

  it('says null for a voxel without a pRF (prf_sigma = 0)', () => {
    expect(voxelTuning(COLUMNS, [0, 0, 0, 0, 4, 0.3, 0.2, 0.1]).prf).toBeNull();
  });

  it('says undefined when the encoding has no pRF columns', () => {
    const tuning = voxelTuning(['prf_x', 'cat:bird'], [1, 0.5]);
    expect(tuning.prf).toBeUndefined();
    expect(tuning.categories).toEqual([{ category: 'bird', weight: 0.5 }]);
  });
});

describe('prfCircle', () => {
  // NSD: 8.4 degrees over the image's width.
  const [deg, size] = [8.4, 256];

  it('puts fixation at the image centre', () => {
    expect(prfCircle({ x: 0, y: 0, sigma: 1 }, deg, size, size)).toEqual({ cx: 128, cy: 128, r: size / deg });
  });

  it('runs +x to the right and +y up (image rows run down)', () => {
    const circle = prfCircle({ x: 4.2, y: 2.1, sigma: 2.1 }, deg, size, size);
    expect(circle.cx).toBeCloseTo(256);
    expect(circle.cy).toBeCloseTo(64);
    expect(circle.r).toBeCloseTo(64);
    expect(prfCircle({ x: -4.2, y: -4.2, sigma: 1 }, deg, size, size)).toMatchObject({ cx: 0, cy: 256 });
  });

  it('scales by the width on both axes, so a pRF stays round on a wide image', () => {
    const circle = prfCircle({ x: 0, y: 1, sigma: 1 }, 10, 500, 300);
    expect(circle).toEqual({ cx: 250, cy: 100, r: 50 });
  });
});
