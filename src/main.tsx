import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bundleOpener } from './data/bundleFetcher';
import { readImageHeader } from './data/imageHeader';
import { DEMO_DATASET, DEMO_MODELS } from './demo';
import { startInferenceWorker } from './worker/inferenceClient';
import { createAppController } from './state/appController';
import { resolveUrl } from './state/bundleKeys';
import { createDatasetStore } from './state/datasetStore';
import { AppContext, type App as AppState } from './state/hooks';
import { createPipelineStore } from './state/pipelineStore';
import { createSelectionStore, mirrorSelectionToUrl } from './state/selectionStore';
import { createSettingsStore } from './state/settingsStore';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/ErrorBoundary';
import './ui/app.css';

const selection = createSelectionStore(window.location.search);
const stores = {
  dataset: createDatasetStore(),
  selection,
  pipeline: createPipelineStore(),
  // Presentation mode computes its playlist itself (ui/Presentation.tsx), not every pick again.
  settings: createSettingsStore({ autoRun: selection.getState().present === null }),
};
const controller = createAppController({
  stores,
  startWorker: startInferenceWorker,
  baseUrl: document.baseURI,
  bundles: bundleOpener,
  decodeImage: readImageHeader,
  listedModels: DEMO_MODELS,
});
const app: AppState = { stores, controller };

// The engine starts while the dataset loads: both are on the way to the first reconstruction.
void controller.startEngine(stores.selection.getState().engine).catch(() => undefined);
const stopMirroring = mirrorSelectionToUrl(stores.selection, window);

// The page owns the controller for its whole life: the worker stops when the page is gone for good
// (not when it only goes into the back-forward cache), and when Vite reloads this module in dev.
const close = () => {
  stopMirroring();
  controller.dispose();
};
window.addEventListener('pagehide', (event) => {
  if (!event.persisted) close();
});
import.meta.hot?.dispose(close);

const opened = controller.openDataset(stores.selection.getState().dataset ?? DEMO_DATASET, '?dataset=');
if (opened) {
  // The model the page will most likely show loads while the dataset is checked.
  const { model, subject } = stores.selection.getState();
  const guess = model ?? (subject === null || subject === 'subj01' ? DEMO_MODELS[0] : null);
  if (guess) void controller.loadModel(resolveUrl(guess), opened.source.name);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <AppContext value={app}>
        <App />
      </AppContext>
    </ErrorBoundary>
  </StrictMode>,
);
