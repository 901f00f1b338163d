// A model bundle may name files of a sibling bundle (`../mini-image/decoder-step.onnx`): the image-side
// files are shared by several brain bundles instead of copied. So a model bundle is read as one
// folder of a parent source (the folder, or URL prefix, that holds the bundles), and '../' resolves
// to that parent: one level up and no further, which the schema's isModelPath already holds paths to.
import { FetchBundleSource, type BundleSource, type ReadOptions } from './bundleSource';
import type { Fetcher } from './cachedFetch';
import { isBundlePath } from './datasetSchema';
import { isModelPath } from './modelSchema';

export class SubfolderSource implements BundleSource {
  readonly name: string;

  constructor(
    private readonly parent: BundleSource,
    private readonly folder: string,
  ) {
    if (!isBundlePath(folder) || folder.includes('/')) throw new Error(`"${folder}" is not a folder name`);
    this.name = `${parent.name.replace(/\/$/, '')}/${folder}`;
  }

  read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    return this.parent.read(this.resolve(path), options);
  }

  url(path: string): string {
    return this.parent.url(this.resolve(path));
  }

  /** The path in the parent source: '../x/y' -> 'x/y', 'y' -> '<folder>/y'. */
  resolve(path: string): string {
    if (!isModelPath(path)) throw new Error(`"${path}" is outside the bundles' folder`);
    return path.startsWith('../') ? path.slice(3) : `${this.folder}/${path}`;
  }
}

/**
 * A model bundle over HTTP(S): `location` is its folder URL or the URL of its model.json, absolute or
 * relative to `relativeTo` (the page, in the browser).
 */
export function fetchModelBundleSource(location: string, relativeTo?: string, fetcher?: Fetcher): SubfolderSource {
  const url = new URL(location, relativeTo);
  url.search = '';
  url.hash = '';
  const path = url.pathname.replace(/\/model\.json$/, '').replace(/\/+$/, '');
  const slash = path.lastIndexOf('/');
  const folder = decodeURIComponent(path.slice(slash + 1));
  url.pathname = path.slice(0, slash + 1);
  return new SubfolderSource(new FetchBundleSource(url.href, undefined, fetcher), folder);
}
