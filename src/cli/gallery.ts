// npm run gallery -- <dataset folder> <model folder>
// Computes the retrieval gallery of a dataset's test images with a model bundle's image encoder
// (onnxruntime-node, the worker's own code) and writes it into the dataset bundle: the embeddings as
// galleries/<encoder digest>-<S>.f32 and an entry in dataset.json's `galleries` (replacing one of the
// same encoder and size). The app then reads it instead of encoding every test image before its first
// retrieval, once a sample of its rows matches; `npm run validate` checks it against the images.
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256Hex } from '../data/gallery';
import { InferenceService, testImageIndices } from '../worker/service';
import { FsBundleSource } from '../node/fsBundleSource';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { createOrtNodeEngine } from '../node/ortEngine';
import { decodeRgbWithSharp } from '../node/sharpRgb';
import { cliMain } from './cliMain';

const USAGE = 'usage: npm run gallery -- <dataset folder> <model folder>';

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { help: { type: 'boolean', default: false } },
  });
  if (!values.help && positionals.length !== 2) throw new Error('give a dataset folder and a model folder');
  const [dataset = '', model = ''] = positionals;
  return { help: values.help, dataset, model };
}

async function run({ dataset, model }: { dataset: string; model: string }): Promise<number> {
  const engine = createOrtNodeEngine();
  const service = new InferenceService(engine, {
    openDataset: (url) => new FsBundleSource(url),
    openModel: (url) => fsModelBundleSource(url),
    decodeImage: (bytes) => decodeRgbWithSharp(bytes),
  });
  try {
    await service.loadModel(model, dataset);
    const gallery = await service.computeGallery(model, (p) => {
      if (p.kind === 'items' && (p.done === p.total || p.done % 100 === 0))
        console.error(`${p.what}: ${p.done} of ${p.total}`);
    });
    const jsonPath = join(dataset, 'dataset.json');
    // The file as written, not as the schema parses it: only `galleries` changes.
    const json = JSON.parse(await readFile(jsonPath, 'utf8')) as {
      images: { file: string; split: string }[];
      galleries?: { encoderSha256: string; size: number; dim: number }[];
    };
    const imageSha256 = await Promise.all(
      testImageIndices(json).map(async (i) => sha256Hex(await readFile(join(dataset, json.images[i]!.file)))),
    );
    const file = `galleries/${gallery.encoderSha256.slice(0, 16)}-${gallery.size}.f32`;
    await mkdir(join(dataset, 'galleries'), { recursive: true });
    await writeFile(join(dataset, file), new Uint8Array(gallery.embeddings.buffer));
    const entry = {
      encoderSha256: gallery.encoderSha256,
      size: gallery.size,
      dim: gallery.dim,
      embeddings: file,
      imageSha256,
    };
    const others = (json.galleries ?? []).filter(
      (g) => !(g.encoderSha256 === entry.encoderSha256 && g.size === entry.size && g.dim === entry.dim),
    );
    json.galleries = [...others, entry];
    await writeFile(`${jsonPath}.partial`, `${JSON.stringify(json, null, 1)}\n`);
    await rename(`${jsonPath}.partial`, jsonPath);
    console.log(
      `${file}: ${imageSha256.length} test images x ${gallery.dim}, encoder ${gallery.encoderSha256.slice(0, 16)}…`,
    );
    return 0;
  } finally {
    await service.dispose();
  }
}

await cliMain(USAGE, parse, run);
