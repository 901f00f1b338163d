// The settings concern: how many samples to draw (best of N), how many retrieval results to show,
// whether to show the image forming and whether every pick reconstructs.
// Sampler steps live in the URL state. No React (hooks.ts is the bridge).
import { createStore, type StoreApi } from 'zustand/vanilla';

export interface SettingsState {
  /** Samples per reconstruction; the best by retrieval similarity is shown ("best of N"). */
  samples: number;
  /** Retrieval results shown. */
  k: number;
  /** Show the reconstruction forming while the decoder denoises. */
  preview: boolean;
  /** Reconstruct whenever the selection changes, not only on the button. */
  autoRun: boolean;
}

export type SettingsStore = StoreApi<SettingsState>;

/** `initial`: what differs from the defaults, e.g. no run of every pick in presentation mode. */
export function createSettingsStore(initial: Partial<SettingsState> = {}): SettingsStore {
  return createStore<SettingsState>()(() => ({
    samples: 1,
    k: 5,
    preview: true,
    autoRun: true,
    ...initial,
  }));
}
