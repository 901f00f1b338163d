// A voxel's ground-truth encoding (synthetic bundles only, docs/dataset-format.md "Encoding"): its
// population receptive field in the visual field and its category weights, and where that pRF falls
// on the stimulus image.

/** A pRF in degrees of visual angle: 0 = fixation (the image centre), +x right, +y up. */
export interface Prf {
  x: number;
  y: number;
  sigma: number;
}

export interface CategoryWeight {
  category: string;
  weight: number;
}

export interface VoxelTuning {
  /** The voxel's pRF; null when it has none (prf_sigma = 0); undefined when the encoding has no pRF columns. */
  prf: Prf | null | undefined;
  /** The `cat:<name>` columns, strongest first. */
  categories: CategoryWeight[];
}

/** One voxel's row of the encoding table, read by its column names. */
export function voxelTuning(columns: readonly string[], row: ArrayLike<number>): VoxelTuning {
  const column = (name: string) => {
    const index = columns.indexOf(name);
    return index < 0 ? undefined : row[index];
  };
  const [x, y, sigma] = [column('prf_x'), column('prf_y'), column('prf_sigma')];
  let prf: Prf | null | undefined;
  if (x !== undefined && y !== undefined && sigma !== undefined) prf = sigma > 0 ? { x, y, sigma } : null;
  const categories = columns
    .flatMap((name, i) => (name.startsWith('cat:') ? [{ category: name.slice(4), weight: row[i]! }] : []))
    .sort((a, b) => b.weight - a.weight);
  return { prf, categories };
}

/** A circle in image pixels (origin top left, y down). */
export interface Circle {
  cx: number;
  cy: number;
  r: number;
}

/**
 * The pRF's 1-sigma circle on a stimulus image `width` x `height` pixels whose width spans
 * `stimulusDeg` degrees; pixels are square in degrees, and image rows run down while visual y runs
 * up (models/dataset/encoding.py, _visual_field_grid).
 */
export function prfCircle(prf: Prf, stimulusDeg: number, width: number, height: number): Circle {
  const pixelsPerDegree = width / stimulusDeg;
  return {
    cx: width / 2 + prf.x * pixelsPerDegree,
    cy: height / 2 - prf.y * pixelsPerDegree,
    r: prf.sigma * pixelsPerDegree,
  };
}
