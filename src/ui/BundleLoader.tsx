import { useState, type FormEvent } from 'react';
import { FetchBundleSource } from '../data/bundleSource';
import { bundleFetcher } from '../data/bundleFetcher';
import { decodeImageInBrowser } from '../data/imageDecoder';
import { loadDataset, rejectLocation, type LoadedDataset } from '../state/datasetStore';
import { addToCatalog } from '../state/pipelineActions';
import { select } from '../state/selectionStore';
import { datasetStore } from '../state/useDataset';

/** Load another dataset or model bundle by URL. Each is validated first; a bad one leaves the current one in use. */
export function BundleLoader({ loaded }: { loaded: LoadedDataset | null }) {
  const [datasetUrl, setDatasetUrl] = useState('');
  const [modelUrl, setModelUrl] = useState('');
  const [modelProblems, setModelProblems] = useState<{ url: string; problems: string[] } | null>(null);

  const openDataset = (event: FormEvent) => {
    event.preventDefault();
    const location = datasetUrl.trim();
    if (!location) return;
    let source: FetchBundleSource;
    try {
      source = new FetchBundleSource(location, document.baseURI, bundleFetcher);
    } catch {
      rejectLocation(datasetStore, location, 'is not a valid URL');
      return;
    }
    void loadDataset(datasetStore, source, { decodeImage: decodeImageInBrowser }).then(() => {
      if (datasetStore.getState().status === 'ready')
        select({ dataset: location, model: null, compare: null, subject: null, image: null });
    });
  };

  const openModel = async (event: FormEvent) => {
    event.preventDefault();
    const location = modelUrl.trim();
    if (!location || !loaded) return;
    let url: string;
    try {
      url = new URL(location, document.baseURI).href;
    } catch {
      setModelProblems({ url: location, problems: [`${location}: is not a valid URL`] });
      return;
    }
    const problems = await addToCatalog(url, loaded);
    setModelProblems(problems.length > 0 ? { url, problems } : null);
    if (problems.length === 0) select({ model: url });
  };

  return (
    <details className="bundle-loader">
      <summary>Open your own dataset or model bundle</summary>
      <form onSubmit={openDataset}>
        <label>
          Dataset bundle URL{' '}
          <input
            type="text"
            value={datasetUrl}
            onChange={(e) => setDatasetUrl(e.target.value)}
            placeholder="https://…/my-dataset/"
          />
        </label>
        <button type="submit">Open dataset</button>
      </form>
      <form onSubmit={(e) => void openModel(e)}>
        <label>
          Model bundle URL{' '}
          <input
            type="text"
            value={modelUrl}
            onChange={(e) => setModelUrl(e.target.value)}
            placeholder="https://…/models/my-model/"
          />
        </label>
        <button type="submit" disabled={!loaded}>
          Open model
        </button>
      </form>
      {modelProblems && (
        <section className="problems" role="alert" aria-labelledby="model-problems-title">
          <h2 id="model-problems-title">This model bundle could not be used</h2>
          <p>
            {modelProblems.problems.length} problem{modelProblems.problems.length === 1 ? '' : 's'} in{' '}
            <code>{modelProblems.url}</code>; the current model stays in use:
          </p>
          <ul>
            {modelProblems.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </section>
      )}
      <p className="hint">
        Formats: docs/dataset-format.md and docs/model-format.md. Another host must allow this page by CORS and send{' '}
        <code>Cross-Origin-Resource-Policy: cross-origin</code> (the page is cross-origin isolated).
      </p>
    </details>
  );
}
