// The selection concern: which subject, model(s), test image, trial and brain view are shown. It is
// the URL state (urlState.ts), kept in the address bar so that a view can be shared. No React
// (hooks.ts is the bridge), no window: the page's query string and history are passed in.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { parseUrlState, serializeUrlState, type UrlState } from './urlState';

export type SelectionState = UrlState;

export type SelectionStore = StoreApi<SelectionState>;

/** `search`: the query string the page was opened with. */
export function createSelectionStore(search: string): SelectionStore {
  return createStore<SelectionState>()(() => parseUrlState(search));
}

/** The part of `window` the address bar is written through. */
export interface AddressBar {
  location: { pathname: string; search: string };
  history: { replaceState(data: null, unused: string, url: string): void };
}

/** Writes every change to the address bar (replaceState: picking images should not flood history). */
export function mirrorSelectionToUrl(store: SelectionStore, bar: AddressBar): () => void {
  return store.subscribe((state) => {
    const query = serializeUrlState(state);
    if (query !== bar.location.search) bar.history.replaceState(null, '', `${bar.location.pathname}${query}`);
  });
}
