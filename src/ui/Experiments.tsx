// Experiments beside the result: pick one, and the reconstruction of the brain activity it changed
// runs next to the unchanged one (same trial, same seed), with the seen image's rank before and after.
// The experiment lives in the URL (?experiment=), so a changed result can be shared like any other.
import { useState } from 'react';
import type { Experiment, ExperimentKind, Hemifield } from '../brain/experiments';
import { formatExperiment, NOISE_SD } from '../brain/experiments';
import type { DatasetJson } from '../data/datasetSchema';
import { useActions, usePipeline, useSelection } from '../state/hooks';
import type { RunState } from '../state/pipelineStore';
import { imageIndexOf, modelsFor, repeatsOf } from '../state/selectionRules';
import { LowLevelTile, ReconstructionTile, SeenTile } from './ResultTiles';
import { SimulatedBadge } from './SimulatedChip';
import './experiments.css';

/** Each experiment in plain words, and its technical term for the tooltip. */
const KINDS: { kind: ExperimentKind; label: string; term: string }[] = [
  { kind: 'rois', label: 'Switch off brain regions', term: 'ROI ablation: the regions’ voxels set to 0' },
  {
    kind: 'hemifield',
    label: 'Switch off one half of what the eye sees',
    term: 'Visual-field ablation by the true population receptive fields (pRF)',
  },
  { kind: 'noise', label: 'Add noise', term: 'Gaussian noise on the betas, standard deviation in z units' },
  { kind: 'repeats', label: 'Fewer repeats', term: 'Single-trial vs repeat-averaged betas' },
  {
    kind: 'shuffle',
    label: 'Shuffle the voxels',
    term: 'Permutation control: the voxel order shuffled (chance check)',
  },
  { kind: 'subject', label: "Another person's decoder", term: 'The wrong subject’s adapter' },
];

interface Props {
  dataset: DatasetJson;
  urlOf: (path: string) => string;
  modelName: (url: string | null) => string;
}

export function Experiments({ dataset, urlOf, modelName }: Props) {
  const { select, cancelRun } = useActions();
  const experiment = useSelection((s) => s.experiment);
  const subjectId = useSelection((s) => s.subject);
  const imageId = useSelection((s) => s.image);
  const trial = useSelection((s) => s.trial);
  const catalog = usePipeline((s) => s.catalog);
  const before = usePipeline((s) => s.runs.main);
  const after = usePipeline((s) => s.runs.experiment);
  // The kind picked, even while its options name nothing to run (no region ticked).
  const [picked, setPicked] = useState<ExperimentKind | null>(experiment?.kind ?? null);
  const kind = experiment?.kind ?? picked;

  const subject = dataset.subjects.find((s) => s.id === subjectId);
  const imageIndex = imageIndexOf(dataset, imageId);
  const image = imageIndex >= 0 ? dataset.images[imageIndex] : undefined;
  const repeats = repeatsOf(dataset, subjectId, imageIndex);
  const rois = subject
    ? subject.maskLabels.map((label) => ({ label, name: subject.roiLabels[String(label)] ?? `label ${label}` }))
    : [];
  const hasPrfs = Boolean(
    subject?.encoding?.columns.includes('prf_x') && subject.encoding.columns.includes('prf_sigma'),
  );
  const others = dataset.subjects
    .map((s) => s.id)
    .filter((id) => id !== subjectId && modelsFor(catalog, id).length > 0);
  const unavailable: Partial<Record<ExperimentKind, string>> = {
    hemifield: hasPrfs ? undefined : 'needs the true receptive fields, which only simulated data have',
    repeats: repeats > 1 ? undefined : 'this image has one row of brain activity for this subject',
    subject: others.length > 0 ? undefined : 'no listed model has another subject’s adapter',
  };

  const run = (next: Experiment | null) => select({ experiment: next });
  const choose = (next: ExperimentKind | null) => {
    setPicked(next);
    run(next === null ? null : defaultExperiment(next, rois, others));
  };

  return (
    <section className="experiments" aria-labelledby="experiments-title" data-testid="experiments">
      <h2 id="experiments-title">
        Experiments: change the brain activity, see what survives
        {dataset.synthetic && <SimulatedBadge />}
      </h2>
      <p className="hint">
        Each experiment changes the brain activity before it is decoded and runs beside the unchanged result, with the
        same trial and seed: the difference is the experiment’s alone.
      </p>
      <div className="experiment-body">
        <div className="experiment-controls">
          <div className="experiment-kinds" role="radiogroup" aria-label="Experiment">
            <label>
              <input type="radio" name="experiment" checked={kind === null} onChange={() => choose(null)} /> none
            </label>
            {KINDS.map(({ kind: k, label, term }) => (
              <label key={k} title={unavailable[k] ? `${term} — ${unavailable[k]}` : term}>
                <input
                  type="radio"
                  name="experiment"
                  checked={kind === k}
                  disabled={unavailable[k] !== undefined}
                  onChange={() => choose(k)}
                />{' '}
                {label}
              </label>
            ))}
          </div>

          {kind !== null && (
            <div className="experiment-options">
              <Options
                kind={kind}
                experiment={experiment}
                onChange={run}
                rois={rois}
                repeats={repeats}
                trial={trial}
                others={others}
                subjectId={subjectId ?? ''}
                modelOf={(other) => modelName(modelsFor(catalog, other)[0]?.url ?? null)}
              />
            </div>
          )}
        </div>
        {experiment && image && (
          <div className="experiment-result">
            <div className="experiment-tiles">
              <SeenTile image={image} urlOf={urlOf} />
              {[
                { run: before, slot: 'experiment-before', label: 'Unchanged' },
                { run: after, slot: 'experiment', label: 'Experiment' },
              ].map(({ run: shown, slot, label }) => (
                <div key={slot} className="experiment-column" data-testid={`${slot}-column`}>
                  <ReconstructionTile
                    run={shown}
                    imageId={image.id}
                    modelName={modelName(shown?.key.modelUrl ?? null)}
                    label={label}
                    slot={slot}
                    onCancel={slot === 'experiment' ? () => cancelRun('experiment') : undefined}
                  />
                  <LowLevelTile run={shown} imageId={image.id} slot={slot} />
                </div>
              ))}
            </div>
            <RankChange before={before} after={after} />
          </div>
        )}
      </div>
    </section>
  );
}

