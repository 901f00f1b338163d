import { useEffect, useMemo, useState } from 'react';
import type { ModelJson } from '../data/modelSchema';
import { subjectsWithTestData } from '../data/testSet';
import { resolveUrl } from '../state/bundleKeys';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions, usePipeline, useSelection, useSettings } from '../state/hooks';
import { imageIndexOf, modelsFor, repeatsOf, runKeys } from '../state/selectionRules';
import { BrainPanel } from './BrainPanel';
import { CompareSubjects } from './CompareSubjects';
import { Experiments } from './Experiments';
import { Filmstrip } from './Filmstrip';
import { Gallery } from './Gallery';
import { Glossary } from './Glossary';
import { MetricsPanel } from './MetricsPanel';
import { ModelFit } from './ModelFit';
import { SettingsPanel } from './SettingsPanel';
import { SideBySide } from './SideBySide';
import { Stage } from './Stage';
import { TrialBrowser } from './TrialBrowser';
import { TrialMatches } from './TrialMatches';

export function Viewer({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, source } = loaded;
  const urlOf = (path: string) => source.url(path);
  const { select, changeSettings, reconstructSelection, findTrials } = useActions();
  const selection = useSelection((s) => s);
  const catalog = usePipeline((s) => s.catalog);
  const models = usePipeline((s) => s.models);
  const activity = usePipeline((s) => s.activity);
  const samples = useSettings((s) => s.samples);
  const autoRun = useSettings((s) => s.autoRun);
  const [category, setCategory] = useState<string | null>(null);
  // NiiVue's first render is heavy on a CPU-only machine (1-3 s of the page's main thread on a
  // software GL, during which no answer of the worker is shown): it waits for the first
  // reconstruction with its retrieval list and rank, or 8 s when none comes. Once shown it stays
  // (the first run's end is remembered as state).
  const [waited, setWaited] = useState(false);
  // Only what it needs of the main run: the run itself changes at every denoising step, and the
  // viewer renders every panel (Stage and SideBySide follow the runs themselves).
  const mainStatus = usePipeline((s) => s.runs.main?.status);
  const mainRanked = usePipeline((s) => s.runs.main?.resemblance != null);
  const [firstRunEnded, setFirstRunEnded] = useState(false);
  if (!firstRunEnded && ((mainStatus === 'done' && mainRanked) || mainStatus === 'failed')) setFirstRunEnded(true);
  useEffect(() => {
    const fallback = setTimeout(() => setWaited(true), 8000);
    return () => clearTimeout(fallback);
  }, []);
  const brainShown = waited || firstRunEnded;

  // What to decode is settled (defaults) and run by the controller; here it is only read.
  const subjects = useMemo(() => subjectsWithTestData(dataset), [dataset]);
  const modelsOf = (subject: string | null) => modelsFor(catalog, subject);
  const subjectModels = modelsOf(selection.subject);
  const modelUrl = selection.model ? resolveUrl(selection.model) : null;
  const compareUrl = selection.compare ? resolveUrl(selection.compare) : null;
  const imageIndex = imageIndexOf(dataset, selection.image);
  const repeats = repeatsOf(dataset, selection.subject, imageIndex);
  const key = runKeys(selection, { samples }, dataset, catalog, resolveUrl).main;

  const modelName = (url: string | null) => {
    const entry = url ? catalog[url] : undefined;
    return entry?.status === 'ready' ? entry.json.name : (url ?? '');
  };
  const image = imageIndex >= 0 ? dataset.images[imageIndex] : undefined;

  const activityLabel = image
    ? `${image.id}, ${selection.trial === 'average' ? `mean of ${repeats} repeats` : `trial ${selection.trial + 1} of ${repeats}`}`
    : undefined;

  const controls = (
    <div className="pickers" role="group" aria-label="What to decode">
      <label>
        Subject{' '}
        <select value={selection.subject ?? ''} onChange={(e) => select({ subject: e.target.value, model: null })}>
          {subjects.map((s) => (
            <option key={s} value={s}>
              {s}
              {modelsOf(s).length === 0 ? ' (no model)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        Model{' '}
        <select value={modelUrl ?? ''} onChange={(e) => select({ model: e.target.value })}>
          {subjectModels.length === 0 && <option value="">no model for this subject</option>}
          <ModelOptions models={subjectModels} />
        </select>
      </label>
      <label>
        Trial{' '}
        <select
          value={selection.trial === 'average' ? 'average' : String(selection.trial)}
          onChange={(e) => select({ trial: e.target.value === 'average' ? 'average' : Number(e.target.value) })}
        >
          <option value="average">
            mean of {repeats} repeat{repeats === 1 ? '' : 's'}
          </option>
          {Array.from({ length: repeats > 1 ? repeats : 0 }, (_, i) => (
            <option key={i} value={i}>
              trial {i + 1}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="primary" onClick={reconstructSelection} disabled={!key}>
        Reconstruct
      </button>
      <label>
        <input type="checkbox" checked={autoRun} onChange={(e) => changeSettings({ autoRun: e.target.checked })} /> on
        every pick
      </label>
      <button type="button" onClick={() => select({ mode: 'gallery' })}>
        Gallery: many images, both models
      </button>
    </div>
  );

  if (selection.mode === 'gallery')
    return (
      <div className="viewer">
        <Gallery loaded={loaded} />
        <Glossary />
      </div>
    );

  return (
    <div className="viewer">
      <Stage
        model={modelUrl ? models[modelUrl] : undefined}
        modelName={modelName(modelUrl)}
        dataset={dataset}
        urlOf={urlOf}
        imageIndex={imageIndex}
        controls={controls}
        filmstrip={
          <Filmstrip
            images={dataset.images}
            urlOf={urlOf}
            subject={selection.subject}
            selected={imageIndex >= 0 ? imageIndex : null}
            onSelect={(index) => select({ image: dataset.images[index]!.id })}
            categories={dataset.categories ?? []}
            category={category}
            onCategory={setCategory}
          />
        }
        brain={
          selection.subject && (
            <BrainPanel
              source={source}
              dataset={dataset}
              subjectId={selection.subject}
              activity={activity?.voxels ?? null}
              activityLabel={activityLabel}
              stimulusUrl={image ? urlOf(image.file) : null}
              active={brainShown}
            />
          )
        }
      />

      <Experiments dataset={dataset} urlOf={urlOf} modelName={modelName} />

      <ModelFit dataset={dataset} subject={selection.subject} />
      <TrialBrowser loaded={loaded} />

      <SideBySide
        image={image}
        urlOf={urlOf}
        synthetic={dataset.synthetic}
        main={{ url: modelUrl, name: modelName(modelUrl) }}
        compare={compareUrl ? { url: compareUrl, name: modelName(compareUrl) } : null}
        choices={subjectModels.filter(({ url }) => url !== modelUrl)}
      />

      <SettingsPanel models={modelUrl ? models[modelUrl] : undefined} />
      <Glossary />

      {key && (
        <TrialMatches
          dataset={dataset}
          urlOf={urlOf}
          onFind={(k) => void findTrials(key.modelUrl, key.subject, key.imageIndex, k)}
          onPick={(imageIndexOfTrial, trial) => select({ image: dataset.images[imageIndexOfTrial]!.id, trial })}
          subject={key.subject}
          imageIndex={key.imageIndex}
        />
      )}

      {image && <CompareSubjects loaded={loaded} imageIndex={imageIndex} modelsOf={modelsOf} subjects={subjects} />}

      {modelUrl && selection.subject && (
        <MetricsPanel modelUrl={modelUrl} modelName={modelName(modelUrl)} subject={selection.subject} />
      )}
    </div>
  );
}

function ModelOptions({ models }: { models: { url: string; json: ModelJson }[] }) {
  return models.map(({ url, json }) => (
    <option key={url} value={url}>
      {json.name}
    </option>
  ));
}
