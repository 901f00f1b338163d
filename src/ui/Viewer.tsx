import { useEffect, useMemo, useState } from 'react';
import type { ModelJson } from '../data/modelSchema';
import { subjectsWithTestData } from '../data/testSet';
import type { LoadedDataset } from '../state/datasetStore';
import { DEMO_MODELS } from '../demo';
import { resolveUrl } from '../state/bundleKeys';
import {
  addToCatalog,
  findTrials,
  reconstruct,
  releaseModelsExcept,
  runVoxels,
  useDatasetForInference,
} from '../state/pipelineActions';
import { usePipeline, type RunKey } from '../state/pipelineStore';
import { select, useSelection } from '../state/selectionStore';
import { useSettings } from '../state/settingsStore';
import { BrainPanel } from './BrainPanel';
import { CompareSubjects } from './CompareSubjects';
import { Filmstrip } from './Filmstrip';
import { Glossary } from './Glossary';
import { MetricsPanel } from './MetricsPanel';
import { SettingsPanel } from './SettingsPanel';
import { SideBySide } from './SideBySide';
import { Stage } from './Stage';
import { TrialMatches } from './TrialMatches';

export function Viewer({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, source } = loaded;
  const urlOf = (path: string) => source.url(path);
  const selection = useSelection((s) => s);
  const catalog = usePipeline((s) => s.catalog);
  const models = usePipeline((s) => s.models);
  const runs = usePipeline((s) => s.runs);
  const silenced = useSettings((s) => s.silenced);
  const samples = useSettings((s) => s.samples);
  const [activity, setActivity] = useState<Float32Array | null>(null);
  const [autoRun, setAutoRun] = useState(true);
  const [category, setCategory] = useState<string | null>(null);
  // NiiVue's first render is heavy on a CPU-only machine: it waits for the first reconstruction.
  const [brainShown, setBrainShown] = useState(false);
  const mainStatus = runs.main?.status;
  useEffect(() => {
    if (mainStatus === 'done' || mainStatus === 'failed') setBrainShown(true);
    const fallback = setTimeout(() => setBrainShown(true), 8000);
    return () => clearTimeout(fallback);
  }, [mainStatus]);

  useEffect(() => {
    useDatasetForInference(loaded);
    const urls = [
      ...DEMO_MODELS,
      ...(selection.model ? [selection.model] : []),
      ...(selection.compare ? [selection.compare] : []),
    ];
    for (const url of new Set(urls.map(resolveUrl))) void addToCatalog(url, loaded);
    // Only when the dataset changes: the URL's models are read once, at load.
  }, [loaded]);

  const subjects = useMemo(() => subjectsWithTestData(dataset), [dataset]);
  const modelsOf = (subject: string | null) =>
    Object.entries(catalog).flatMap(([url, entry]) =>
      entry.status === 'ready' && subject && subject in entry.json.subjects ? [{ url, json: entry.json }] : [],
    );
  const subjectModels = modelsOf(selection.subject);
  const modelUrl = selection.model ? resolveUrl(selection.model) : null;
  const compareUrl = selection.compare ? resolveUrl(selection.compare) : null;
  const imageIndex = selection.image ? dataset.images.findIndex((im) => im.id === selection.image) : -1;
  const repeats =
    selection.subject && imageIndex >= 0 ? (dataset.images[imageIndex]?.trials?.[selection.subject]?.length ?? 0) : 0;

  // Defaults, so the page decodes something without a click: the first subject with a model, that
  // model, the first test image it saw.
  useEffect(() => {
    // Wait for every listed bundle, so the default is the first listed model, not the fastest to answer.
    if (Object.values(catalog).some((e) => e.status === 'loading')) return;
    // On the first render the catalog is still empty: ?model= would be dropped for the default.
    if (modelUrl && !catalog[modelUrl]) return;
    const subject =
      selection.subject && subjects.includes(selection.subject)
        ? selection.subject
        : (subjects.find((s) => modelsOf(s).length > 0) ?? subjects[0] ?? null);
    const choices = modelsOf(subject);
    const model = modelUrl && choices.some((c) => c.url === modelUrl) ? selection.model : (choices[0]?.url ?? null);
    const image =
      imageIndex >= 0 && subject && (dataset.images[imageIndex]?.trials?.[subject]?.length ?? 0) > 0
        ? selection.image
        : (dataset.images.find((im) => im.split === 'test' && subject && (im.trials?.[subject]?.length ?? 0) > 0)?.id ??
          null);
    const trial = selection.trial !== 'average' && selection.trial >= repeats ? 'average' : selection.trial;
    if (
      subject !== selection.subject ||
      model !== selection.model ||
      image !== selection.image ||
      trial !== selection.trial
    )
      select({ subject, model, image, trial });
  }, [catalog, selection.subject, selection.model, selection.image, selection.trial, subjects, dataset]);

  const key: RunKey | null =
    modelUrl && selection.subject && imageIndex >= 0 && catalog[modelUrl]?.status === 'ready'
      ? {
          modelUrl,
          subject: selection.subject,
          imageIndex,
          trial: selection.trial,
          silenced,
          seed: selection.seed,
          samples,
        }
      : null;
  const keyText = key ? JSON.stringify(key) : '';
  const compareKey =
    key && compareUrl && catalog[compareUrl]?.status === 'ready' ? { ...key, modelUrl: compareUrl } : null;

  useEffect(() => {
    if (!key || !autoRun) return;
    void reconstruct('main', key, loaded);
    if (compareKey) void reconstruct('compare', compareKey, loaded);
    // keyText stands for key; compare follows the main run.
  }, [keyText, compareUrl, autoRun]);

  useEffect(() => {
    if (!key) return setActivity(null);
    let live = true;
    runVoxels(loaded, key).then(
      (voxels) => live && setActivity(voxels),
      () => live && setActivity(null),
    );
    return () => {
      live = false;
    };
  }, [keyText]);

  useEffect(() => {
    if (modelUrl) releaseModelsExcept([modelUrl, ...(compareUrl ? [compareUrl] : [])]);
  }, [modelUrl, compareUrl]);

  const runNow = () => {
    if (!key) return;
    void reconstruct('main', key, loaded);
    if (compareKey) void reconstruct('compare', compareKey, loaded);
  };
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
      <button type="button" className="primary" onClick={runNow} disabled={!key}>
        Reconstruct
      </button>
      <label>
        <input type="checkbox" checked={autoRun} onChange={(e) => setAutoRun(e.target.checked)} /> on every pick
      </label>
    </div>
  );

  return (
    <div className="viewer">
      <Stage
        run={runs.main}
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
              activity={activity}
              activityLabel={activityLabel}
              stimulusUrl={image ? urlOf(image.file) : null}
              active={brainShown}
            />
          )
        }
      />

      <SideBySide
        image={image}
        urlOf={urlOf}
        synthetic={dataset.synthetic}
        main={{ run: runs.main, name: modelName(modelUrl) }}
        compare={compareUrl ? { url: compareUrl, run: runs.compare, name: modelName(compareUrl) } : null}
        choices={subjectModels.filter(({ url }) => url !== modelUrl)}
      />

      <SettingsPanel dataset={dataset} subject={selection.subject} models={modelUrl ? models[modelUrl] : undefined} />
      <Glossary />

      {key && (
        <TrialMatches
          dataset={dataset}
          urlOf={urlOf}
          onFind={(k) => findTrials(key.modelUrl, key.subject, key.imageIndex, k)}
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
