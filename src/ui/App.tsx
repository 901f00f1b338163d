import { useActions, useDataset, useSelection } from '../state/hooks';
import { BundleLoader } from './BundleLoader';
import { DatasetView } from './DatasetView';
import { EngineStatus } from './EngineStatus';
import { Lesson, LessonState } from './Lesson';
import { Presentation } from './Presentation';
import { ProblemList } from './ProblemList';
import { RunTimings } from './RunTimings';
import { SimulatedChip } from './SimulatedChip';
import { BundleCheckProblems, StartupProgress } from './StartupProgress';
import { Viewer } from './Viewer';

export function App() {
  const status = useDataset((s) => s.status);
  const location = useDataset((s) => s.location);
  const problems = useDataset((s) => s.problems);
  const loaded = useDataset((s) => s.loaded);
  const cancelled = useDataset((s) => s.cancelled);
  const { cancelDatasetLoad } = useActions();
  const presenting = useSelection((s) => s.present !== null);
  const inLesson = useSelection((s) => s.lesson !== null);
  if (presenting) return <Presentation />;

  return (
    <>
      <a className="skip-link" href={inLesson ? '#lesson-title' : '#stage'}>
        {inLesson ? 'Skip to the lesson' : 'Skip to the result'}
      </a>
      <header className="app-header">
        <h1>mindeye-web</h1>
        <p>Reconstructing seen images from fMRI, in the browser.</p>
        {loaded?.dataset.synthetic && (
          <SimulatedChip attribution={loaded.dataset.attribution} urlOf={(path) => loaded.source.url(path)} />
        )}
      </header>
      <main className="app">
        {status === 'loading' && (
          <p className="status">
            Loading and checking {location}…{' '}
            <button type="button" onClick={cancelDatasetLoad}>
              Cancel
            </button>
          </p>
        )}
        {cancelled && (
          <p className="status" role="status">
            Loading {cancelled} was cancelled
            {loaded ? `; ${loaded.dataset.name} is still shown.` : '.'}
          </p>
        )}
        {status === 'failed' && location && (
          <ProblemList location={location} problems={problems} stillShowing={loaded?.dataset.name ?? null} />
        )}
        <BundleCheckProblems />
        {inLesson && <LessonState />}
        {loaded && (inLesson ? <Lesson loaded={loaded} /> : <Viewer loaded={loaded} />)}
        <section className="data" aria-labelledby="data-title">
          <h2 id="data-title">Data and models</h2>
          {loaded && <DatasetView loaded={loaded} />}
          <BundleLoader loaded={loaded} />
        </section>
      </main>
      <footer className="app-footer">
        <EngineStatus />
        <StartupProgress />
        <RunTimings slot="main" label="Last reconstruction" />
        <RunTimings slot="compare" label="Second model" />
      </footer>
    </>
  );
}
