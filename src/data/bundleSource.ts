// Where a bundle's bytes come from. The validator, the zarr store and the app read only through this,
// so the same code serves a folder on disk (Node) and a URL prefix (browser or Node).
import type { Fetcher } from './cachedFetch';

export interface BundleSource {
  /** Where the bundle is (a URL or a folder), for messages. */
  readonly name: string;
  /** The bytes of the file at a bundle path; throws a BundleReadError. */
  read(path: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** An absolute URL of the file at a bundle path (for <img src>, and to tell people where it is). */
  url(path: string): string;
}

/** A bundle file that could not be read; the message says why ("not found (...)", a status, ...). */
export class BundleReadError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'BundleReadError';
  }
}

/** A bundle served over HTTP(S): a URL prefix that ends in '/'. */
export class FetchBundleSource implements BundleSource {
  readonly name: string;
  private readonly base: URL;

  /**
   * `location` is the bundle's folder URL or the URL of its dataset.json, absolute or relative to
   * `relativeTo` (the page, in the browser).
   */
  constructor(
    location: string,
    relativeTo?: string,
    /** How files are fetched: plain fetch by default; the app passes the cached one. */
    private readonly fetcher: Fetcher = (url, init) => fetch(url, init),
  ) {
    const url = new URL(location, relativeTo);
    if (url.pathname.endsWith('/dataset.json')) url.pathname = url.pathname.slice(0, -'dataset.json'.length);
    else if (!url.pathname.endsWith('/')) url.pathname += '/';
    url.search = '';
    url.hash = '';
    this.base = url;
    this.name = url.href;
  }

  url(path: string): string {
    return new URL(path, this.base).href;
  }

  async read(path: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const url = this.url(path);
    let response: Response;
    try {
      response = await this.fetcher(url, { signal: options.signal });
    } catch (error) {
      throw new BundleReadError(path, `could not be fetched from ${url}: ${errorText(error)}`);
    }
    if (response.status === 404 || response.status === 410) {
      throw new BundleReadError(path, `not found (${url} answered ${response.status})`);
    }
    if (!response.ok) {
      throw new BundleReadError(
        path,
        `could not be fetched: ${url} answered ${response.status} ${response.statusText}`,
      );
    }
    return new Uint8Array(await response.arrayBuffer());
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
