// The first screen: the seen image, the reconstruction and the low-level output, large and side by
// side, the rank that frames them, the test images to step through right below, the retrieval strip,
// and the brain beside them.
import type { ReactNode } from 'react';
import type { DatasetJson } from '../data/datasetSchema';
import { noTestDataReason } from '../data/testSet';
import { useActions, usePipeline } from '../state/hooks';
import type { ModelState } from '../state/pipelineStore';
import {
  LowLevelTile,
  RankLine,
  ReconstructionTile,
  RunAnnouncer,
  RunProblems,
  SeenTile,
  SkeletonTile,
} from './ResultTiles';
import { RetrievalList } from './RetrievalList';
import { TensorImage } from './TensorImage';
import { SimulatedBadge } from './SimulatedChip';

interface Props {
  model: ModelState | undefined;
  modelName: string;
  dataset: DatasetJson;
  urlOf: (path: string) => string;
  /** The image picked, shown as seen before its run starts. */
  imageIndex: number;
  /** What to decode: subject, model, trial, the Reconstruct button. */
  controls: ReactNode;
  filmstrip: ReactNode;
  brain: ReactNode;
}

export function Stage({ model, modelName, dataset, urlOf, imageIndex, controls, filmstrip, brain }: Props) {
  const { cancelRun, cancelModelLoad } = useActions();
  // Its own subscription: the run changes at every denoising step, and what the viewer holds around
  // the stage (the filmstrip, the brain, the panels below) must not render again with it.
  const run = usePipeline((s) => s.runs.main);
  const image = dataset.images[run?.key.imageIndex ?? imageIndex];
  const result = run?.result;
  // A valid bundle may hold no trial to decode: the empty pickers above say nothing of why.
  const nothingToDecode = noTestDataReason(dataset);
  const trialText = run ? (run.key.trial === 'average' ? 'mean of its repeats' : `trial ${run.key.trial + 1}`) : '';
  return (
    <section className="stage" id="stage" aria-labelledby="stage-title" tabIndex={-1}>
      <div className="stage-result" data-testid="run-main">
        <div className="stage-head">
          <h2 id="stage-title">
            What the person saw, and what the model made of their brain activity
            {dataset.synthetic && <SimulatedBadge />}
          </h2>
          {controls}
        </div>
        <p className="run-meta">
          {modelName}
          {run && (
            <>
              {' '}
              · {run.key.subject} · {image?.id} ({trialText})
            </>
          )}
          {image?.caption && <span className="caption"> · “{image.caption}”</span>}
        </p>
        {nothingToDecode && (
          <p className="problems" role="alert">
            {nothingToDecode}
          </p>
        )}
        <RunProblems run={run} model={model} />
        <div className="stage-tiles">
          {image ? (
            <SeenTile image={image} urlOf={urlOf} />
          ) : (
            <SkeletonTile label="Seen" hint="The picture the person looked at" />
          )}
          <ReconstructionTile
            run={run}
            imageId={image?.id ?? ''}
            modelName={modelName}
            label={model?.status === 'loading' ? 'Reconstruction · loading the model…' : undefined}
            slot="main"
            onCancel={() => {
              cancelRun('main');
              // Cancel while the label says the model loads stops that load too.
              if (run && model?.status === 'loading') cancelModelLoad(run.key.modelUrl);
            }}
          />
          <LowLevelTile run={run} imageId={image?.id ?? ''} slot="main" />
        </div>
        <RankLine run={run} slot="main" />
        <RunAnnouncer run={run} imageId={image?.id ?? ''} />
        {filmstrip}
        {run?.retrieval ? (
          <RetrievalList
            matches={run.retrieval.matches}
            ms={run.retrieval.ms}
            trueIndex={run.key.imageIndex}
            dataset={dataset}
            urlOf={urlOf}
            slot="main"
          />
        ) : (
          <p className="retrieval pending status">
            {run?.status === 'done' && !run.error ? 'Building the retrieval gallery…' : '\u00a0'}
          </p>
        )}
        {result && result.images.length > 3 * result.size * result.size && (
          <div className="samples">
            <p>
              Best of {result.sampleScores.length} by similarity to the brain's retrieval embedding (the bundle's own
              image encoder):
            </p>
            <ol aria-label="Samples">
              {result.sampleScores.map((score, i) => (
                <li key={i} className={i === result.best ? 'best' : undefined}>
                  <TensorImage data={result.images} size={result.size} index={i} alt={`sample ${i + 1}`} />
                  <span>{score.toFixed(3)}</span>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
      <div className="stage-brain">{brain}</div>
    </section>
  );
}
