// A bundle in a folder on disk (Node only, like all of src/node/: the browser build never imports it).
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BundleReadError, errorText, tooLarge, type BundleSource, type ReadOptions } from '../data/bundleSource';
import { LIMITS } from '../data/limits';

export class FsBundleSource implements BundleSource {
  readonly name: string;
  private readonly root: string;

  constructor(folder: string) {
    this.root = resolve(folder);
    this.name = this.root;
  }

  url(path: string): string {
    return pathToFileURL(this.fullPath(path)).href;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    let size = 0;
    try {
      const full = this.fullPath(path);
      if (options.limit !== undefined) size = (await stat(full)).size;
      if (options.limit === undefined || size <= LIMITS[options.limit])
        return new Uint8Array(await readFile(full, { signal: options.signal }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BundleReadError(path, `not found (${this.root}${sep}${path})`);
      throw new BundleReadError(path, `could not be read: ${errorText(error)}`);
    }
    throw tooLarge(path, options.limit!, size);
  }

  /** The schema already keeps paths inside the bundle; this guards the zarr keys too. */
  private fullPath(path: string): string {
    const full = resolve(this.root, path);
    if (!full.startsWith(this.root + sep)) throw new Error(`"${path}" is outside the bundle`);
    return full;
  }
}
