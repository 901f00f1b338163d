import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FetchBundleSource } from './data/bundleSource';
import { bundleFetcher } from './data/bundleFetcher';
import { readImageHeader } from './data/imageHeader';
import { loadDataset, rejectLocation } from './state/datasetStore';
import { DEMO_DATASET, DEMO_MODELS } from './demo';
import { resolveUrl } from './state/bundleKeys';
import { loadModel, startEngine } from './state/pipelineActions';
import { mirrorSelectionToUrl, selectionStore } from './state/selectionStore';
import { datasetStore } from './state/useDataset';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/ErrorBoundary';
import './ui/app.css';

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
if (source) {
  void loadDataset(datasetStore, source, { decodeImage: readImageHeader });
  // The model the page will most likely show loads while the dataset is checked.
  const { model, subject } = selectionStore.getState();
  const guess = model ?? (subject === null || subject === 'subj01' ? DEMO_MODELS[0] : null);
  if (guess) void loadModel(resolveUrl(guess), source.name);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
