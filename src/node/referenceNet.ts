// The reference network's package files, read from the installed npm package (Node only): nsfwjs
// ships its tfjs model as CommonJS modules (model.json as an object, each weight shard as a base64
// string) under dist/models/<model>/. Used by `npm run eval` and by the Vite plugin that writes the
// ONNX file into the built app (vite.config.ts). Nothing is downloaded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { buildReferenceNet, REFERENCE_NET, type ReferenceNetFiles } from '../evaluation/referenceNet.ts';
import type { TfjsLayersModel } from '../evaluation/kerasToOnnx.ts';

const require = createRequire(import.meta.url);

/** The installed package's root folder (its exports hide package.json, so found from an entry point). */
function packageRoot(): string {
  let entry: string;
  try {
    entry = require.resolve(`${REFERENCE_NET.packageName}/models/${REFERENCE_NET.model}`);
  } catch {
    throw new Error(
      `the evaluation's reference network comes from the npm package ${REFERENCE_NET.packageName}, which is not installed (npm install)`,
    );
  }
  const marker = `${sep}node_modules${sep}${REFERENCE_NET.packageName}${sep}`;
  const at = entry.lastIndexOf(marker);
  return at >= 0 ? entry.slice(0, at + marker.length - 1) : dirname(dirname(dirname(dirname(entry))));
}

export function readReferenceNetFiles(): ReferenceNetFiles {
  const root = packageRoot();
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const folder = join(root, 'dist', 'models', REFERENCE_NET.model);
  const unwrap = <T>(module: unknown): T => ((module as { default?: T }).default ?? module) as T;
  const model = unwrap<TfjsLayersModel>(require(join(folder, 'model.min.js')));
  const shards = model.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const text = unwrap<string>(require(join(folder, `${path}.min.js`)));
      if (typeof text !== 'string') throw new Error(`${folder}/${path}.min.js: expected a base64 string`);
      return Buffer.from(text, 'base64');
    }),
  );
  return {
    model,
    weights: new Uint8Array(Buffer.concat(shards)),
    source: `${REFERENCE_NET.packageName} ${version}`,
  };
}

/** The package's licence text, shipped beside the built file (its weights are the package's). */
export function referenceNetLicense(): string {
  return readFileSync(join(packageRoot(), 'LICENSE'), 'utf8');
}

let built: Uint8Array | null = null;

/** The reference network's ONNX bytes, converted once per process. */
export function referenceNetOnnx(): Uint8Array {
  built ??= buildReferenceNet(readReferenceNetFiles()).onnx;
  return built;
}
