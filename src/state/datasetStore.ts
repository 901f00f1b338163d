// The dataset concern of the app's state: which bundle is loading, the last one that validated, and
// the problems of the latest attempt. Plain TypeScript (zustand/vanilla), no React.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BundleSource } from '../data/bundleSource';
import type { DatasetJson } from '../data/datasetSchema';
import { validateDatasetFirst, validateDatasetRest, type ValidateOptions } from '../data/validateDataset';
import { LIMITS } from '../data/limits';
import type { DatasetSummary, Problem } from '../data/validation';

export interface LoadedDataset {
  source: BundleSource;
  dataset: DatasetJson;
  summary: DatasetSummary;
}

export interface DatasetState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  /** The bundle being loaded, or last tried. */
  location: string | null;
  /** The last bundle that validated; it stays usable when a later one fails (nothing half-loaded). */
  loaded: LoadedDataset | null;
  /** The problems of the latest attempt; empty when it succeeded. */
  problems: Problem[];
  /** The check of the rest of the loaded bundle, which runs after its first part validated. */
  check: BundleCheck | null;
  /** The bundle whose load was cancelled last (the state before it is back); cleared by the next load. */
  cancelled: string | null;
}

/** The files of a loaded bundle checked after it is shown: every image and every array chunk. */
export interface BundleCheck {
  /** Of `loaded`'s source. */
  location: string;
  status: 'waiting' | 'checking' | 'done';
  /** Files read so far and in all, per part ('images', or an array's folder for its chunks). */
  parts: Record<string, { done: number; total: number }>;
  /** What the check found; the dataset stays open (what the first part checked is sound). */
  problems: Problem[];
  /**
   * 'every' chunk of the arrays is read by the check, or, past LIMITS.backgroundCheckValues, each
   * chunk is checked 'as-read' (its ends were checked before the dataset was shown).
   */
  chunks: 'every' | 'as-read';
}

/** Whether the background check reads every chunk of a bundle's arrays (see LIMITS.backgroundCheckValues). */
export function chunksChecked(summary: DatasetSummary): BundleCheck['chunks'] {
  const values = summary.subjects.reduce(
    (sum, s) => sum + (s.trials ? (s.trials.train + s.trials.test) * s.voxelCount : 0),
    0,
  );
  return values <= LIMITS.backgroundCheckValues ? 'every' : 'as-read';
}

export type DatasetStore = StoreApi<DatasetState>;

export function createDatasetStore(): DatasetStore {
  return createStore<DatasetState>()(() => ({
    status: 'idle',
    location: null,
    loaded: null,
    problems: [],
    check: null,
    cancelled: null,
  }));
}

/** What a load replaced, put back when it is cancelled. */
type BeforeLoad = Pick<DatasetState, 'status' | 'location' | 'problems'>;

/**
 * The latest load of each store: an older one's answer, or its cancel, changes nothing. Of loads that
 * overlap, the state before the first is what a cancel puts back (the ones between never finished).
 */
const latestLoad = new WeakMap<DatasetStore, { before: BeforeLoad }>();

/**
 * Validates what the viewer needs of a bundle (dataset.json and its subjects: validateDatasetFirst)
 * and, only if that has no problems, makes it the loaded one. The rest (every image and array chunk)
 * is checked once the promise `restAfter` gives (asked once the dataset is shown) settles, e.g. after
 * the first picture, so that it does not hold the first reconstruction back; its progress and
 * problems land in `check`. Resolves when the first part is done, or at once when `signal` aborts:
 * its reads stop, and the store is as before the load, with `cancelled` naming it.
 */
export async function loadDataset(
  store: DatasetStore,
  source: BundleSource,
  options: ValidateOptions,
  restAfter: () => Promise<unknown> = () => Promise.resolve(),
  signal?: AbortSignal,
): Promise<void> {
  const state = store.getState();
  const overlapped = state.status === 'loading' ? latestLoad.get(store) : undefined;
  const load = {
    before: overlapped?.before ?? { status: state.status, location: state.location, problems: state.problems },
  };
  latestLoad.set(store, load);
  const latest = () => latestLoad.get(store) === load;
  store.setState({ status: 'loading', location: source.name, problems: [], cancelled: null });
  let stop!: (value: null) => void;
  const cancelled = new Promise<null>((resolve) => (stop = resolve));
  const cancel = () => {
    if (latest()) {
      latestLoad.delete(store);
      store.setState({ ...load.before, cancelled: source.name });
    }
    stop(null);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  const validation = await Promise.race([
    validateDatasetFirst(source, { ...options, chunks: 'ends', signal }),
    cancelled,
  ]).finally(() => signal?.removeEventListener('abort', cancel));
  // Cancelled, or a later load started while this one ran: that one's result is the one that counts.
  if (!validation || !latest()) return;
  latestLoad.delete(store);
  const { dataset, summary, problems } = validation;
  if (problems.length === 0 && dataset && summary) {
    const loaded = { source, dataset, summary };
    store.setState({
      status: 'ready',
      loaded,
      problems: [],
      check: { location: source.name, status: 'waiting', parts: {}, problems: [], chunks: chunksChecked(summary) },
    });
    void restAfter().finally(() => checkRest(store, loaded, options));
  } else {
    store.setState({ status: 'failed', problems });
  }
}

async function checkRest(store: DatasetStore, loaded: LoadedDataset, options: ValidateOptions): Promise<void> {
  // Another bundle is shown already: nothing of this one is read.
  if (store.getState().loaded !== loaded) return;
  const update = (change: (check: BundleCheck) => Partial<BundleCheck>) => {
    const { check } = store.getState();
    // Another bundle was loaded meanwhile: this check is of no interest any more.
    if (store.getState().loaded !== loaded || !check) return;
    store.setState({ check: { ...check, ...change(check) } });
  };
  const progress = (part: string, done: number, total: number) =>
    update((check) => ({ parts: { ...check.parts, [part]: { done, total } } }));
  update(() => ({ status: 'checking' }));
  const { problems } = await validateDatasetRest(loaded.source, loaded.dataset, {
    ...options,
    chunks: chunksChecked(loaded.summary) === 'every' ? 'every' : 'ends',
    // A task of its own for each file (inflating a chunk, checking an image), so that hundreds of
    // them never hold the page's main thread for long; and no further file once another bundle is
    // shown (the rejection ends the check, whose result is then dropped).
    pace: () =>
      new Promise((resolve, reject) =>
        setTimeout(() => (store.getState().loaded === loaded ? resolve() : reject(new Error('superseded'))), 0),
      ),
    onProgress: ({ file, done, total }) => progress(file, done, total),
    onImages: (done, total) => progress('images', done, total),
  });
  update(() => ({ status: 'done', problems }));
}

/** A location that does not even make a URL: no attempt to load, the problem says so. */
export function rejectLocation(store: DatasetStore, location: string, message: string): void {
  // A load still running is superseded, as by a newer load.
  latestLoad.delete(store);
  store.setState({ status: 'failed', location, problems: [{ file: location, message }], cancelled: null });
}
