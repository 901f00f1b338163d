// Turns the key a bundle is known by into a BundleSource: a URL (fetched through the given fetcher),
// or 'local:<folder>/' for a folder the user picked (its files registered first). Model bundles are
// opened as a folder of their parent, so '../mini-image/…' paths reach sibling bundles either way.
import { FetchBundleSource, type BundleSource } from './bundleSource';
import type { Fetcher } from './cachedFetch';
import { LocalFolderSource, type LocalFiles } from './localFolderSource';
import { fetchModelBundleSource, SubfolderSource } from './modelBundleSource';

export class BundleOpener {
  private readonly local = new Map<string, LocalFiles>();

  constructor(private readonly fetcher: Fetcher) {}

  /** Makes a picked folder's files readable under its key ('local:<folder>/'). */
  register(name: string, files: LocalFiles): void {
    this.local.set(name, files);
  }

  isLocal(key: string): boolean {
    return key.startsWith('local:');
  }

  /** The registered files under a local root, for handing to the worker. */
  filesOf(name: string): LocalFiles | undefined {
    return this.local.get(name);
  }

  /** The local root a key lives under ('local:models/mini-a/' -> 'local:models/'), or null for a URL. */
  localRoot(key: string): string | null {
    if (!this.isLocal(key)) return null;
    for (const name of this.local.keys()) if (key.startsWith(name)) return name;
    return null;
  }

  dataset(key: string): BundleSource {
    if (!this.isLocal(key)) return new FetchBundleSource(key, undefined, this.fetcher);
    const files = this.local.get(key);
    if (!files) throw new Error(`${key} is not a folder this page was given`);
    return new LocalFolderSource(key, files);
  }

  /** 'local:<root>/<bundle>/' is the bundle folder <bundle> of the picked folder <root>. */
  model(key: string): BundleSource {
    if (!this.isLocal(key)) return fetchModelBundleSource(key, undefined, this.fetcher);
    const root = this.localRoot(key);
    if (!root) throw new Error(`${key} is not in a folder this page was given`);
    const folder = key.slice(root.length).replace(/\/$/, '');
    return new SubfolderSource(new LocalFolderSource(root, this.local.get(root)!), folder);
  }
}

/** The bundle folders (those with a model.json directly inside) among a picked folder's files. */
export function modelBundleFolders(files: LocalFiles): string[] {
  return Object.keys(files)
    .filter((path) => /^[^/]+\/model\.json$/.test(path))
    .map((path) => path.slice(0, path.indexOf('/')))
    .sort();
}
