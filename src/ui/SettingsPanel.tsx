import { defaultSettings } from '../inference/pipeline';
import { SAMPLER_BOUNDS, samplerLimits, type Range } from '../inference/samplerLimits';
import { useActions, useSelection, useSettings } from '../state/hooks';
import type { ModelState } from '../state/pipelineStore';

interface Props {
  /** The selected model, for its sampler limits and defaults. */
  models: ModelState | undefined;
}

/** Sampling within the bundle's limits, best of N, retrieval size, and the engine. */
export function SettingsPanel({ models }: Props) {
  const { select, changeSettings, chooseEngine } = useActions();
  const sampler = useSelection((s) => s.sampler);
  const samples = useSettings((s) => s.samples);
  const k = useSettings((s) => s.k);
  const preview = useSettings((s) => s.preview);
  const seed = useSelection((s) => s.seed);
  const engineChoice = useSelection((s) => s.engine);
  const json = models?.status === 'ready' ? models.json : null;
  const current = sampler ?? (json ? defaultSettings(json) : null);
  const limits = json ? samplerLimits(json) : SAMPLER_BOUNDS;

  const setSampler = (change: Partial<NonNullable<typeof current>>) => {
    if (current) select({ sampler: { ...current, ...change } });
  };

  return (
    <section className="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="settings-row">
        <NumberField label="Seed" value={seed} range={limits.seed} onChange={(value) => select({ seed: value })} />
        <NumberField
          label="Samples (best of N)"
          value={samples}
          range={limits.samples}
          onChange={(value) => changeSettings({ samples: value })}
        />
        {json && current && (
          <>
            <NumberField
              label="Prior steps"
              value={current.priorSteps}
              range={limits.priorSteps}
              onChange={(value) => setSampler({ priorSteps: value })}
            />
            <NumberField
              label="Decoder steps"
              value={current.decoderSteps}
              range={limits.decoderSteps}
              onChange={(value) => setSampler({ decoderSteps: value })}
            />
            <NumberField
              label="Guidance"
              value={current.cfgScale}
              range={limits.cfgScale}
              step={0.5}
              onChange={(value) => setSampler({ cfgScale: value })}
            />
            {json.decoder.img2imgStrength !== undefined && (
              <NumberField
                label="img2img strength (1: from noise)"
                value={current.img2imgStrength ?? 1}
                range={limits.img2imgStrength}
                step={0.05}
                onChange={(value) => setSampler({ img2imgStrength: value })}
              />
            )}
            {json.decoder.blurryBlend !== undefined && (
              <NumberField
                label="Share of the low-level image in the result (0: the decoder's alone)"
                value={current.blurryBlend}
                range={limits.blurryBlend}
                step={0.05}
                onChange={(value) => setSampler({ blurryBlend: value })}
              />
            )}
            {sampler && (
              <button type="button" onClick={() => select({ sampler: null })}>
                Bundle defaults
              </button>
            )}
          </>
        )}
        <NumberField
          label="Retrieval top-k"
          value={k}
          range={TOP_K}
          onChange={(value) => changeSettings({ k: value })}
        />
        <label>
          <input type="checkbox" checked={preview} onChange={(e) => changeSettings({ preview: e.target.checked })} />{' '}
          show the image forming
        </label>
      </div>
      <div className="settings-row">
        <label>
          Engine{' '}
          <select value={engineChoice} onChange={(e) => chooseEngine(e.target.value as 'auto' | 'webgpu' | 'wasm')}>
            <option value="auto">WebGPU when available, else WASM</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM</option>
          </select>
        </label>
      </div>
    </section>
  );
}

/** Retrieval results shown: a short list, not a sampler setting. */
const TOP_K: Range = { min: 1, max: 20, integer: true };

interface NumberFieldProps {
  label: string;
  value: number;
  range: Range;
  /** 1 (the default) for whole numbers; an open end of the range is offered one step inside it. */
  step?: number;
  onChange: (value: number) => void;
}

/** A labelled number input whose value is always within `range` (the bundle's limits). */
function NumberField({ label, value, range, step = 1, onChange }: NumberFieldProps) {
  const min = range.minOpen ? range.min + step : range.min;
  const max = range.maxOpen ? range.max - step : range.max;
  const change = (text: string) => {
    const number = Number(text);
    if (text === '' || !Number.isFinite(number)) return;
    onChange(Math.min(max, Math.max(min, range.integer ? Math.floor(number) : number)));
  };
  return (
    <label>
      {label}{' '}
      <input type="number" min={min} max={max} step={step} value={value} onChange={(e) => change(e.target.value)} />
    </label>
  );
}
