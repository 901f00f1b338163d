// Fetching a bundle file without hanging: a server that sends nothing (no answer, or a body that
// stops) for LIMITS.stallSeconds is given up on, and the caller names the file. One body reader for
// the plain and the cached fetcher, which also holds a body to its byte limit as the bytes arrive.
import { LIMITS, limitText, SizeLimitError, type ByteLimit } from './limits';

/** A fetch or a body read that got nothing for LIMITS.stallSeconds. */
export class StallError extends Error {
  override name = 'StallError';
  constructor() {
    super(`the server sent nothing for ${LIMITS.stallSeconds} s, ${limitText('stallSeconds', 'seconds')}`);
  }
}

/** `work`, or a StallError (and `onStall`) when it has not settled after LIMITS.stallSeconds. */
export function unlessStalled<T>(work: Promise<T>, onStall?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new StallError()); // first: a cancelled read would otherwise end the body as if complete
      onStall?.();
    }, LIMITS.stallSeconds * 1000);
  });
  return Promise.race([work, stalled]).finally(() => clearTimeout(timer));
}

/** fetch(), given up (and aborted) when no answer comes within LIMITS.stallSeconds. */
export function fetchUnlessStalled(url: string, signal?: AbortSignal): Promise<Response> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  return unlessStalled(fetch(url, { signal: controller.signal }), () => controller.abort()).finally(() =>
    signal?.removeEventListener('abort', abort),
  );
}

/**
 * A response's bytes: refused by its Content-Length before reading when that is over `limit`, as
 * soon as more arrive than `limit` allows, and when the body stalls; `onBytes` sees the count so far.
 */
export async function responseBytes(
  response: Response,
  options: { limit?: ByteLimit; onBytes?: (loaded: number) => void } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const max = options.limit === undefined ? Infinity : LIMITS[options.limit];
  const declared = Number(response.headers.get('Content-Length'));
  if (options.limit !== undefined && Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw new SizeLimitError(options.limit, declared, true);
  }
  if (!response.body) return new Uint8Array(await unlessStalled(response.arrayBuffer()));
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await unlessStalled(reader.read(), () => void reader.cancel().catch(() => undefined));
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new SizeLimitError(options.limit!, max, false);
    }
    chunks.push(value);
    options.onBytes?.(total);
  }
  return concatBytes(chunks, total);
}

/** The chunks of a stream, `total` bytes in all, as one array. */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
