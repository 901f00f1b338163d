// The app's dataset store and the hook components read it through, one selected value at a time.
import { useStore } from 'zustand';
import { createDatasetStore, type DatasetState } from './datasetStore';

export const datasetStore = createDatasetStore();

/** Selectors must return stored values (not new objects), so that a render reads a stable snapshot. */
export function useDataset<T>(selector: (state: DatasetState) => T): T {
  return useStore(datasetStore, selector);
}
