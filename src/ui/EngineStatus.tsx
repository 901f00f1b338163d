import { clearBundleCache } from '../data/cachedFetch';
import { usePipeline } from '../state/hooks';

/** Which engine decodes (and why not WebGPU, when not), and the downloads in flight. */
export function EngineStatus() {
  const engine = usePipeline((s) => s.engine);
  const downloads = usePipeline((s) => s.downloads);
  return (
    <div className="engine-status">
      <span data-testid="engine" aria-live="polite">
        {engine.status === 'starting' && 'Starting the inference engine…'}
        {engine.status === 'ready' && (
          <>
            Engine: <strong>{engine.info.description}</strong>
            {engine.info.fallbackReason && ` (WASM because ${engine.info.fallbackReason})`}
            {engine.info.adapterName && ` · GPU: ${engine.info.adapterName}`}
          </>
        )}
        {engine.status === 'failed' && <span role="alert">The inference engine could not start: {engine.message}</span>}
      </span>
      <button type="button" className="link" onClick={() => void clearBundleCache()}>
        Clear cached files
      </button>
      {Object.entries(downloads).map(([file, { loaded, total }]) => (
        <label key={file} className="download">
          {file.split('/').slice(-2).join('/')} <progress value={loaded} max={total ?? undefined} />{' '}
          {(loaded / 1e6).toFixed(1)}
          {total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB
        </label>
      ))}
    </div>
  );
}
