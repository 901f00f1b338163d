// The dataset bundle validator, shared by the app (on load) and `npm run validate`. It collects every
// problem it can find, each naming its file, and never throws on bad input.
import { errorText, withSignal, type BundleSource } from './bundleSource';
import { datasetSchema, type DatasetJson } from './datasetSchema';
import { checkGalleries } from './gallery';
import type { ImageDecoder } from './imageDecoder';
import { checkBetas, checkEncoding, type ChunkProgress } from './validateArrays';
import { validateImages } from './validateImages';
import { validateSubject } from './validateSubject';
import { readBundleFile, readJsonFile, type DatasetSummary, type ImageSizeCount, type Problem } from './validation';

export interface ValidateOptions {
  /** sharp in Node (a full decode); the app reads headers and structure (imageHeader.ts). */
  decodeImage: ImageDecoder;
  /**
   * Which chunks of the betas and encoding arrays to read: 'every' one (`npm run validate`), or those
   * of the first and last rows ('ends', the default: the app checks the rest after the first picture,
   * with validateDatasetRest).
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

/** The whole bundle, as `npm run validate` checks it. */
export async function validateDataset(source: BundleSource, options: ValidateOptions): Promise<ValidationResult> {
  const first = await validateDatasetFirst(source, options);
  if (!first.dataset || !first.summary) return first;
  const rest = await validateDatasetRest(source, first.dataset, { ...options, chunks: undefined });
  return {
    dataset: first.dataset,
    summary: { ...first.summary, imageSizes: rest.imageSizes },
    problems: [...first.problems, ...rest.problems],
  };
}

/**
 * What the app needs before it shows the dataset and reconstructs: dataset.json and every subject
 * (volumes, trials, betas and encoding arrays: their metadata and the `chunks` asked for). The images
 * and notices are left to validateDatasetRest (`imageSizes` stays empty): on the demo bundle they are
 * 300 of its 456 files, and checking them first kept the first picture waiting about 4 s.
 */
export async function validateDatasetFirst(
  bundle: BundleSource,
  options: ValidateOptions & {
    /** Stops every read once it aborts; what was not read then is reported as unreadable. */
    signal?: AbortSignal;
  },
): Promise<ValidationResult> {
  const source = options.signal ? withSignal(bundle, options.signal) : bundle;
  const problems: Problem[] = [];
  try {
    const dataset = await readJsonFile(source, DATASET_FILE, '', datasetSchema, problems);
    if (!dataset) return { dataset: null, summary: null, problems };
    const subjects = await Promise.all(
      dataset.subjects.map((_, index) =>
        validateSubject(source, dataset, index, { chunks: options.chunks ?? 'ends', onProgress: options.onProgress }),
      ),
    );
    problems.push(...subjects.flatMap((s) => s.problems));
    const summary: DatasetSummary = {
      id: dataset.id,
      name: dataset.name,
      synthetic: dataset.synthetic,
      subjects: subjects.map((s) => s.summary),
      images: {
        train: dataset.images.filter((image) => image.split === 'train').length,
        test: dataset.images.filter((image) => image.split === 'test').length,
      },
      imageSizes: [],
    };
    return { dataset, summary, problems };
  } catch (error) {
    return { dataset: null, summary: null, problems: [...problems, unexpected(error)] };
  }
}

export interface RestOptions extends ValidateOptions {
  /** Images checked so far. */
  onImages?: (done: number, total: number) => void;
  /** Awaited before each file: the app yields to the page there, so that checking does not freeze it. */
  pace?: () => Promise<void>;
}

/**
 * The rest of a bundle whose first part validated: the attribution notices, every image, the
 * retrieval galleries against the images, and, when `chunks` is 'every', every chunk of the
 * subjects' arrays (the first part read only their ends).
 */
export async function validateDatasetRest(
  source: BundleSource,
  dataset: DatasetJson,
  options: RestOptions,
): Promise<{ imageSizes: ImageSizeCount[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  try {
    const scan = { chunks: 'every' as const, onProgress: options.onProgress, pace: options.pace };
    const [notices, images] = await Promise.all([
      Promise.all(
        dataset.attribution.map(async ({ notice }, i) => {
          const noticeProblems: Problem[] = [];
          if (notice) await readBundleFile(source, notice, `attribution[${i}].notice`, noticeProblems);
          return noticeProblems;
        }),
      ),
      validateImages(source, dataset, options.decodeImage, options.onImages, options.pace),
      options.chunks === 'every'
        ? Promise.all(
            dataset.subjects.map(async (subject, index) => {
              const field = `subjects[${index}]`;
              await checkBetas(source, subject, field, scan, problems);
              await checkEncoding(source, subject, field, scan, problems);
            }),
          )
        : null,
    ]);
    problems.push(...notices.flat(), ...images.problems);
    await checkGalleries(source, dataset, images.digests, problems);
    return { imageSizes: images.sizes, problems };
  } catch (error) {
    return { imageSizes: [], problems: [...problems, unexpected(error)] };
  }
}

/** The checks turn every failure they expect into a problem; this is for the ones they don't. */
function unexpected(error: unknown): Problem {
  return { file: DATASET_FILE, message: `validation stopped unexpectedly: ${errorText(error)}` };
}
