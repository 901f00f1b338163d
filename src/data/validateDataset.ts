// The dataset bundle validator, shared by the app (on load) and `npm run validate`. It collects every
// problem it can find, each naming its file, and never throws on bad input.
import { errorText, type BundleSource } from './bundleSource';
import { datasetSchema, type DatasetJson } from './datasetSchema';
import type { ImageDecoder } from './imageDecoder';
import type { ChunkProgress } from './validateArrays';
import { validateImages } from './validateImages';
import { validateSubject } from './validateSubject';
import { readBundleFile, readJsonFile, type DatasetSummary, type Problem } from './validation';

export interface ValidateOptions {
  /** sharp in Node (a full decode); the app reads headers and structure (imageHeader.ts). */
  decodeImage: ImageDecoder;
  /**
   * Which chunks of the betas and encoding arrays to read: 'every' one (`npm run validate`), or those
   * of the first and last rows ('ends', the default: in the app at load every chunk would be the
   * whole download).
   */
  chunks?: 'every' | 'ends';
  /** Chunks read so far, per array. */
  onProgress?: (progress: ChunkProgress) => void;
}

export interface ValidationResult {
  /** dataset.json, when it parsed and matched the schema. */
  dataset: DatasetJson | null;
  /** What the bundle holds, as far as it could be read; null when dataset.json itself is unusable. */
  summary: DatasetSummary | null;
  /** Empty when the bundle is valid. */
  problems: Problem[];
}

const DATASET_FILE = 'dataset.json';

export async function validateDataset(source: BundleSource, options: ValidateOptions): Promise<ValidationResult> {
  const problems: Problem[] = [];
  try {
    return await validate(source, options, problems);
  } catch (error) {
    // The checks turn every failure they expect into a problem; this is for the ones they don't.
    problems.push({ file: DATASET_FILE, message: `validation stopped unexpectedly: ${errorText(error)}` });
    return { dataset: null, summary: null, problems };
  }
}

async function validate(
  source: BundleSource,
  options: ValidateOptions,
  problems: Problem[],
): Promise<ValidationResult> {
  const dataset = await readJsonFile(source, DATASET_FILE, '', datasetSchema, problems);
  if (!dataset) return { dataset: null, summary: null, problems };

  const [notices, subjects, images] = await Promise.all([
    Promise.all(
      dataset.attribution.map(async ({ notice }, i) => {
        const noticeProblems: Problem[] = [];
        if (notice) await readBundleFile(source, notice, `attribution[${i}].notice`, noticeProblems);
        return noticeProblems;
      }),
    ),
    Promise.all(
      dataset.subjects.map((_, index) =>
        validateSubject(source, dataset, index, { chunks: options.chunks ?? 'ends', onProgress: options.onProgress }),
      ),
    ),
    validateImages(source, dataset, options.decodeImage),
  ]);
  problems.push(...notices.flat(), ...subjects.flatMap((s) => s.problems), ...images.problems);

  const summary: DatasetSummary = {
    id: dataset.id,
    name: dataset.name,
    synthetic: dataset.synthetic,
    subjects: subjects.map((s) => s.summary),
    images: {
      train: dataset.images.filter((image) => image.split === 'train').length,
      test: dataset.images.filter((image) => image.split === 'test').length,
    },
    imageSizes: images.sizes,
  };
  return { dataset, summary, problems };
}
