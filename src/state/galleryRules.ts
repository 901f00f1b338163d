// Gallery mode as pure functions: MindEye2's figure for one subject, a row per test image (the
// seen image, the shared-subject and the single-subject reconstruction, the low-level image), each
// model's rank of the seen image, the order of the rows and what is still to be decoded. The runs
// themselves are the controller's (appController.ts, in slots named here); the tests call these.
import type { DatasetJson } from '../data/datasetSchema';
import type { ModelJson } from '../data/modelSchema';
import { sameRun, type CatalogEntry, type RunKey, type RunState, type Slot } from './pipelineStore';
import { modelsFor, type ModelChoice } from './selectionRules';

/** Rows added at a time: the first screenful, then "more". */
export const GALLERY_PAGE = 12;

/**
 * Whether a model learnt from other people before this one (MindEye2's shared-subject model), by
 * what its model.json says: several subjects' sessions, a pretraining stage in its provenance, or,
 * failing both, its name.
 */
export function trainedOnOthers(json: ModelJson): boolean {
  if (Object.keys(json.provenance.sessionsPerSubject).length > 1) return true;
  const notes = json.provenance.notes;
  const stages =
    typeof notes === 'object' && notes !== null && 'stageSeconds' in notes ? notes.stageSeconds : undefined;
  if (typeof stages === 'object' && stages !== null && 'pretrain' in stages) return true;
  return /shared-subject/i.test(json.name);
}

export interface ModelPair {
  /** Pretrained on other subjects, then fitted to this one. */
  shared: ModelChoice | null;
  /** Trained on this subject alone. */
  single: ModelChoice | null;
}

/** The first listed model of each kind that decodes the subject. */
export function sharedAndSingle(catalog: Readonly<Record<string, CatalogEntry>>, subject: string | null): ModelPair {
  const models = modelsFor(catalog, subject);
  return {
    shared: models.find((m) => trainedOnOthers(m.json)) ?? null,
    single: models.find((m) => !trainedOnOthers(m.json)) ?? null,
  };
}

/** The test images a subject saw, in dataset order (indices into dataset.json's images). */
export function galleryImages(dataset: DatasetJson, subject: string | null): number[] {
  if (subject === null) return [];
  return dataset.images.flatMap((image, index) =>
    image.split === 'test' && (image.trials?.[subject]?.length ?? 0) > 0 ? [index] : [],
  );
}

export type GalleryColumn = keyof ModelPair;
const COLUMNS: readonly GalleryColumn[] = ['shared', 'single'];

export interface GalleryJob {
  slot: Slot;
  key: RunKey;
}

/** Where a gallery reconstruction shows: one slot per image and model. */
export function gallerySlot(imageIndex: number, modelUrl: string): Slot {
  return `gallery:${imageIndex}:${modelUrl}`;
}

/**
 * What the gallery decodes, row by row (so rows complete from the top): each image's mean of
 * repeats, one sample, no experiment, the seed shown on the stage.
 */
export function galleryJobs(images: readonly number[], pair: ModelPair, subject: string, seed: number): GalleryJob[] {
  return images.flatMap((imageIndex) =>
    COLUMNS.flatMap((column) => {
      const model = pair[column];
      if (!model) return [];
      const key: RunKey = {
        modelUrl: model.url,
        subject,
        imageIndex,
        trial: 'average',
        seed,
        samples: 1,
      };
      return [{ slot: gallerySlot(imageIndex, model.url), key }];
    }),
  );
}

/** The slot's run if it is this job's: a run of another seed or subject in the same slot is not shown. */
export function runOf(job: GalleryJob, runs: Readonly<Record<Slot, RunState>>): RunState | undefined {
  const run = runs[job.slot];
  return run && sameRun(run.key, job.key) ? run : undefined;
}

/** The jobs still to run: not finished with a rank (cancelled, failed or never started). */
export function pendingJobs(jobs: readonly GalleryJob[], runs: Readonly<Record<Slot, RunState>>): GalleryJob[] {
  return jobs.filter((job) => {
    const run = runOf(job, runs);
    return !(run?.status === 'done' && run.resemblance) && run?.status !== 'running';
  });
}

export interface GalleryRow {
  imageIndex: number;
  /** Its place in dataset order, the order rows are decoded in. */
  position: number;
  shared: RunState | undefined;
  single: RunState | undefined;
}

export function galleryRows(
  images: readonly number[],
  pair: ModelPair,
  subject: string,
  seed: number,
  runs: Readonly<Record<Slot, RunState>>,
): GalleryRow[] {
  return images.map((imageIndex, position) => {
    const row: GalleryRow = { imageIndex, position, shared: undefined, single: undefined };
    for (const job of galleryJobs([imageIndex], pair, subject, seed)) {
      const column = job.key.modelUrl === pair.shared?.url ? 'shared' : 'single';
      row[column] = runOf(job, runs);
    }
    return row;
  });
}

/** The seen image's rank by resemblance to the run's reconstruction (1: the closest), once known. */
export function rankOf(run: RunState | undefined): number | null {
  return run?.resemblance?.rank ?? null;
}

export type GalleryOrder = 'image' | GalleryColumn;

/**
 * Rows in dataset order, or by a model's rank, best first; rows not ranked yet follow in dataset
 * order, so a filling gallery only ever inserts above them.
 */
export function sortRows(rows: readonly GalleryRow[], order: GalleryOrder): GalleryRow[] {
  if (order === 'image') return [...rows].sort((a, b) => a.position - b.position);
  const rank = (row: GalleryRow) => rankOf(row[order]) ?? Infinity;
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.position - b.position);
}

export interface GallerySummary {
  /** Rows with both models ranked. */
  compared: number;
  /** Of those, where the shared-subject model ranks the seen image higher (a smaller number), and lower. */
  sharedBetter: number;
  singleBetter: number;
  medianShared: number | null;
  medianSingle: number | null;
  /** Test images ranked among; null until a rank is known. */
  of: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** How the two models compare over the rows ranked so far. */
export function summarize(rows: readonly GalleryRow[]): GallerySummary {
  const both = rows.flatMap((row) => {
    const shared = rankOf(row.shared);
    const single = rankOf(row.single);
    return shared !== null && single !== null ? [{ shared, single }] : [];
  });
  const ranked = (column: GalleryColumn) => rows.flatMap((row) => rankOf(row[column]) ?? []);
  const of = rows.flatMap((row) => [row.shared, row.single]).find((run) => run?.resemblance)?.resemblance?.of ?? null;
  return {
    compared: both.length,
    sharedBetter: both.filter((b) => b.shared < b.single).length,
    singleBetter: both.filter((b) => b.single < b.shared).length,
    medianShared: median(ranked('shared')),
    medianSingle: median(ranked('single')),
    of,
  };
}

/** The rank a random picture gets on average among `of` images: the middle. */
export function chanceRank(of: number): number {
  return Math.floor((of + 1) / 2);
}
