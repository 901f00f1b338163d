// Where a bundle's bytes come from. The validator, the zarr store and the app read only through this,
// so the same code serves a folder on disk (Node) and a URL prefix (browser or Node).
import type { Fetcher } from './cachedFetch';
import { isBundlePath } from './datasetSchema';
import { fetchUnlessStalled, responseBytes } from './responseBytes';
import { SizeLimitError, sizeLimitMessage, type ByteLimit } from './limits';

export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * The size limit the file is held to (src/data/limits.ts), checked on its declared size
   * (Content-Length, the file's size on disk) before its bytes are read, and while they arrive.
   */
  limit?: ByteLimit;
}

export interface BundleSource {
  /** Where the bundle is (a URL or a folder), for messages. */
  readonly name: string;
  /** The bytes of the file at a bundle path; throws a BundleReadError. */
  read(path: string, options?: ReadOptions): Promise<Uint8Array>;
  /** An absolute URL of the file at a bundle path (for <img src>, and to tell people where it is). */
  url(path: string): string;
}

/**
 * The same bundle, with every read also stopped by `signal`: a load the person cancels stops its
 * reads wherever the checks that make them are, without each check taking a signal of its own.
 */
export function withSignal(source: BundleSource, signal: AbortSignal): BundleSource {
  return {
    name: source.name,
    url: (path) => source.url(path),
    read: (path, options = {}) =>
      source.read(path, { ...options, signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal }),
  };
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
  /** Why nothing is fetched from this location (a javascript: or data: URL), or null. */
  private readonly refused: string | null;

  /**
   * `location` is the bundle's folder URL or the URL of its dataset.json, absolute or relative to
   * `relativeTo` (the page, in the browser).
   */
  constructor(
    location: string,
    relativeTo?: string,
    /** How files are fetched: plain fetch by default; the app passes the cached one. */
    private readonly fetcher: Fetcher = (url, init) => fetchUnlessStalled(url, init.signal),
  ) {
    const url = new URL(location, relativeTo);
    if (url.pathname.endsWith('/dataset.json')) url.pathname = url.pathname.slice(0, -'dataset.json'.length);
    else if (!url.pathname.endsWith('/')) url.pathname += '/';
    url.search = '';
    url.hash = '';
    this.base = url;
    this.name = url.href;
    this.refused =
      url.protocol === 'http:' || url.protocol === 'https:'
        ? null
        : `not fetched: "${location}" is a ${url.protocol} URL, and bundles are read from http:// or https:// URLs only`;
  }

  url(path: string): string {
    return new URL(path, this.base).href;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    if (this.refused) throw new BundleReadError(path, this.refused);
    // Checked before URL resolution, which would turn '..' and '%2F' into another path.
    if (!isBundlePath(path)) throw new BundleReadError(path, 'is not a path inside the bundle');
    const url = this.url(path);
    let response: Response;
    try {
      response = await this.fetcher(url, { signal: options.signal, limit: options.limit });
    } catch (error) {
      if (error instanceof SizeLimitError) throw new BundleReadError(path, `${error.message} (${url})`);
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
    try {
      return await responseBytes(response, { limit: options.limit });
    } catch (error) {
      if (error instanceof SizeLimitError) throw new BundleReadError(path, `${error.message} (${url})`);
      throw new BundleReadError(path, `could not be fetched from ${url}: ${errorText(error)}`);
    }
  }
}

/** The message of a file over a byte limit whose size was known before reading it. */
export function tooLarge(path: string, limit: ByteLimit, bytes: number): BundleReadError {
  return new BundleReadError(path, sizeLimitMessage(limit, bytes, true));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
