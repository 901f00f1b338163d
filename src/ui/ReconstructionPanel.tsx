import type { DatasetJson } from '../data/datasetSchema';
import type { ModelState, RunState } from '../state/pipelineStore';
import { RetrievalList } from './RetrievalList';
import { TensorCanvas, TensorImage } from './TensorImage';

interface Props {
  title: string;
  run: RunState | undefined;
  model: ModelState | undefined;
  modelName: string;
  dataset: DatasetJson;
  urlOf: (path: string) => string;
  /** data-testid prefix, e.g. "main". */
  slot: string;
}

/** The seen image beside what the model made of the brain activity, while it forms and when done. */
export function ReconstructionPanel({ title, run, model, modelName, dataset, urlOf, slot }: Props) {
  const image = run ? dataset.images[run.key.imageIndex] : undefined;
  const result = run?.result;
  const trialText = run ? (run.key.trial === 'average' ? 'mean of its repeats' : `trial ${run.key.trial + 1}`) : '';
  return (
    <section className="reconstruction" aria-labelledby={`${slot}-title`} data-testid={`run-${slot}`}>
      <h3 id={`${slot}-title`}>
        {title}
        {dataset.synthetic && (
          <span
            className="simulated-badge"
            title="The brain activity decoded here was simulated, not recorded from a person"
          >
            simulated fMRI
          </span>
        )}
      </h3>
      <p className="run-meta">
        {modelName}
        {run && (
          <>
            {' '}
            · {run.key.subject} · {image?.id} ({trialText})
            {run.key.silenced.length > 0 && ` · silenced ROI ${run.key.silenced.join(', ')}`}
          </>
        )}
      </p>
      {model?.status === 'loading' && <p className="status">Loading the model…</p>}
      {model?.status === 'failed' && (
        <div className="problems" role="alert">
          <p>This model could not be loaded: {model.message}</p>
          {model.problems.length > 0 && (
            <ul>
              {model.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {run && image && (
        <div className="run-images">
          <figure>
            <img src={urlOf(image.file)} alt={`seen: ${image.caption ?? image.id}`} crossOrigin="anonymous" />
            <figcaption>seen</figcaption>
          </figure>
          <figure>
            {result ? (
              <TensorImage
                data={result.images}
                size={result.size}
                index={result.best}
                alt={`reconstruction of ${image.id} from ${run.key.subject}'s brain activity by ${modelName}`}
                testId={`${slot}-reconstruction`}
              />
            ) : run.preview ? (
              <TensorCanvas
                data={run.preview}
                size={Math.round(Math.sqrt(run.preview.length / 3))}
                alt={`reconstruction forming, step ${run.step} of ${run.steps}`}
                testId={`${slot}-preview`}
              />
            ) : (
              <div className="placeholder" aria-hidden="true" />
            )}
            <figcaption aria-live="polite">
              {run.status === 'running' &&
                (run.steps > 0 ? `denoising, step ${run.step} of ${run.steps}` : 'decoding…')}
              {run.status === 'done' && 'reconstruction'}
              {run.status === 'failed' && 'failed'}
            </figcaption>
          </figure>
          {result?.blurry && (
            <figure>
              <TensorImage
                data={result.blurry}
                size={result.size}
                alt={`low-level (blurry) output for ${image.id}`}
                testId={`${slot}-blurry`}
              />
              <figcaption>low-level</figcaption>
            </figure>
          )}
        </div>
      )}
      {image?.caption && <p className="caption">Caption: {image.caption}</p>}
      {run?.resemblance && (
        <p
          className="status"
          data-testid={`${slot}-resemblance`}
          data-rank={run.resemblance.rank}
          data-of={run.resemblance.of}
        >
          Of the {run.resemblance.of} test images, the seen one ranks #{run.resemblance.rank} in similarity to this
          reconstruction (by the bundle's own image encoder; 1 = most similar).
        </p>
      )}
      {run?.error && (
        <p className="problems" role="alert">
          {run.error}
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
      {result && (
        <p
          className="timings"
          data-testid={`${slot}-timings`}
          data-timings={JSON.stringify(result.timings)}
          data-wall-ms={run?.wallMs ?? undefined}
          data-load-ms={model?.status === 'ready' ? model.loadMs : undefined}
        >
          {Object.entries(result.timings)
            .map(([stage, ms]) => `${stage} ${ms.toFixed(0)} ms`)
            .join(' · ')}
          {run?.wallMs != null && ` · total ${run.wallMs.toFixed(0)} ms`}
        </p>
      )}
      {run?.retrieval && (
        <RetrievalList
          matches={run.retrieval.matches}
          ms={run.retrieval.ms}
          trueIndex={run.key.imageIndex}
          dataset={dataset}
          urlOf={urlOf}
          slot={slot}
        />
      )}
    </section>
  );
}
