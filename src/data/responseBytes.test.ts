import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetchBundleSource } from './bundleSource';
import { cachedFetcher } from './cachedFetch';
import { LIMITS } from './limits';

const STALL_MS = LIMITS.stallSeconds * 1000;

/** A body that sends one chunk and then nothing, ever. */
function stallingBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(10));
    },
  });
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a server that stops sending', () => {
  it.each([
    ['plain', undefined],
    ['cached', cachedFetcher()],
  ])('never answering: the %s fetch gives up after LIMITS.stallSeconds naming the file', async (_, fetcher) => {
    vi.useFakeTimers();
    let aborted = false;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      init.signal?.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const read = new FetchBundleSource('http://example.org/b/', undefined, fetcher).read('dataset.json');
    const refused = expect(read).rejects.toMatchObject({
      path: 'dataset.json',
      message: expect.stringMatching(
        /^could not be fetched from http:\/\/example\.org\/b\/dataset\.json: the server sent nothing for 30 s/,
      ),
    });
    await vi.advanceTimersByTimeAsync(STALL_MS - 1);
    expect(aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await refused;
    expect(aborted).toBe(true);
  });

  it.each([
    ['plain', undefined],
    ['cached', cachedFetcher()],
  ])('a body that stops half-way: the %s read gives up too', async (_, fetcher) => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', async () => new Response(stallingBody()));
    const read = new FetchBundleSource('http://example.org/b/', undefined, fetcher).read('subj01/betas.zarr/0.0');
    const refused = expect(read).rejects.toMatchObject({
      path: 'subj01/betas.zarr/0.0',
      message: expect.stringContaining('the server sent nothing for 30 s'),
    });
    await vi.advanceTimersByTimeAsync(STALL_MS);
    await refused;
  });

  it('a slow body that keeps sending is read to the end', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', async () => {
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, STALL_MS / 2)); // always under the limit
            if (sent++ < 4) controller.enqueue(new Uint8Array([sent]));
            else controller.close();
          },
        }),
      );
    });
    const read = new FetchBundleSource('http://example.org/b/').read('dataset.json');
    await vi.advanceTimersByTimeAsync(3 * STALL_MS);
    expect(Array.from(await read)).toEqual([1, 2, 3, 4]);
  });
});
