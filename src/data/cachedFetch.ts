// Bundle files are fetched once and then served from Cache Storage, so a reload (or a second visit)
// does not download the models and betas again. The cache is keyed by URL; its name carries the app's
// version, so a new release starts a new cache, and the UI can clear it. Large files report progress.
import { LIMITS, type ByteLimit } from './limits';
import { fetchUnlessStalled, responseBytes } from './responseBytes';

/**
 * fetch's shape as FetchBundleSource uses it. `limit`, when given, is the size limit the caller holds
 * the file to: a fetcher that buffers the body leaves an answer whose Content-Length is over it
 * unread (the caller refuses it), and stops reading one without Content-Length at the limit.
 */
export type Fetcher = (url: string, init: { signal?: AbortSignal; limit?: ByteLimit }) => Promise<Response>;

/** Bytes received for one URL; `total` is null when the server does not send Content-Length. */
export type DownloadProgress = (url: string, loaded: number, total: number | null) => void;

export const CACHE_NAME = `mindeye-web-bundles-v${__APP_VERSION__}`;

/**
 * A fetcher that answers from Cache Storage when it can, and otherwise fetches, reports progress, and
 * stores successful answers. Without Cache Storage (an insecure origin) it just fetches.
 */
export function cachedFetcher(onProgress?: DownloadProgress): Fetcher {
  return async (url, init) => {
    const cache = typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME).catch(() => null);
    const hit = await cache?.match(url);
    if (hit) return hit;
    const response = await fetchUnlessStalled(url, init.signal);
    if (!response.ok || !response.body) return response;
    // Too large to be used: the caller refuses it by its Content-Length, before reading the body.
    const max = init.limit === undefined ? Infinity : LIMITS[init.limit];
    if (Number(response.headers.get('Content-Length')) > max) return response;
    const length = Number(response.headers.get('Content-Length'));
    const total = Number.isFinite(length) && length > 0 ? length : null;
    const bytes = await responseBytes(response, {
      limit: init.limit,
      onBytes: (loaded) => onProgress?.(url, loaded, total),
    });
    // Without Content-Length (a compressed answer) the total is only known now: report it as complete.
    if (total === null) onProgress?.(url, bytes.length, bytes.length);
    const headers = { 'Content-Type': response.headers.get('Content-Type') ?? 'application/octet-stream' };
    // Stored in the background: writing a 4 MB model file to Cache Storage need not delay its use.
    void cache?.put(url, new Response(bytes, { headers })).catch(() => undefined);
    return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Empties the bundle cache (a "clear cache" button, or a bundle that changed on the server). */
export async function clearBundleCache(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}
