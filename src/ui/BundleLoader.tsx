import { useState, type FormEvent } from 'react';
import { filesOfPickedFolder, localBundleName } from '../data/localFolderSource';
import type { LoadedDataset } from '../state/datasetStore';
import { useActions } from '../state/hooks';

/** React does not know the non-standard folder attribute; Chromium, Firefox and Safari all read it. */
const folderPicker = { webkitdirectory: '', multiple: true } as Record<string, unknown>;

/**
 * Load another dataset or model bundle, by URL or from a folder on this computer. Each is validated
 * first; a bad one is listed with its problems and leaves the current one in use.
 */
export function BundleLoader({ loaded }: { loaded: LoadedDataset | null }) {
  const { switchDataset, addModelAt, addModelFolder } = useActions();
  const [modelProblems, setModelProblems] = useState<{ url: string; problems: string[] } | null>(null);

  const openDatasetFolder = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const { folder, files } = filesOfPickedFolder(list);
    void switchDataset(localBundleName(folder), files);
  };

  const openModelFolder = async (list: FileList | null) => {
    if (!list || list.length === 0 || !loaded) return;
    const { folder, files } = filesOfPickedFolder(list);
    const problems = await addModelFolder(folder, files);
    setModelProblems(problems.length > 0 ? { url: folder, problems } : null);
  };

  const openModel = async (location: string) => {
    if (!loaded) return;
    const { url, problems } = await addModelAt(location);
    setModelProblems(problems.length > 0 ? { url, problems } : null);
  };

  return (
    <details className="bundle-loader">
      <summary>Open your own dataset or model bundle</summary>
      <UrlForm
        label="Dataset bundle URL"
        button="Open dataset"
        placeholder="https://…/my-dataset/"
        onOpen={(location) => void switchDataset(location)}
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
