import type { ModelJson } from '../data/modelSchema';
import type { ImageJson } from '../data/datasetSchema';
import type { RunState } from '../state/pipelineStore';
import { useActions } from '../state/hooks';
import { ExportPng } from './ExportPng';
import { RankLine, ReconstructionTile, SeenTile } from './ResultTiles';
import { SimulatedBadge } from './SimulatedChip';

interface Props {
  image: ImageJson | undefined;
  urlOf: (path: string) => string;
  synthetic: boolean;
  main: { run: RunState | undefined; name: string };
  /** The second model, when one is chosen. */
  compare: { url: string; run: RunState | undefined; name: string } | null;
  /** The models the second one can be chosen from (the first left out). */
  choices: { url: string; json: ModelJson }[];
}

/** Two models on the same trial, side by side: the seen image once, both reconstructions and their ranks. */
export function SideBySide({ image, urlOf, synthetic, main, compare, choices }: Props) {
  const { select, cancelRun } = useActions();
  const runs = [main.run, compare?.run].filter((r) => r !== undefined);
  return (
    <section className="side-by-side" aria-labelledby="side-by-side-title">
      <h2 id="side-by-side-title">
        Two models, the same trial
        {synthetic && <SimulatedBadge />}
      </h2>
      <p className="hint">
        MindEye2 showed that a model pretrained on other people and fine-tuned on one session of a new person
        (shared-subject) reconstructs that person's images better than one trained on the session alone
        (single-subject).
      </p>
      <div className="settings-row">
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
          runs={runs}
          names={[main.name, ...(compare ? [compare.name] : [])]}
          image={image}
          urlOf={urlOf}
          synthetic={synthetic}
        />
      </div>
      {compare && image && (
        <div className="side-by-side-tiles" data-testid="run-compare">
          <div>
            <SeenTile image={image} urlOf={urlOf} />
          </div>
          {[
            { slot: 'main-side', runSlot: 'main', ...main },
            { slot: 'compare', runSlot: 'compare', ...compare },
          ].map(({ slot, runSlot, run, name }) => (
            <div key={slot}>
              <ReconstructionTile
                run={run}
                imageId={image.id}
                modelName={name}
                label={name}
                slot={slot}
                onCancel={() => cancelRun(runSlot)}
              />
              <RankLine run={run} slot={slot} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
