import { useDataset } from '../state/useDataset';
import { DatasetView } from './DatasetView';
import { ProblemList } from './ProblemList';

export function App() {
  const status = useDataset((s) => s.status);
  const location = useDataset((s) => s.location);
  const problems = useDataset((s) => s.problems);
  const loaded = useDataset((s) => s.loaded);

  return (
    <div className="app">
      <header className="app-header">
        <h1>mindeye-web</h1>
        <p>Reconstructing seen images from fMRI, in the browser.</p>
      </header>
      {status === 'loading' && <p className="status">Loading and checking {location}…</p>}
      {status === 'failed' && location && (
        <ProblemList location={location} problems={problems} stillShowing={loaded?.dataset.name ?? null} />
      )}
      {loaded && <DatasetView loaded={loaded} />}
    </div>
  );
}
