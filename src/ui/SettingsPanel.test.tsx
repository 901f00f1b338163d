import { readFileSync } from 'node:fs';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { modelSchema } from '../data/modelSchema';
import { SAMPLER_BOUNDS, samplerLimits } from '../inference/samplerLimits';
import type { AppController } from '../state/appController';
import { createDatasetStore } from '../state/datasetStore';
import { AppContext } from '../state/hooks';
import { createPipelineStore } from '../state/pipelineStore';
import { createSelectionStore } from '../state/selectionStore';
import { createSettingsStore } from '../state/settingsStore';
import { SettingsPanel } from './SettingsPanel';

const json = modelSchema.parse(JSON.parse(readFileSync('public/models/mini-subj01-alone/model.json', 'utf8')));

/** The min and max of the number input after `label`. */
function bounds(html: string, label: string): [number, number] {
  const match = new RegExp(`${label}[^<]*<input type="number" min="([^"]+)" max="([^"]+)"`).exec(html);
  if (!match) throw new Error(`no number field "${label}" in ${html}`);
  return [Number(match[1]), Number(match[2])];
}

describe('the settings panel', () => {
  it("offers the bundle's samplerLimits, an open end one step inside", () => {
    const stores = {
      dataset: createDatasetStore(),
      selection: createSelectionStore(''),
      pipeline: createPipelineStore(),
      settings: createSettingsStore(),
    };
    const html = renderToStaticMarkup(
      <AppContext.Provider value={{ stores, controller: {} as AppController }}>
        <SettingsPanel models={{ status: 'ready', json, loadMs: 0 }} />
      </AppContext.Provider>,
    );
    const limits = samplerLimits(json);
    expect(bounds(html, 'Seed')).toEqual([0, SAMPLER_BOUNDS.seed.max]);
    expect(bounds(html, 'Samples \\(best of N\\)')).toEqual([1, SAMPLER_BOUNDS.samples.max]);
    expect(bounds(html, 'Prior steps')).toEqual([limits.priorSteps.min, json.prior.trainSteps]);
    expect(bounds(html, 'Decoder steps')).toEqual([limits.decoderSteps.min, json.decoder.maxSteps]);
    expect(bounds(html, 'Guidance')).toEqual([1, json.decoder.maxCfgScale]);
    // The bundle sets both, so both fields are shown.
    expect(bounds(html, 'img2img strength \\(1: from noise\\)')).toEqual([0.05, 1]);
    expect(bounds(html, 'decoder&#x27;s alone\\)')).toEqual([0, 0.95]);
  });
});
