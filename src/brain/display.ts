// How the brain view paints things, as plain settings: the activity's colour maps, threshold and
// range, the ROI's colours and legend, the view layout. BrainViewer turns them into NiiVue calls.

export type BrainView = 'multiplanar' | 'axial' | 'coronal' | 'sagittal' | 'render';

export const BRAIN_VIEWS: readonly { view: BrainView; label: string }[] = [
  { view: 'multiplanar', label: 'Multiplanar' },
  { view: 'axial', label: 'Axial' },
  { view: 'coronal', label: 'Coronal' },
  { view: 'sagittal', label: 'Sagittal' },
  { view: 'render', label: '3D render' },
];

/** NiiVue colour map names: warm ones for activity above zero, cool ones below. */
export const POSITIVE_COLORMAPS = ['warm', 'hot', 'redyell'] as const;
export const NEGATIVE_COLORMAPS = ['winter', 'cool', 'blue'] as const;

export interface ActivityDisplay {
  /** Voxels with |value| at or below this are not painted. */
  threshold: number;
  /** |value| at which the colour maps saturate. */
  max: number;
  opacity: number;
  positive: (typeof POSITIVE_COLORMAPS)[number];
  /** null: negative values are not painted. */
  negative: (typeof NEGATIVE_COLORMAPS)[number] | null;
}

/** Betas are z-scored per session, so a threshold of 1 and saturation at 3 are in their units. */
export const DEFAULT_ACTIVITY_DISPLAY: ActivityDisplay = {
  threshold: 1,
  max: 3,
  opacity: 1,
  positive: 'warm',
  negative: 'winter',
};

/**
 * NiiVue's calibration for a signed overlay: values above cal_min take the positive map up to
 * cal_max; with a negative map, values below -cal_min take it down to -cal_max (NiiVue mirrors the
 * range when cal_minNeg/cal_maxNeg are unset).
 */
export function activityCalibration(display: ActivityDisplay): {
  calMin: number;
  calMax: number;
  colormapNegative: string;
} {
  const calMin = Math.max(0, display.threshold);
  // cal_max must stay above cal_min, or NiiVue's colour ramp has no width.
  const calMax = Math.max(display.max, calMin + 1e-3);
  return { calMin, calMax, colormapNegative: display.negative ?? '' };
}

/** The top of the threshold and range sliders for an activity: its largest |value|, rounded up to a half. */
export function activitySliderMax(values: ArrayLike<number> | null): number {
  let peak = 0;
  for (let i = 0; i < (values?.length ?? 0); i++) {
    const v = Math.abs(values![i]!);
    if (v > peak) peak = v;
  }
  return Math.max(1, Math.ceil(peak * 2) / 2);
}

/** A NiiVue colour map's control points: R, G, B (0-255) at intensities I (0-255). */
export interface ColormapPoints {
  R: number[];
  G: number[];
  B: number[];
  I: number[];
}

/**
 * A colour map as a left-to-right CSS gradient, from its first point to its last; reversed, from its
 * last to its first (the bar's negative half, where -max is on the left).
 */
export function colormapGradient(map: ColormapPoints, reversed = false): string {
  const top = map.I.at(-1) || 255;
  const stops = map.I.map((at, k) => {
    const percent = (100 * (reversed ? top - at : at)) / top;
    return `rgb(${map.R[k]} ${map.G[k]} ${map.B[k]}) ${percent.toFixed(1)}%`;
  });
  return `linear-gradient(to right, ${(reversed ? stops.reverse() : stops).join(', ')})`;
}

export interface RoiDisplay {
  visible: boolean;
  /** Outlines only, so the activity inside stays visible. */
  outline: boolean;
  opacity: number;
}

export const DEFAULT_ROI_DISPLAY: RoiDisplay = { visible: true, outline: true, opacity: 0.6 };

export interface RoiLegendEntry {
  value: number;
  name: string;
  /** 0-255 each */
  rgb: [number, number, number];
  inMask: boolean;
}

// Hues the default activity maps leave free (warm: red to yellow; winter: blue to green), so that an
// ROI is never mistaken for activity.
const ROI_PALETTE: [number, number, number][] = [
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [150, 150, 150],
  [188, 189, 34],
  [23, 190, 207],
];

/** The ROI labels in value order, each with its colour and whether it is part of the voxel vector. */
export function roiLegend(roiLabels: Record<string, string>, maskLabels: readonly number[]): RoiLegendEntry[] {
  return Object.entries(roiLabels)
    .map(([value, name]) => ({ value: Number(value), name }))
    .filter((label) => label.value !== 0)
    .sort((a, b) => a.value - b.value)
    .map((label, i) => ({
      ...label,
      rgb: ROI_PALETTE[i % ROI_PALETTE.length]!,
      inMask: maskLabels.includes(label.value),
    }));
}

/** A label colour table in NiiVue's ColorMap shape; label 0 (no ROI) is transparent. */
export interface LabelLut {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

/**
 * The colour of every region's outline: one neutral light grey, so that an outline is never taken
 * for activity (the purple of V1 read as the blue of negative betas) and the colours stay the data's.
 */
export const OUTLINE_RGB: [number, number, number] = [225, 225, 225];

/** The same label table with every region in the outline colour ("outlines only"). */
export function outlineLut(lut: LabelLut): LabelLut {
  const grey = (channel: number) => lut.I.map((value) => (value === 0 ? 0 : OUTLINE_RGB[channel]!));
  return { ...lut, R: grey(0), G: grey(1), B: grey(2) };
}

export function roiLut(legend: readonly RoiLegendEntry[]): LabelLut {
  const entries = [{ value: 0, name: '', rgb: [0, 0, 0], alpha: 0 }, ...legend.map((e) => ({ ...e, alpha: 255 }))];
  return {
    R: entries.map((e) => e.rgb[0]!),
    G: entries.map((e) => e.rgb[1]!),
    B: entries.map((e) => e.rgb[2]!),
    A: entries.map((e) => e.alpha),
    I: entries.map((e) => e.value),
    labels: entries.map((e) => e.name),
  };
}
