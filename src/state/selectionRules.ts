// What the selection means, as pure functions of the stores' values: the models a subject can be
// decoded with, the defaults that let the page decode something without a click, and the run keys
// (what the main, the comparison and the experiment slot should show). The controller applies them; components read
// them; the tests call them directly.
import type { Experiment } from '../brain/experiments';
import type { DatasetJson } from '../data/datasetSchema';
import type { ModelJson } from '../data/modelSchema';
import type { ActivityKey, CatalogEntry, RunKey } from './pipelineStore';
import type { SelectionState } from './selectionStore';
import type { SettingsState } from './settingsStore';

export interface ModelChoice {
  url: string;
  json: ModelJson;
}

/** The catalog's usable models for a subject, in the order they were listed. */
export function modelsFor(catalog: Readonly<Record<string, CatalogEntry>>, subject: string | null): ModelChoice[] {
  return Object.entries(catalog).flatMap(([url, entry]) =>
    entry.status === 'ready' && subject !== null && subject in entry.json.subjects ? [{ url, json: entry.json }] : [],
  );
}

/** An image id's index in dataset.json's images, or -1 when there is none (or no id). */
export function imageIndexOf(dataset: DatasetJson, id: string | null): number {
  return id === null ? -1 : dataset.images.findIndex((image) => image.id === id);
}

/** How many betas rows show an image to a subject (its repeats). */
export function repeatsOf(dataset: DatasetJson, subject: string | null, imageIndex: number): number {
  return subject === null ? 0 : (dataset.images[imageIndex]?.trials?.[subject]?.length ?? 0);
}

export type Settled = Pick<SelectionState, 'subject' | 'model' | 'image' | 'trial'>;

export interface SettleInput {
  selection: Settled;
  dataset: DatasetJson;
  /** The subjects with test data, in dataset order (subjectsWithTestData). */
  subjects: readonly string[];
  catalog: Readonly<Record<string, CatalogEntry>>;
  /** A model location as the URL has it -> its catalog key. */
  resolve: (url: string) => string;
}

/**
 * The subject, model, image and trial to show: the selection's own where it can be shown, else the
 * first subject with a model, its first model, the first test image it saw, the mean of the repeats.
 * null while the catalog is being listed (empty, or a bundle still loading), so the default is the
 * first model listed, not the fastest to answer. A requested model (?model=) the catalog does not
 * list yet is kept: it is replaced only once its entry says it cannot decode the subject.
 */
export function settleSelection({ selection, dataset, subjects, catalog, resolve }: SettleInput): Settled | null {
  const entries = Object.values(catalog);
  if (entries.length === 0 || entries.some((e) => e.status === 'loading')) return null;
  const subject =
    selection.subject !== null && subjects.includes(selection.subject)
      ? selection.subject
      : (subjects.find((s) => modelsFor(catalog, s).length > 0) ?? subjects[0] ?? null);
  const requested = selection.model === null ? undefined : catalog[resolve(selection.model)];
  const usable = (entry: CatalogEntry | undefined) =>
    entry === undefined || (entry.status === 'ready' && subject !== null && subject in entry.json.subjects);
  const model =
    selection.model !== null && usable(requested) ? selection.model : (modelsFor(catalog, subject)[0]?.url ?? null);
  const index = imageIndexOf(dataset, selection.image);
  const image =
    index >= 0 && repeatsOf(dataset, subject, index) > 0
      ? selection.image
      : (dataset.images.find((im) => im.split === 'test' && subject !== null && (im.trials?.[subject]?.length ?? 0) > 0)
          ?.id ?? null);
  const repeats = repeatsOf(dataset, subject, imageIndexOf(dataset, image));
  const trial = selection.trial !== 'average' && selection.trial >= repeats ? 'average' : selection.trial;
  return { subject, model, image, trial };
}

/** Whether settling changes anything, so that an unchanged selection is not written again. */
export function sameSettled(a: Settled, b: Settled): boolean {
  return a.subject === b.subject && a.model === b.model && a.image === b.image && a.trial === b.trial;
}

export interface RunKeys {
  main: RunKey | null;
  /** The same trial on the second model. */
  compare: RunKey | null;
  /** The main run with the selection's experiment (same seed), to show beside it. */
  experiment: RunKey | null;
}

/**
 * The trial the brain view paints: the selection's subject, image and trial, with or without a model
 * (a converted NSD bundle has none that fits until one is trained for it).
 */
export function activityKey(selection: SelectionState, dataset: DatasetJson): ActivityKey | null {
  const imageIndex = imageIndexOf(dataset, selection.image);
  if (selection.subject === null || imageIndex < 0) return null;
  return { subject: selection.subject, imageIndex, trial: selection.trial };
}

/** What the main, comparison and experiment slots decode now; null where a model is not chosen or not listed yet. */
export function runKeys(
  selection: SelectionState,
  settings: Pick<SettingsState, 'samples'>,
  dataset: DatasetJson,
  catalog: Readonly<Record<string, CatalogEntry>>,
  resolve: (url: string) => string,
): RunKeys {
  const modelUrl = selection.model === null ? null : resolve(selection.model);
  const compareUrl = selection.compare === null ? null : resolve(selection.compare);
  const imageIndex = imageIndexOf(dataset, selection.image);
  const main: RunKey | null =
    modelUrl !== null && selection.subject !== null && imageIndex >= 0 && catalog[modelUrl]?.status === 'ready'
      ? {
          modelUrl,
          subject: selection.subject,
          imageIndex,
          trial: selection.trial,
          seed: selection.seed,
          samples: settings.samples,
        }
      : null;
  const compare =
    main && compareUrl !== null && catalog[compareUrl]?.status === 'ready' ? { ...main, modelUrl: compareUrl } : null;
  const experiment = main && selection.experiment ? experimentKey(main, selection.experiment, catalog) : null;
  return { main, compare, experiment };
}

/**
 * The main run with an experiment. The wrong subject's adapter is decoded by a model that has one for
 * the other subject: the main model when it has, else the first listed; null when none has, or when
 * the other subject is this one.
 */
function experimentKey(
  main: RunKey,
  experiment: Experiment,
  catalog: Readonly<Record<string, CatalogEntry>>,
): RunKey | null {
  if (experiment.kind !== 'subject') return { ...main, experiment };
  if (experiment.other === main.subject) return null;
  const models = modelsFor(catalog, experiment.other);
  const modelUrl = models.find((m) => m.url === main.modelUrl)?.url ?? models[0]?.url;
  return modelUrl === undefined ? null : { ...main, modelUrl, experiment };
}
