// npx tsx models/tests/validate-models.ts <bundles folder> [<dataset folder>]
// The app's model bundle validator (src/data/validateModel.ts: model.json against the zod schema,
// every file it names present and allowed) on each model bundle in a folder that training or
// models.mini.export wrote, and, given a dataset, whether each fits it voxel for voxel. Prints every
// problem as `<bundle>/<file>: <message>` and exits 1, or names the bundles and exits 0.
// (npm run validate checks dataset bundles only.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSchema, type DatasetJson } from '../../src/data/datasetSchema';
import { validateModelBundle } from '../../src/data/validateModel';
import { fsModelBundleSource } from '../../src/node/fsModelBundleSource';

async function main([folder, datasetFolder]: string[]): Promise<number> {
  if (!folder) {
    console.error('usage: npx tsx models/tests/validate-models.ts <bundles folder> [<dataset folder>]');
    return 2;
  }
  const dataset: DatasetJson | undefined = datasetFolder
    ? datasetSchema.parse(JSON.parse(readFileSync(join(datasetFolder, 'dataset.json'), 'utf8')))
    : undefined;
  const bundles = readdirSync(folder).filter((name) => existsSync(join(folder, name, 'model.json')));
  if (bundles.length === 0) {
    console.error(`${folder}: no model bundles`);
    return 1;
  }
  let failed = false;
  for (const name of bundles) {
    const { problems } = await validateModelBundle(fsModelBundleSource(join(folder, name)), dataset);
    for (const { file, message } of problems) console.log(`${name}/${file}: ${message}`);
    failed ||= problems.length > 0;
  }
  if (!failed) console.log(`valid: ${bundles.join(', ')}`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
