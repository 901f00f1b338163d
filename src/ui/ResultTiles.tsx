// The pictures of a result, as tiles of one size: the seen image, the reconstruction (forming while
// the decoder denoises, a skeleton before), the low-level output, and the rank line that frames them.
import type { ReactNode } from 'react';
import type { ImageJson } from '../data/datasetSchema';
import { chanceRank } from '../state/galleryRules';
import type { ModelState, RunState } from '../state/pipelineStore';
import { TensorCanvas, TensorImage } from './TensorImage';

function Tile({ label, hint, children }: { label: string; hint: string; children: ReactNode }) {
  return (
    <figure className="tile">
      {children}
      <figcaption title={hint}>{label}</figcaption>
    </figure>
  );
}

/** A grey, gently pulsing square where a picture will be. */
export function SkeletonTile({ label, hint }: { label: string; hint: string }) {
  return (
    <Tile label={label} hint={hint}>
      <div className="tile-picture skeleton" aria-hidden="true" />
    </Tile>
  );
}

export function SeenTile({ image, urlOf }: { image: ImageJson; urlOf: (path: string) => string }) {
  return (
    <Tile label="Seen" hint="The picture the person looked at in the scanner">
      {/* crossOrigin: under COEP require-corp, an image from another origin must come by CORS. */}
      <img
        className="tile-picture"
        src={urlOf(image.file)}
        alt={`seen: ${image.caption ?? image.id}`}
        crossOrigin="anonymous"
      />
    </Tile>
  );
}

const RECONSTRUCTION_HINT = 'What the model drew from the brain activity alone, without seeing the picture';

interface RunTileProps {
  run: RunState | undefined;
  /** The id of the image the run decoded, for the alt text. */
  imageId: string;
  /** Names the picture in its alt text, and the tile under its label. */
  modelName: string;
  label?: string;
  /** data-testid prefix, e.g. "main". */
  slot: string;
  /** Stops the run; a Cancel button shows while it runs (a bundle may allow many slow steps). */
  onCancel?: () => void;
}

export function ReconstructionTile({
  run,
  imageId,
  modelName,
  label = 'Reconstruction',
  slot,
  onCancel,
}: RunTileProps) {
  const result = run?.result;
  if (!run) return <SkeletonTile label={label} hint={RECONSTRUCTION_HINT} />;
  // The step counter is for the eye only: a screen reader hears the start and the end (RunAnnouncer).
  const state =
    run.status === 'running'
      ? run.steps > 0
        ? `step ${run.step} of ${run.steps}`
        : 'decoding…'
      : run.status === 'failed' || run.status === 'cancelled'
        ? run.status
        : '';
  return (
    <Tile label={state ? `${label} · ${state}` : label} hint={RECONSTRUCTION_HINT}>
      {run.status === 'running' && onCancel && (
        <button type="button" className="tile-cancel" onClick={onCancel} data-testid={`${slot}-cancel`}>
          Cancel
        </button>
      )}
      {result ? (
        <TensorImage
          className="tile-picture"
          data={result.images}
          size={result.size}
          index={result.best}
          alt={`reconstruction of ${imageId} from ${run.key.subject}'s brain activity by ${modelName}`}
          testId={`${slot}-reconstruction`}
        />
      ) : run.preview ? (
        <TensorCanvas
          className="tile-picture"
          data={run.preview}
          size={Math.round(Math.sqrt(run.preview.length / 3))}
          alt={`reconstruction of ${imageId} forming, step ${run.step} of ${run.steps}`}
          testId={`${slot}-preview`}
        />
      ) : (
        <div className="tile-picture skeleton" aria-hidden="true" />
      )}
    </Tile>
  );
}

const LOW_LEVEL_LABEL = 'Low-level: layout and colour';
const LOW_LEVEL_HINT =
  "The model's blurry first guess of where things are and their colours; the reconstruction starts from it";

export function LowLevelTile({ run, imageId, slot }: Omit<RunTileProps, 'modelName' | 'label'>) {
  const result = run?.result;
  if (run?.status === 'done' && !result?.blurry) return null; // a model without a low-level output
  if (!result?.blurry) return <SkeletonTile label={LOW_LEVEL_LABEL} hint={LOW_LEVEL_HINT} />;
  return (
    <Tile label={LOW_LEVEL_LABEL} hint={LOW_LEVEL_HINT}>
      <TensorImage
        className="tile-picture"
        data={result.blurry}
        size={result.size}
        alt={`low-level (blurry) output for ${imageId}`}
        testId={`${slot}-blurry`}
      />
    </Tile>
  );
}

/**
 * Where the seen image ranks among all test images by resemblance to the reconstruction, beside
 * what a random picture would score: on average, the middle.
 */
export function RankLine({ run, slot }: { run: RunState | undefined; slot: string }) {
  const resemblance = run?.resemblance;
  if (!resemblance) {
    return (
      <p className="rank pending">
        {run?.status === 'done' ? 'Ranking the seen image among the test images…' : '\u00a0'}
      </p>
    );
  }
  const { rank, of } = resemblance;
  const chance = chanceRank(of);
  return (
    <p
      className="rank"
      data-testid={`${slot}-resemblance`}
      data-rank={rank}
      data-of={of}
      title="Every test image is compared with the reconstruction by the bundle's own image encoder; #1 is the most similar"
    >
      The seen image ranks <strong>#{rank}</strong> of {of} test images by resemblance
      <span className="chance"> · chance: #{chance}</span>
    </p>
  );
}

/** Tells a screen reader when a reconstruction starts and ends, not every step between. */
export function RunAnnouncer({ run, imageId }: { run: RunState | undefined; imageId: string }) {
  const text =
    run?.status === 'running'
      ? `Reconstructing ${imageId}…`
      : run?.status === 'done'
        ? `Reconstruction of ${imageId} done.`
        : run?.status === 'failed'
          ? `The reconstruction failed.`
          : run?.status === 'cancelled'
            ? `The reconstruction of ${imageId} was cancelled.`
            : '';
  return (
    <p className="visually-hidden" role="status">
      {text}
    </p>
  );
}

/**
 * What went wrong, each thing once: why the model could not be loaded (its problems one by one, or
 * its message when it has none), and why the run failed unless that is the same message again (a
 * run of a model that failed to load fails with the model's message).
 */
export function RunProblems({ run, model }: { run: RunState | undefined; model: ModelState | undefined }) {
  const failed = model?.status === 'failed' ? model : null;
  const runError = run?.error && run.error !== failed?.message ? run.error : null;
  return (
    <>
      {failed && (
        <div className="problems" role="alert">
          {failed.problems.length > 0 ? (
            <>
              <p>This model could not be loaded:</p>
              <ul>
                {failed.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </>
          ) : (
            <p>This model could not be loaded: {failed.message}</p>
          )}
        </div>
      )}
      {runError && (
        <p className="problems" role="alert">
          {runError}
        </p>
      )}
    </>
  );
}
