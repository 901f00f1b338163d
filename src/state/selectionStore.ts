// The selection concern: which subject, model(s), test image, trial and brain view are shown. It is
// the URL state (urlState.ts), kept in the address bar so that a view can be shared.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { parseUrlState, serializeUrlState, type UrlState } from './urlState';

export type SelectionState = UrlState;

export const selectionStore = createStore<SelectionState>()(() => parseUrlState(window.location.search));

export function useSelection<T>(selector: (state: SelectionState) => T): T {
  return useStore(selectionStore, selector);
}

export function select(change: Partial<SelectionState>): void {
  selectionStore.setState(change);
}

/** Writes every change to the address bar (replaceState: picking images should not flood history). */
export function mirrorSelectionToUrl(): () => void {
  return selectionStore.subscribe((state) => {
    const query = serializeUrlState(state);
    if (query !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${query}`);
  });
}
