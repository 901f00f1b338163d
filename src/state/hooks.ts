// The bridge between the app's stores (plain zustand/vanilla, no React) and its components: the
// controller and its stores come from context, each hook reads one selected value. Selectors must
// return stored values (not new objects), so that a render reads a stable snapshot.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppController, AppStores } from './appController';
import type { DatasetState } from './datasetStore';
import type { PipelineState } from './pipelineStore';
import type { SelectionState } from './selectionStore';
import type { SettingsState } from './settingsStore';

export interface App {
  stores: AppStores;
  controller: AppController;
}

export const AppContext = createContext<App | null>(null);

function useApp(): App {
  const app = useContext(AppContext);
  if (!app) throw new Error('a component of the app was rendered outside <AppContext>');
  return app;
}

/** The named actions components call (the controller's). */
export function useActions(): AppController {
  return useApp().controller;
}

export function useDataset<T>(selector: (state: DatasetState) => T): T {
  return useStore(useApp().stores.dataset, selector);
}

export function usePipeline<T>(selector: (state: PipelineState) => T): T {
  return useStore(useApp().stores.pipeline, selector);
}

export function useSelection<T>(selector: (state: SelectionState) => T): T {
  return useStore(useApp().stores.selection, selector);
}

export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(useApp().stores.settings, selector);
}
