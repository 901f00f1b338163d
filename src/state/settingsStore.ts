// The settings concern: how to sample (steps, guidance, samples), how many retrieval results to
// show, which ROIs to silence, and which engine to prefer.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { SamplerSettings } from '../inference/pipeline';

export interface SettingsState {
  /** null: the model bundle's own settings. */
  sampler: SamplerSettings | null;
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
  sampler: null,
  samples: 1,
  k: 5,
  silenced: [],
  preview: true,
}));

export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(settingsStore, selector);
}
