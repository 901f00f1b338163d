import type { ModelJson } from '../data/modelSchema';
import type { ImageJson } from '../data/datasetSchema';
import { rankOf, sharedAndSingle, trainedOnOthers } from '../state/galleryRules';
import type { RunState } from '../state/pipelineStore';
import { useActions, usePipeline, useSelection } from '../state/hooks';
import { ExportPng } from './ExportPng';
import { RankLine, ReconstructionTile, SeenTile } from './ResultTiles';
import { SimulatedBadge } from './SimulatedChip';
import './sideBySide.css';

interface Props {
  image: ImageJson | undefined;
  urlOf: (path: string) => string;
  synthetic: boolean;
  main: { url: string | null; name: string };
  /** The second model, when one is chosen. */
  compare: { url: string; name: string } | null;
  /** The models the second one can be chosen from (the first left out). */
  choices: { url: string; json: ModelJson }[];
}

/**
 * Two models on the same trial, side by side: the seen image once, both reconstructions, each
 * labelled shared- or single-subject with its rank, and which of them ranks the seen image higher.
 */
export function SideBySide({ image, urlOf, synthetic, main, compare, choices }: Props) {
  const { select, cancelRun } = useActions();
  const catalog = usePipeline((s) => s.catalog);
  const subject = useSelection((s) => s.subject);
  const mainRun = usePipeline((s) => s.runs.main);
  const compareRun = usePipeline((s) => s.runs.compare);
  const pair = sharedAndSingle(catalog, subject);
  const kind = (url: string | null) => {
    const entry = url ? catalog[url] : undefined;
    if (entry?.status !== 'ready') return 'Model';
    return trainedOnOthers(entry.json) ? 'Shared-subject' : 'Single-subject';
  };
  const isPair = pair.shared?.url === main.url && pair.single?.url === compare?.url;
  const columns = [
    { slot: 'main-side', runSlot: 'main', title: kind(main.url), run: mainRun, ...main },
    ...(compare
      ? [{ slot: 'compare', runSlot: 'compare', title: kind(compare.url), run: compareRun, ...compare }]
      : []),
  ];
  return (
    <section className="side-by-side" aria-labelledby="side-by-side-title">
      <h2 id="side-by-side-title">
        Two models, the same trial: shared-subject against single-subject
        {synthetic && <SimulatedBadge />}
      </h2>
      <p className="hint">
        MindEye2 showed that pretraining on other people lets one hour of a new person's data decode as well as many
        hours trained alone.
      </p>
      <div className="settings-row">
        {pair.shared && pair.single && !isPair && (
          <button type="button" onClick={() => select({ model: pair.shared!.url, compare: pair.single!.url })}>
            Compare shared-subject with single-subject
          </button>
        )}
        <label>
          Compare with{' '}
          <select value={compare?.url ?? ''} onChange={(e) => select({ compare: e.target.value || null })}>
            <option value="">no second model</option>
            {choices.map(({ url, json }) => (
              <option key={url} value={url}>
                {json.name}
              </option>
            ))}
          </select>
        </label>
        <ExportPng
          image={image}
          urlOf={urlOf}
          synthetic={synthetic}
          models={columns.map(({ title, name, run }) => ({ title, subtitle: name, run }))}
        />
      </div>
      {compare && image && (
        <>
          <div className="side-by-side-tiles" data-testid="run-compare">
            <div>
              <SeenTile image={image} urlOf={urlOf} />
            </div>
            {columns.map(({ slot, runSlot, run, name, title }) => (
              <div key={slot}>
                <ReconstructionTile
                  run={run}
                  imageId={image.id}
                  modelName={name}
                  label={title}
                  slot={slot}
                  onCancel={() => cancelRun(runSlot)}
                />
                <p className="side-by-side-model">{name}</p>
                <RankLine run={run} slot={slot} />
              </div>
            ))}
          </div>
          <Verdict columns={columns} />
        </>
      )}
    </section>
  );
}

/** Which model ranks the seen image higher here, once both have ranked it: one image, not the test set. */
function Verdict({ columns }: { columns: { title: string; name: string; run: RunState | undefined }[] }) {
  const [a, b] = columns.map((c) => ({ ...c, rank: rankOf(c.run) }));
  if (!a || !b || a.rank === null || b.rank === null) return null;
  const text =
    a.rank === b.rank
      ? `Both rank the seen image #${a.rank}.`
      : (() => {
          const [better, worse] = a.rank < b.rank ? [a, b] : [b, a];
          const which = a.title === b.title ? `"${better.name}"` : `${better.title.toLowerCase()} model`;
          return `Here the ${which} ranks the seen image higher: #${better.rank} against #${worse.rank}. One image; the gallery and the evaluation show the test set.`;
        })();
  return (
    <p className="side-by-side-verdict" data-testid="side-by-side-verdict">
      {text}
    </p>
  );
}
