import { useDataset } from '../state/useDataset';
import { BundleLoader } from './BundleLoader';
import { DatasetView } from './DatasetView';
import { EngineStatus } from './EngineStatus';
import { ProblemList } from './ProblemList';
import { SimulatedBanner } from './SimulatedBanner';
import { Viewer } from './Viewer';

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
        <EngineStatus />
      </header>
      {status === 'loading' && <p className="status">Loading and checking {location}…</p>}
      {status === 'failed' && location && (
        <ProblemList location={location} problems={problems} stillShowing={loaded?.dataset.name ?? null} />
      )}
      {loaded?.dataset.synthetic && (
        <SimulatedBanner attribution={loaded.dataset.attribution} urlOf={(path) => loaded.source.url(path)} />
      )}
      <BundleLoader loaded={loaded} />
      {loaded && <DatasetView loaded={loaded} />}
      {loaded && <Viewer loaded={loaded} />}
    </div>
  );
}
