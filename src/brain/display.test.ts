import { describe, expect, it } from 'vitest';
import {
  activityCalibration,
  activitySliderMax,
  colormapGradient,
  DEFAULT_ACTIVITY_DISPLAY,
  roiLegend,
  outlineLut,
  OUTLINE_RGB,
  roiLut,
} from './display';

describe('activityCalibration', () => {
  it('paints |value| above the threshold, saturating at max, with the chosen negative map', () => {
    expect(activityCalibration({ ...DEFAULT_ACTIVITY_DISPLAY, threshold: 1.5, max: 4 })).toEqual({
      calMin: 1.5,
      calMax: 4,
      colormapNegative: 'winter',
    });
  });

  it('turns the negative map off with an empty name, as NiiVue expects', () => {
    expect(activityCalibration({ ...DEFAULT_ACTIVITY_DISPLAY, negative: null }).colormapNegative).toBe('');
  });

  it('keeps the range open when max is at or below the threshold, and the threshold non-negative', () => {
    const { calMin, calMax } = activityCalibration({ ...DEFAULT_ACTIVITY_DISPLAY, threshold: 3, max: 2 });
    expect(calMin).toBe(3);
    expect(calMax).toBeGreaterThan(3);
    expect(activityCalibration({ ...DEFAULT_ACTIVITY_DISPLAY, threshold: -1 }).calMin).toBe(0);
  });
});

describe('activitySliderMax', () => {
  it('is the largest |value| rounded up to a half, and at least 1', () => {
    expect(activitySliderMax(Float32Array.from([0.2, -3.3, 2]))).toBe(3.5);
    expect(activitySliderMax(Float32Array.from([4]))).toBe(4);
    expect(activitySliderMax(Float32Array.from([0.1]))).toBe(1);
    expect(activitySliderMax(null)).toBe(1);
  });
});

describe('colormapGradient', () => {
  const map = { R: [0, 255], G: [0, 128], B: [255, 0], I: [0, 255] };

  it('draws the colour map left to right, each point at its intensity', () => {
    expect(colormapGradient(map)).toBe('linear-gradient(to right, rgb(0 0 255) 0.0%, rgb(255 128 0) 100.0%)');
  });

  it('reversed, puts the strongest colour on the left (the negative half of the bar)', () => {
    expect(colormapGradient(map, true)).toBe('linear-gradient(to right, rgb(255 128 0) 0.0%, rgb(0 0 255) 100.0%)');
  });
});

describe('roiLegend and roiLut', () => {
  const legend = roiLegend({ '4': 'ventral', '1': 'V1', '2': 'V2', '0': 'outside' }, [1, 4]);

  it('lists the labels in value order without 0, each with a distinct colour and its mask membership', () => {
    expect(legend.map((e) => [e.value, e.name, e.inMask])).toEqual([
      [1, 'V1', true],
      [2, 'V2', false],
      [4, 'ventral', true],
    ]);
    expect(new Set(legend.map((e) => e.rgb.join())).size).toBe(3);
  });

  it('makes a NiiVue label table with label 0 transparent and every label opaque in its legend colour', () => {
    const lut = roiLut(legend);
    expect(lut.I).toEqual([0, 1, 2, 4]);
    expect(lut.A).toEqual([0, 255, 255, 255]);
    expect(lut.labels).toEqual(['', 'V1', 'V2', 'ventral']);
    expect([lut.R[3], lut.G[3], lut.B[3]]).toEqual(legend[2]!.rgb);
  });

  it('draws outlines in one neutral colour, label 0 still transparent', () => {
    const outlines = outlineLut(roiLut(legend));
    expect(outlines.I).toEqual([0, 1, 2, 4]);
    expect(outlines.A).toEqual([0, 255, 255, 255]);
    for (const i of [1, 2, 3]) expect([outlines.R[i], outlines.G[i], outlines.B[i]]).toEqual(OUTLINE_RGB);
    expect(OUTLINE_RGB[0]).toBe(OUTLINE_RGB[2]); // grey: no hue to mistake for a colour map's
  });
});
