// A bundle chosen from the user's disk (<input webkitdirectory>): its files by path inside the chosen
// folder. The same file map is sent to the inference worker (File objects are cloneable), so both
// sides read the same bytes without a server. Nothing in it is executed: it is read as data only.
import { BundleReadError, tooLarge, type BundleSource, type ReadOptions } from './bundleSource';
import { LIMITS } from './limits';

/** Bundle path -> file, paths relative to the chosen folder. */
export type LocalFiles = Record<string, File>;

/** The key a local bundle is known by, in the stores and in the worker. */
export function localBundleName(folder: string): string {
  return `local:${folder}/`;
}

/**
 * The files of a picked folder by path inside it: `webkitRelativePath` starts with the folder's own
 * name, which is dropped. Returns the folder name too.
 */
export function filesOfPickedFolder(files: Iterable<File>): { folder: string; files: LocalFiles } {
  const out: LocalFiles = {};
  let folder = '';
  for (const file of files) {
    const relative = file.webkitRelativePath || file.name;
    const slash = relative.indexOf('/');
    folder ||= slash > 0 ? relative.slice(0, slash) : 'folder';
    out[slash > 0 ? relative.slice(slash + 1) : relative] = file;
  }
  return { folder, files: out };
}

export class LocalFolderSource implements BundleSource {
  private readonly urls = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly files: LocalFiles,
  ) {}

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const file = Object.hasOwn(this.files, path) ? this.files[path] : undefined;
    if (!file) throw new BundleReadError(path, `not found in the chosen folder ${this.name.replace(/^local:/, '')}`);
    if (options.limit !== undefined && file.size > LIMITS[options.limit])
      throw tooLarge(path, options.limit, file.size);
    return new Uint8Array(await file.arrayBuffer());
  }

  /** An object URL, made once per file (for <img>). */
  url(path: string): string {
    let url = this.urls.get(path);
    if (!url) {
      const file = Object.hasOwn(this.files, path) ? this.files[path] : undefined;
      url = file ? URL.createObjectURL(file) : `${this.name}${path}`;
      this.urls.set(path, url);
    }
    return url;
  }
}
