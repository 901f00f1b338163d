import { useState, type FormEvent } from 'react';
import { FetchBundleSource } from '../data/bundleSource';
import { modelBundleFolders } from '../data/bundleOpener';
import { bundleFetcher, bundleOpener } from '../data/bundleFetcher';
import { filesOfPickedFolder, localBundleName, type LocalFiles } from '../data/localFolderSource';
import { readImageHeader } from '../data/imageHeader';
import { loadDataset, rejectLocation, type LoadedDataset } from '../state/datasetStore';
import { addToCatalog } from '../state/pipelineActions';
import { pipelineStore } from '../state/pipelineStore';
import { select, selectionStore } from '../state/selectionStore';
import { datasetStore } from '../state/useDataset';

/** React does not know the non-standard folder attribute; Chromium, Firefox and Safari all read it. */
const folderPicker = { webkitdirectory: '', multiple: true } as Record<string, unknown>;

/** A single bundle's files placed in a parent folder, so its '../' paths resolve beside it. */
function prefixed(folder: string, files: LocalFiles): LocalFiles {
  return Object.fromEntries(Object.entries(files).map(([path, file]) => [`${folder}/${path}`, file]));
}

/**
 * Load another dataset or model bundle, by URL or from a folder on this computer. Each is validated
 * first; a bad one is listed with its problems and leaves the current one in use.
 */
export function BundleLoader({ loaded }: { loaded: LoadedDataset | null }) {
  const [modelProblems, setModelProblems] = useState<{ url: string; problems: string[] } | null>(null);

  const openDataset = (location: string) => {
    let source: FetchBundleSource;
    try {
      source = new FetchBundleSource(location, document.baseURI, bundleFetcher);
    } catch {
      rejectLocation(datasetStore, location, 'is not a valid URL');
      return;
    }
    void loadDataset(datasetStore, source, { decodeImage: readImageHeader }).then(() => {
      if (datasetStore.getState().status === 'ready')
        select({ dataset: location, model: null, compare: null, subject: null, image: null });
    });
  };

  const openDatasetFolder = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const { folder, files } = filesOfPickedFolder(list);
    const name = localBundleName(folder);
    bundleOpener.register(name, files);
    void loadDataset(datasetStore, bundleOpener.dataset(name), { decodeImage: readImageHeader }).then(() => {
      // A picked folder cannot be shared by URL: the address bar goes back to the demo's.
      if (datasetStore.getState().status === 'ready')
        select({ dataset: null, model: null, compare: null, subject: null, image: null });
    });
  };

  const openModelFolder = async (list: FileList | null) => {
    if (!list || list.length === 0 || !loaded) return;
    const { folder, files } = filesOfPickedFolder(list);
    // The folder is one bundle (model.json inside) or a folder of bundles (as public/models is).
    const single = 'model.json' in files;
    const root = localBundleName(single ? `${folder}-parent` : folder);
    bundleOpener.register(root, single ? prefixed(folder, files) : files);
    const bundles = single ? [folder] : modelBundleFolders(files);
    if (bundles.length === 0) {
      setModelProblems({ url: folder, problems: [`${folder}: has no model.json, nor folders with one`] });
      return;
    }
    const all = await Promise.all(
      bundles.map(async (bundle) => ({
        key: `${root}${bundle}/`,
        problems: await addToCatalog(`${root}${bundle}/`, loaded),
      })),
    );
    const failed = all.filter((b) => b.problems.length > 0);
    setModelProblems(failed.length > 0 ? { url: folder, problems: failed.flatMap((b) => b.problems) } : null);
    // Show the first new bundle that decodes the current subject.
    const { subject } = selectionStore.getState();
    const catalog = pipelineStore.getState().catalog;
    const usable = all.find(({ key }) => {
      const entry = catalog[key];
      return entry?.status === 'ready' && subject !== null && subject in entry.json.subjects;
    });
    if (usable) select({ model: usable.key });
  };

  const openModel = async (location: string) => {
    if (!loaded) return;
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
      <UrlForm
        label="Dataset bundle URL"
        button="Open dataset"
        placeholder="https://…/my-dataset/"
        onOpen={openDataset}
      />
      <UrlForm
        label="Model bundle URL"
        button="Open model"
        placeholder="https://…/models/my-model/"
        disabled={!loaded}
        onOpen={(location) => void openModel(location)}
      />
      <p>
        <label>
          Dataset folder <input type="file" {...folderPicker} onChange={(e) => openDatasetFolder(e.target.files)} />
        </label>
      </p>
      <p>
        <label>
          Model bundle folder (or a folder of bundles){' '}
          <input
            type="file"
            {...folderPicker}
            disabled={!loaded}
            onChange={(e) => void openModelFolder(e.target.files)}
          />
        </label>
      </p>
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

interface UrlFormProps {
  label: string;
  button: string;
  placeholder: string;
  disabled?: boolean;
  onOpen: (location: string) => void;
}

/** A labelled location field and its button; opens the trimmed text, ignores an empty one. */
function UrlForm({ label, button, placeholder, disabled = false, onOpen }: UrlFormProps) {
  const [location, setLocation] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (location.trim()) onOpen(location.trim());
  };
  return (
    <form onSubmit={submit}>
      <label>
        {label}{' '}
        <input type="text" value={location} onChange={(e) => setLocation(e.target.value)} placeholder={placeholder} />
      </label>
      <button type="submit" disabled={disabled}>
        {button}
      </button>
    </form>
  );
}
