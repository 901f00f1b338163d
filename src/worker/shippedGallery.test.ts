// A retrieval gallery shipped in the dataset (npm run gallery): the worker's service uses it when a
// sample of its rows is what the image encoder makes of those images, and encodes every test image
// when not; the rows it uses are the file's.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBundleSource } from '../node/fsBundleSource';
import { fsModelBundleSource } from '../node/fsModelBundleSource';
import { createOrtNodeEngine } from '../node/ortEngine';
import { decodeRgbWithSharp } from '../node/sharpRgb';
import { runCli } from '../../test/runCli';
import { InferenceService } from './service';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const MODEL = `${PUBLIC}models/mini-subj01-finetuned`;
const E = 128;

let dir: string;
let embeddingsFile: string;
let computed: Float32Array;

function service() {
  return new InferenceService(createOrtNodeEngine(), {
    openDataset: (url) => new FsBundleSource(url),
    openModel: (url) => fsModelBundleSource(url),
    decodeImage: (bytes) => decodeRgbWithSharp(bytes),
  });
}

/** The test image a fresh service's retrieval ranks first for a query. */
async function topMatch(query: Float32Array): Promise<number> {
  const s = service();
  try {
    await s.loadModel(MODEL, dir);
    return (await s.retrieve(MODEL, query, 1)).matches[0]!.imageIndex;
  } finally {
    await s.dispose();
  }
}

const row = (values: Float32Array, i: number) => values.slice(i * E, (i + 1) * E);

beforeAll(async () => {
  // dataset.json and the images are all a gallery needs.
  dir = await mkdtemp(join(tmpdir(), 'mindeye-gallery-'));
  await cp(`${PUBLIC}datasets/synthetic-nsd/dataset.json`, join(dir, 'dataset.json'));
  await cp(`${PUBLIC}datasets/synthetic-nsd/images`, join(dir, 'images'), { recursive: true });
  const { code, stdout, stderr } = await runCli(new URL('../cli/gallery.ts', import.meta.url), dir, MODEL);
  expect(code, stderr).toBe(0);
  embeddingsFile = join(dir, /^(galleries\/\S+\.f32):/.exec(stdout)![1]!);
  computed = new Float32Array((await readFile(embeddingsFile)).buffer.slice(0));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a shipped retrieval gallery', () => {
  it('holds what the encoder makes of the test images: each row retrieves its own image', async () => {
    const json = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8'));
    expect(json.galleries).toHaveLength(1);
    expect(computed.length).toBe(300 * E);
    expect(await topMatch(row(computed, 5))).toBe(5);
  }, 60_000);

  it('is used as it is once the sampled rows agree (rows outside the sample swapped: retrieval follows the file)', async () => {
    const swapped = computed.slice();
    swapped.set(row(computed, 2), 1 * E);
    swapped.set(row(computed, 1), 2 * E);
    await writeFile(embeddingsFile, new Uint8Array(swapped.buffer));
    expect(await topMatch(row(computed, 1))).toBe(2);
  }, 60_000);

  it('is refused when a sampled row disagrees with the encoder: every test image is encoded instead', async () => {
    const wrong = computed.slice();
    wrong.set(row(computed, 1), 0); // row 0 is in the sample; row 1 now appears twice
    wrong.set(row(computed, 2), 1 * E);
    wrong.set(row(computed, 1), 2 * E);
    await writeFile(embeddingsFile, new Uint8Array(wrong.buffer));
    expect(await topMatch(row(computed, 1))).toBe(1);
  }, 60_000);
});
