import type { LoadedDataset } from '../state/datasetStore';
import { SimulatedBanner } from './SimulatedBanner';
import { SubjectTable } from './SubjectTable';
import { TestImageGrid } from './TestImageGrid';

export function DatasetView({ loaded }: { loaded: LoadedDataset }) {
  const { dataset, summary, source } = loaded;
  return (
    <main className="dataset">
      <h2>{dataset.name}</h2>
      <p>{dataset.description}</p>
      {dataset.synthetic && <SimulatedBanner attribution={dataset.attribution} urlOf={(path) => source.url(path)} />}
      <SubjectTable subjects={summary.subjects} />
      <TestImageGrid images={dataset.images} urlOf={(path) => source.url(path)} />
    </main>
  );
}
