// The dataset concern of the app's state: which bundle is loading, the last one that validated, and
// the problems of the latest attempt. Plain TypeScript (zustand/vanilla), no React.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BundleSource } from '../data/bundleSource';
import type { DatasetJson } from '../data/datasetSchema';
import { validateDataset, type ValidateOptions } from '../data/validateDataset';
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
}

export type DatasetStore = StoreApi<DatasetState>;

export function createDatasetStore(): DatasetStore {
  return createStore<DatasetState>()(() => ({ status: 'idle', location: null, loaded: null, problems: [] }));
}

/** Validates a bundle and, only if it has no problems, makes it the loaded one. */
export async function loadDataset(store: DatasetStore, source: BundleSource, options: ValidateOptions): Promise<void> {
  store.setState({ status: 'loading', location: source.name, problems: [] });
  const { dataset, summary, problems } = await validateDataset(source, options);
  // A later load started while this one ran: its result is the one that counts.
  if (store.getState().location !== source.name) return;
  if (problems.length === 0 && dataset && summary) {
    store.setState({ status: 'ready', loaded: { source, dataset, summary }, problems: [] });
  } else {
    store.setState({ status: 'failed', problems });
  }
}

/** A location that does not even make a URL: no attempt to load, the problem says so. */
export function rejectLocation(store: DatasetStore, location: string, message: string): void {
  store.setState({ status: 'failed', location, problems: [{ file: location, message }] });
}
