import type { DatasetJson } from '../data/datasetSchema';
import { startEngine } from '../state/pipelineActions';
import type { ModelState } from '../state/pipelineStore';
import { select, useSelection } from '../state/selectionStore';
import { settingsStore, useSettings } from '../state/settingsStore';

interface Props {
  dataset: DatasetJson;
  subject: string | null;
  /** The selected model, for its sampler limits and defaults. */
  models: ModelState | undefined;
}

/** Sampling within the bundle's limits, best of N, retrieval size, ROI ablation, and the engine. */
export function SettingsPanel({ dataset, subject, models }: Props) {
  const sampler = useSelection((s) => s.sampler);
  const samples = useSettings((s) => s.samples);
  const k = useSettings((s) => s.k);
  const silenced = useSettings((s) => s.silenced);
  const preview = useSettings((s) => s.preview);
  const seed = useSelection((s) => s.seed);
  const engineChoice = useSelection((s) => s.engine);
  const json = models?.status === 'ready' ? models.json : null;
  const defaults = json
    ? { priorSteps: json.prior.steps, decoderSteps: json.decoder.steps, cfgScale: json.decoder.cfgScale }
    : null;
  const current = sampler ?? defaults;
  const info = dataset.subjects.find((s) => s.id === subject);
  const rois = info
    ? info.maskLabels.map((label) => ({ label, name: info.roiLabels[String(label)] ?? `label ${label}` }))
    : [];

  const setSampler = (change: Partial<NonNullable<typeof current>>) => {
    if (current) select({ sampler: { ...current, ...change } });
  };
  const toggleRoi = (label: number, off: boolean) =>
    settingsStore.setState({
      silenced: off ? [...silenced, label].sort((a, b) => a - b) : silenced.filter((l) => l !== label),
    });

  return (
    <section className="settings" aria-labelledby="settings-title">
      <h3 id="settings-title">Settings</h3>
      <div className="settings-row">
        <label>
          Seed{' '}
          <input
            type="number"
            min={0}
            value={seed}
            onChange={(e) => select({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          />
        </label>
        <label>
          Samples (best of N){' '}
          <input
            type="number"
            min={1}
            max={8}
            value={samples}
            onChange={(e) =>
              settingsStore.setState({ samples: Math.min(8, Math.max(1, Math.floor(Number(e.target.value) || 1))) })
            }
          />
        </label>
        {json && current && (
          <>
            <label>
              Prior steps{' '}
              <input
                type="number"
                min={2}
                max={json.prior.trainSteps}
                value={current.priorSteps}
                onChange={(e) => setSampler({ priorSteps: clampInt(e.target.value, 2, json.prior.trainSteps) })}
              />
            </label>
            <label>
              Decoder steps{' '}
              <input
                type="number"
                min={2}
                max={json.decoder.maxSteps}
                value={current.decoderSteps}
                onChange={(e) => setSampler({ decoderSteps: clampInt(e.target.value, 2, json.decoder.maxSteps) })}
              />
            </label>
            <label>
              Guidance{' '}
              <input
                type="number"
                min={1}
                max={json.decoder.maxCfgScale}
                step={0.5}
                value={current.cfgScale}
                onChange={(e) =>
                  setSampler({ cfgScale: Math.min(json.decoder.maxCfgScale, Math.max(1, Number(e.target.value) || 1)) })
                }
              />
            </label>
            {sampler && (
              <button type="button" onClick={() => select({ sampler: null })}>
                Bundle defaults
              </button>
            )}
          </>
        )}
        <label>
          Retrieval top-k{' '}
          <input
            type="number"
            min={1}
            max={20}
            value={k}
            onChange={(e) => settingsStore.setState({ k: clampInt(e.target.value, 1, 20) })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={preview}
            onChange={(e) => settingsStore.setState({ preview: e.target.checked })}
          />{' '}
          show the image forming
        </label>
      </div>
      <fieldset className="ablation">
        <legend>ROI ablation: silence these regions before decoding</legend>
        {rois.map(({ label, name }) => (
          <label key={label}>
            <input
              type="checkbox"
              checked={silenced.includes(label)}
              onChange={(e) => toggleRoi(label, e.target.checked)}
            />{' '}
            {name}
          </label>
        ))}
        <p className="hint">V1-V3+ carry where things are and their colours; ventral voxels carry what they are.</p>
      </fieldset>
      <div className="settings-row">
        <label>
          Engine{' '}
          <select
            value={engineChoice}
            onChange={(e) => {
              const choice = e.target.value as 'auto' | 'webgpu' | 'wasm';
              select({ engine: choice });
              void startEngine(choice).catch(() => undefined);
            }}
          >
            <option value="auto">WebGPU when available, else WASM</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM</option>
          </select>
        </label>
      </div>
    </section>
  );
}

function clampInt(text: string, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(Number(text) || min)));
}