/** Where an experiment starts when picked: the early visual regions, the left half, sd 1, one trial, the first other subject. */
function defaultExperiment(
  kind: ExperimentKind,
  rois: { label: number; name: string }[],
  others: string[],
): Experiment | null {
  switch (kind) {
    case 'rois': {
      const early = rois.filter((r) => /^V\d/.test(r.name)).map((r) => r.label);
      const silenced = early.length > 0 ? early : rois.slice(0, 1).map((r) => r.label);
      return silenced.length > 0 ? { kind, silenced } : null;
    }
    case 'hemifield':
      return { kind, side: 'left' };
    case 'noise':
      return { kind, sd: 1 };
    case 'repeats':
      return { kind, count: 1 };
    case 'shuffle':
      return { kind };
    case 'subject':
      return others[0] ? { kind, other: others[0] } : null;
  }
}

interface OptionsProps {
  kind: ExperimentKind;
  experiment: Experiment | null;
  onChange: (experiment: Experiment | null) => void;
  rois: { label: number; name: string }[];
  repeats: number;
  trial: 'average' | number;
  others: string[];
  subjectId: string;
  modelOf: (subject: string) => string;
}

/** The chosen experiment's settings, and what it shows, in plain words. */
function Options({ kind, experiment, onChange, rois, repeats, trial, others, subjectId, modelOf }: OptionsProps) {
  switch (kind) {
    case 'rois': {
      const silenced = experiment?.kind === 'rois' ? experiment.silenced : [];
      const toggle = (label: number, off: boolean) => {
        const next = off ? [...silenced, label].sort((a, b) => a - b) : silenced.filter((l) => l !== label);
        onChange(next.length > 0 ? { kind: 'rois', silenced: next } : null);
      };
      return (
        <>
          <fieldset>
            <legend title="ROI: region of interest">Regions switched off</legend>
            {rois.map(({ label, name }) => (
              <label key={label}>
                <input
                  type="checkbox"
                  checked={silenced.includes(label)}
                  onChange={(e) => toggle(label, e.target.checked)}
                />{' '}
                {name}
              </label>
            ))}
          </fieldset>
          <p className="hint">
            Every voxel of these regions is set to 0, its average response, before decoding. V1, V2 and V3+ carry where
            things are and their colours; ventral voxels carry what they are.
            {silenced.length === 0 && ' Tick at least one region.'}
          </p>
        </>
      );
    }
    case 'hemifield': {
      const side = experiment?.kind === 'hemifield' ? experiment.side : 'left';
      return (
        <>
          <fieldset>
            <legend>Half of the picture whose voxels are switched off</legend>
            {(['left', 'right'] as Hemifield[]).map((s) => (
              <label key={s}>
                <input
                  type="radio"
                  name="hemifield"
                  checked={side === s}
                  onChange={() => onChange({ kind: 'hemifield', side: s })}
                />{' '}
                {s}
              </label>
            ))}
          </fieldset>
          <p className="hint">
            Every voxel that sees the {side} half of the picture (its true receptive field is centred there) is set to
            0, its average response: that half then looks like an average picture. This is possible only because the
            data are simulated and the simulation knows each voxel’s receptive field; in a real scan it has to be
            estimated from a separate mapping experiment. Ventral voxels, which have none here, stay on.
          </p>
        </>
      );
    }
    case 'noise': {
      const sd = experiment?.kind === 'noise' ? experiment.sd : 1;
      return (
        <>
          <label title="Standard deviation of the added Gaussian noise, in z units">
            How much noise{' '}
            <input
              type="range"
              min={NOISE_SD.min}
              max={NOISE_SD.max}
              step={0.1}
              value={sd}
              onChange={(e) => onChange({ kind: 'noise', sd: Number(e.target.value) })}
              aria-valuetext={`${sd} standard deviations`}
            />{' '}
            <output>{sd.toFixed(1)}</output>
          </label>
          <p className="hint">
            Random noise is added to every voxel, drawn from the seed (the same link gives the same noise). 1 is as
            large as a voxel’s own spread across images (the betas are z-scored).
          </p>
        </>
      );
    }
    case 'repeats': {
      const count = experiment?.kind === 'repeats' ? experiment.count : 1;
      return (
        <>
          <label>
            Decode{' '}
            <select value={count} onChange={(e) => onChange({ kind: 'repeats', count: Number(e.target.value) })}>
              {Array.from({ length: Math.max(repeats - 1, 1) }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n === 1 ? 'the first trial alone' : `the mean of the first ${n} repeats`}
                </option>
              ))}
            </select>
          </label>
          <p className="hint">
            Instead of {trial === 'average' ? `the mean of all ${repeats} repeats` : `trial ${trial + 1}`}. Every
            showing of an image is noisy; averaging its repeats is why MindEye2 is scored on the mean of three.
          </p>
        </>
      );
    }
    case 'shuffle':
      return (
        <p className="hint">
          The same values in a random order (drawn from the seed): the model can no longer tell which voxel is which.
          Nothing of the picture should survive, so the seen image’s rank should fall to about chance. A check that the
          unchanged result is not luck.
        </p>
      );
    case 'subject': {
      const other = experiment?.kind === 'subject' ? experiment.other : (others[0] ?? '');
      return (
        <>
          <label>
            Decode {subjectId}’s brain with the decoder of{' '}
            <select value={other} onChange={(e) => onChange({ kind: 'subject', other: e.target.value })}>
              {others.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
          <p className="hint">
            MindEye2 gives every person an adapter of their own, a first layer that reads their voxels: each brain has a
            different number of them, laid out differently. {other}’s adapter cannot take {subjectId}’s voxels as they
            are, so here each of {other}’s voxels takes the value of {subjectId}’s voxel at the same point of the scan
            (0 where {subjectId} has none), and the result goes through {other}’s adapter and the model “
            {modelOf(other)}”. The simulated brains are one template warped differently for each person, so the same
            point is often not the same piece of cortex: this shows how little of one person’s decoder carries over to
            another person’s brain without alignment.
          </p>
        </>
      );
    }
  }
}

/** The seen image's rank before and after, the change, and chance. */
function RankChange({ before, after }: { before: RunState | undefined; after: RunState | undefined }) {
  const from = before?.resemblance;
  const to = after?.resemblance;
  if (!from || !to) {
    const ranking = before?.status === 'done' || after?.status === 'done';
    return (
      <p className="rank-change pending">{ranking ? 'Ranking the seen image among the test images…' : '\u00a0'}</p>
    );
  }
  const chance = Math.floor((to.of + 1) / 2);
  const change = to.rank - from.rank;
  const words =
    change === 0 ? 'no change' : change > 0 ? `${change} places lower (worse)` : `${-change} places higher (better)`;
  return (
    <p
      className="rank-change"
      data-testid="experiment-rank-change"
      data-experiment={after.key.experiment ? formatExperiment(after.key.experiment) : ''}
      data-before={from.rank}
      data-after={to.rank}
      data-of={to.of}
    >
      The seen image’s rank: <strong>#{from.rank}</strong> unchanged → <strong>#{to.rank}</strong> with the experiment,{' '}
      {words}{' '}
      <span className="chance">
        · chance: #{chance} of {to.of}
      </span>
    </p>
  );
}
