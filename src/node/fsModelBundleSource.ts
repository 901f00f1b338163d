// A model bundle in a folder on disk, able to read its sibling bundles' files ('../mini-image/...').
import { basename, dirname, resolve } from 'node:path';
import { SubfolderSource } from '../data/modelBundleSource';
import { FsBundleSource } from './fsBundleSource';

/** `folder` is the bundle's folder (or its model.json). */
export function fsModelBundleSource(folder: string): SubfolderSource {
  let path = resolve(folder);
  if (basename(path) === 'model.json') path = dirname(path);
  return new SubfolderSource(new FsBundleSource(dirname(path)), basename(path));
}
