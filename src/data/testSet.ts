// A subject's test set as the evaluation uses it: one voxel vector per test image, the mean of the
// betas rows that show it (MindEye2 averages an image's 3 repeats). Single-trial rows count once each;
// repeat-average rows count as the number of trials they average, so a mix of both stays a mean over
// trials.
import type { BundleSource } from './bundleSource';
import type { DatasetJson, ImageJson, SubjectJson, TrialsJson } from './datasetSchema';
import { openBetasAndTrials, SubjectDataError } from './subjectBetas';
import type { RowReader } from './zarrArray';

export interface TestSample {
  /** The image's index in dataset.json's images. */
  imageIndex: number;
  image: ImageJson;
  /** The mean betas over the rows that show it, [V_s]. */
  voxels: Float32Array;
  /** How many trials the mean covers. */
  trials: number;
}

/** Why a subject has no test data to decode, or null when it has some. */
function missingTestData(dataset: DatasetJson, subject: SubjectJson): string | null {
  if (!subject.betas) return 'no betas';
  const shown = dataset.images.some((im) => im.split === 'test' && (im.trials?.[subject.id]?.length ?? 0) > 0);
  return shown ? null : 'no trials of a test image';
}

/** Subjects with betas and at least one test image listing their rows. */
export function subjectsWithTestData(dataset: DatasetJson): string[] {
  return dataset.subjects.filter((s) => missingTestData(dataset, s) === null).map((s) => s.id);
}

/**
 * Why no subject of the dataset can be decoded, subject by subject, or null when one can: a valid
 * bundle of anatomy alone would otherwise leave the pickers empty without a word.
 */
export function noTestDataReason(dataset: DatasetJson): string | null {
  if (subjectsWithTestData(dataset).length > 0) return null;
  const reasons = dataset.subjects.map((s) => `${s.id}: ${missingTestData(dataset, s)}`);
  return `Nothing to decode in dataset ${dataset.id}: no subject has betas with trials of a test image (${reasons.join('; ')}).`;
}

export async function loadTestSet(
  source: BundleSource,
  dataset: DatasetJson,
  subjectId: string,
  options: { limit?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<TestSample[]> {
  const { subject, reader, trials } = await openBetasAndTrials(source, dataset, subjectId);

  const shown = dataset.images
    .map((image, imageIndex) => ({ image, imageIndex, rows: image.trials?.[subjectId] ?? [] }))
    .filter(({ image, rows }) => image.split === 'test' && rows.length > 0)
    .slice(0, options.limit);
  if (shown.length === 0) throw new SubjectDataError(`dataset ${dataset.id}: ${subjectId} has no test images`);

  const weightOf = rowWeights(subject, trials);
  const samples: TestSample[] = [];
  for (const { image, imageIndex, rows } of shown) {
    const { voxels, weight } = await meanOfRows(reader, rows, weightOf, options.signal);
    samples.push({ imageIndex, image, voxels, trials: weight });
    options.onProgress?.(samples.length, shown.length);
  }
  return samples;
}

/** A betas row's weight in a mean over trials: 1 for a single trial, else the number of trials it averages. */
export function rowWeights(subject: SubjectJson, trials: TrialsJson): (row: number) => number {
  return (row) => (subject.betas?.rows === 'repeat-average' ? (trials.averageOf?.[row] ?? 1) : 1);
}

/**
 * The weighted mean of betas rows: an image's trials (single-trial rows weigh 1, a repeat-average row
 * the number of trials it averages). `weight` is the number of trials the mean covers.
 */
export async function meanOfRows(
  reader: RowReader,
  rows: readonly number[],
  weightOf: (row: number) => number,
  signal?: AbortSignal,
): Promise<{ voxels: Float32Array; weight: number }> {
  const sum = new Float64Array(reader.shape[1]);
  let weight = 0;
  for (const row of rows) {
    const values = await reader.read(row, { signal });
    const w = weightOf(row);
    for (let v = 0; v < sum.length; v++) sum[v]! += w * values[v]!;
    weight += w;
  }
  return { voxels: Float32Array.from(sum, (s) => s / weight), weight };
}
