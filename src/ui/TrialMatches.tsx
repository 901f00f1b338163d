import type { DatasetJson } from '../data/datasetSchema';
import { usePipeline, useSettings } from '../state/hooks';

interface Props {
  dataset: DatasetJson;
  urlOf: (path: string) => string;
  subject: string;
  imageIndex: number;
  onFind: (k: number) => void;
  /** Show a matched trial: its image and which of its repeats. */
  onPick: (imageIndex: number, trial: number) => void;
}

/** Retrieval the other way: the subject's trials whose brain embeddings best match this image. */
export function TrialMatches({ dataset, urlOf, subject, imageIndex, onFind, onPick }: Props) {
  const state = usePipeline((s) => s.trialMatches);
  const k = useSettings((s) => s.k);
  const current = state && state.subject === subject && state.imageIndex === imageIndex ? state : null;
  const image = dataset.images[imageIndex];
  return (
    <section className="trial-matches" aria-labelledby="trial-matches-title">
      <h2 id="trial-matches-title">Trials that match this image</h2>
      <button type="button" onClick={() => onFind(k)}>
        Find {subject}'s {k} best-matching trials for {image?.id}
      </button>
      {current && !current.matches && !current.error && <p className="status">Embedding every test trial…</p>}
      {current?.error && (
        <p className="problems" role="alert">
          {current.error}
        </p>
      )}
      {current?.matches && (
        <ol aria-labelledby="trial-matches-title" data-testid="trial-matches">
          {current.matches.map((match) => {
            const matched = dataset.images[match.imageIndex]!;
            const repeat = (matched.trials?.[subject] ?? []).indexOf(match.row);
            const own = match.imageIndex === imageIndex;
            return (
              <li key={match.row} className={own ? 'true-image' : undefined}>
                <button type="button" onClick={() => onPick(match.imageIndex, Math.max(0, repeat))}>
                  <img src={urlOf(matched.file)} alt={matched.caption ?? matched.id} crossOrigin="anonymous" />
                  <span>
                    row {match.row}: {matched.id}, trial {repeat + 1} · {match.similarity.toFixed(3)}
                    {own && <strong> · this image</strong>}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
