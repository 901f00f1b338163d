import { useEffect, useState } from 'react';
import { errorText } from '../data/bundleSource';

export type Loading<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; message: string };

/**
 * Runs `load` (memoise it: a new function is a new load) and returns its state; null while `load` is
 * null. A load that a newer one replaced is aborted and its result dropped. The state is stored with
 * the load it belongs to, so a new load reads as 'loading' from its first render, with no stale value.
 */
export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | null): Loading<T> | null {
  const [state, setState] = useState<{ load: typeof load; result: Loading<T> } | null>(null);
  useEffect(() => {
    if (!load) return;
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ load, result: { status: 'ready', value } });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ load, result: { status: 'failed', message: errorText(error) } });
      },
    );
    return () => controller.abort();
  }, [load]);
  if (!load) return null;
  return state?.load === load ? state.result : { status: 'loading' };
}
