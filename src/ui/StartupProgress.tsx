import type { BundleCheck } from '../state/datasetStore';
import { useActions, usePipeline, useSelection } from '../state/hooks';
import { useDataset } from '../state/hooks';

/** Files read so far and in all, over every part of a bundle check. */
function counts(check: BundleCheck): { done: number; total: number } {
  const parts = Object.values(check.parts);
  return { done: parts.reduce((n, p) => n + p.done, 0), total: parts.reduce((n, p) => n + p.total, 0) };
}

/**
 * The phases of opening the page, one line: the shown model's load, and the check of the bundle's
 * other files, which runs after the first picture (what the first picture needs was checked before
 * the dataset was shown).
 */
export function StartupProgress() {
  const check = useDataset((s) => s.check);
  const modelUrl = useSelection((s) => s.model);
  const model = usePipeline((s) => (modelUrl ? s.models[modelUrl] : undefined));
  const files = check ? counts(check) : null;
  const { cancelModelLoad } = useActions();
  return (
    <p className="startup-progress" data-testid="startup-progress">
      {model?.status === 'loading' && modelUrl && (
        <span>
          Model: loading…{' '}
          <button type="button" onClick={() => cancelModelLoad(modelUrl)}>
            Cancel
          </button>
        </span>
      )}
      {model?.status === 'ready' && <span>Model loaded in {(model.loadMs / 1000).toFixed(1)} s</span>}
      {check?.status === 'waiting' && <span>Other bundle files: checked after the first picture</span>}
      {check?.status === 'checking' && files && (
        <span>
          Checking every image{check.chunks === 'every' ? ' and array chunk' : ''}: {files.done} of {files.total} files{' '}
          <progress value={files.done} max={files.total} />
        </span>
      )}
      {check?.status === 'done' && files && (
        <span data-testid="bundle-checked">
          {check.problems.length === 0
            ? check.chunks === 'every'
              ? `Bundle checked: every image and array chunk (${files.total} files)`
              : `Bundle checked: every image (${files.total} files); betas chunks as they are read (too many to download for a check: npm run validate reads them all)`
            : `Bundle check: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'} (listed above)`}
        </span>
      )}
    </p>
  );
}

/** What the check after the first picture found: the dataset stays open, with this warning. */
export function BundleCheckProblems() {
  const check = useDataset((s) => s.check);
  if (check?.status !== 'done' || check.problems.length === 0) return null;
  return (
    <section className="problems" role="alert" aria-labelledby="check-problems-title">
      <h2 id="check-problems-title">Some files of this dataset are damaged</h2>
      <p>
        Checking every file of <code>{check.location}</code> after it opened found {check.problems.length} problem
        {check.problems.length === 1 ? '' : 's'}; what uses these files may fail or be wrong:
      </p>
      <ul>
        {check.problems.map((problem, i) => (
          <li key={i}>
            <code className="problem-file">{problem.file}</code>: {problem.message}
          </li>
        ))}
      </ul>
    </section>
  );
}
