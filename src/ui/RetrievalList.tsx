import type { DatasetJson } from '../data/datasetSchema';
import type { RetrievalMatch } from '../worker/protocol';

interface Props {
  matches: RetrievalMatch[];
  ms: number;
  trueIndex: number;
  dataset: DatasetJson;
  urlOf: (path: string) => string;
  slot: string;
}

/** The test images closest to the brain's retrieval embedding, most similar first; the seen one marked. */
export function RetrievalList({ matches, ms, trueIndex, dataset, urlOf, slot }: Props) {
  const rank = matches.findIndex((m) => m.imageIndex === trueIndex);
  return (
    <div className="retrieval">
      <div className="retrieval-head">
        <h3
          id={`${slot}-retrieval-title`}
          title="The test images whose embedding lies closest to the one the model computed from the brain activity (retrieval)"
        >
          Retrieval: top {matches.length} of {dataset.images.filter((i) => i.split === 'test').length} test images
        </h3>
        <p className="status" data-testid={`${slot}-retrieval-status`} data-query-ms={ms}>
          {rank >= 0 ? `The seen image is #${rank + 1}.` : `The seen image is not in the top ${matches.length}.`} (query{' '}
          {ms.toFixed(1)} ms)
        </p>
      </div>
      <ol aria-labelledby={`${slot}-retrieval-title`} data-testid={`${slot}-retrieval`}>
        {matches.map((match) => {
          const image = dataset.images[match.imageIndex]!;
          const isTrue = match.imageIndex === trueIndex;
          return (
            <li key={match.imageIndex} className={isTrue ? 'true-image' : undefined} data-true={isTrue}>
              <img src={urlOf(image.file)} alt={image.caption ?? image.id} crossOrigin="anonymous" />
              <span>
                {image.id} · {match.similarity.toFixed(3)}
                {isTrue && <strong> · seen</strong>}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
