// The settings concern: how many samples to draw (best of N), how many retrieval results to show,
// which ROIs to silence, and whether to show the image forming. Sampler steps live in the URL state.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface SettingsState {
  /** Samples per reconstruction; the best by retrieval similarity is shown ("best of N"). */
  samples: number;
  /** Retrieval results shown. */
  k: number;
  /** ROI labels whose voxels are set to 0 before decoding (ablation). */
  silenced: number[];
  /** Show the reconstruction forming while the decoder denoises. */
  preview: boolean;
}

export const settingsStore = createStore<SettingsState>()(() => ({
  samples: 1,
  k: 5,
  silenced: [],
  preview: true,
}));

export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(settingsStore, selector);
}
