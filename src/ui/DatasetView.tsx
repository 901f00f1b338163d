import type { LoadedDataset } from '../state/datasetStore';
import { SubjectTable } from './SubjectTable';

/** What the dataset is: its description and its subjects, folded away once read. */
export function DatasetView({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, summary } = loaded;
  return (
    <details className="dataset">
      <summary>
        About this dataset: <strong>{dataset.name}</strong>
      </summary>
      <p>{dataset.description}</p>
      <SubjectTable subjects={summary.subjects} />
    </details>
  );
}
