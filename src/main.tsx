import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FetchBundleSource } from './data/bundleSource';
import { bundleFetcher } from './data/bundleFetcher';
import { decodeImageInBrowser } from './data/imageDecoder';
import { loadDataset, rejectLocation } from './state/datasetStore';
import { startEngine } from './state/pipelineActions';
import { mirrorSelectionToUrl, selectionStore } from './state/selectionStore';
import { datasetStore } from './state/useDataset';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/ErrorBoundary';
import './ui/app.css';

/** The demo bundle that ships with the app, relative to the page; `?dataset=<url>` picks another. */
const DEMO_DATASET = 'datasets/synthetic-nsd/';

// The engine starts while the dataset loads: both are on the way to the first reconstruction.
void startEngine(selectionStore.getState().engine).catch(() => undefined);
mirrorSelectionToUrl();

const location = selectionStore.getState().dataset ?? DEMO_DATASET;
let source: FetchBundleSource | null = null;
try {
  source = new FetchBundleSource(location, document.baseURI, bundleFetcher);
} catch {
  rejectLocation(datasetStore, location, 'is not a valid URL (from ?dataset=)');
}
if (source) void loadDataset(datasetStore, source, { decodeImage: decodeImageInBrowser });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
