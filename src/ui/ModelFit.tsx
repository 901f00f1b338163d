// Why no listed model decodes the subject shown: each refused bundle's problems (fitToDataset names
// the model, what it was trained on, the dataset, and the V_s and voxel order of both sides), so that
// a person who opened a converted NSD subject learns why the picker says "no model" and what to do.
import { useMemo } from 'react';
import type { DatasetJson } from '../data/datasetSchema';
import { usePipeline } from '../state/hooks';
import './trials.css';
import { modelsFor } from '../state/selectionRules';

export function ModelFit({ dataset, subject }: { dataset: DatasetJson; subject: string | null }) {
  const catalog = usePipeline((s) => s.catalog);
  const refused = useMemo(
    () =>
      Object.entries(catalog).flatMap(([url, entry]) =>
        entry.status === 'failed' ? [{ url, problems: entry.problems }] : [],
      ),
    [catalog],
  );
  if (subject === null || modelsFor(catalog, subject).length > 0 || refused.length === 0) return null;
  return (
    <details className="model-fit" data-testid="model-fit">
      <summary>
        No model decodes {subject} of {dataset.name}: {refused.length} model bundle
        {refused.length === 1 ? ' was' : 's were'} refused. The brain view and the trials work without one.
      </summary>
      <ul>
        {refused.map(({ url, problems }) => (
          <li key={url}>
            {url}
            <ul>
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </details>
  );
}
