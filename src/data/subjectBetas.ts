// Opening a subject's betas: its dataset.json entry, a lazy row reader of its Zarr array and, where
// it is needed, its trial table. The app's trial voxels, the evaluation's test set and the worker's
// trial gallery all open them here, so a subject without betas fails the same way in each.
import { withSignal, type BundleSource } from './bundleSource';
import { trialsSchema, type DatasetJson, type SubjectJson, type TrialsJson } from './datasetSchema';
import { problemLines, readJsonFile, type Problem } from './validation';
import { openRowReader, type RowReader } from './zarrArray';

/** A subject the dataset does not have, or has no betas (or trial table) for. */
export class SubjectDataError extends Error {
  override name = 'SubjectDataError';
}

export interface SubjectBetas {
  subject: SubjectJson;
  reader: RowReader;
}

/** The subject's entry and a reader of its betas rows (nothing is read but the array's metadata). */
export async function openBetas(source: BundleSource, dataset: DatasetJson, subjectId: string): Promise<SubjectBetas> {
  const subject = subjectOf(dataset, subjectId);
  if (!subject.betas) throw noBetas(dataset, subjectId);
  return { subject, reader: await openRowReader(source, subject.betas.path, subject.betas.scale ?? 1) };
}

/** As openBetas, with the trial table (which says how many trials a repeat-average row holds), read first. */
export async function openBetasAndTrials(
  source: BundleSource,
  dataset: DatasetJson,
  subjectId: string,
): Promise<SubjectBetas & { trials: TrialsJson }> {
  const trials = await readTrials(source, dataset, subjectId);
  return { ...(await openBetas(source, dataset, subjectId)), trials };
}

/** The subject's trial table (trials.json), checked against its schema. */
export async function readTrials(
  source: BundleSource,
  dataset: DatasetJson,
  subjectId: string,
  options: { signal?: AbortSignal } = {},
): Promise<TrialsJson> {
  const subject = subjectOf(dataset, subjectId);
  if (!subject.betas || !subject.trials) throw noBetas(dataset, subjectId);
  const problems: Problem[] = [];
  const read = options.signal ? withSignal(source, options.signal) : source;
  const trials = await readJsonFile(read, subject.trials, `subject ${subjectId}`, trialsSchema, problems);
  if (!trials) throw new SubjectDataError(problemLines(problems).join('\n'));
  return trials;
}

function subjectOf(dataset: DatasetJson, subjectId: string): SubjectJson {
  const subject = dataset.subjects.find((s) => s.id === subjectId);
  if (!subject) throw new SubjectDataError(`dataset ${dataset.id} has no subject ${subjectId}`);
  return subject;
}

function noBetas(dataset: DatasetJson, subjectId: string): SubjectDataError {
  return new SubjectDataError(`dataset ${dataset.id}: ${subjectId} has no betas`);
}
