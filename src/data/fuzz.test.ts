// A bounded fuzz test (issue 16): the smoke bundles' JSON, NIfTI headers, .zarray files, chunks and
// ONNX bytes mutated in memory, a fixed seed and a few hundred mutations. Whatever the mutation, the
// validators finish (no hang), never stop on an exception they did not expect (no crash), and every
// problem names a file; the readers the app uses reject with their own error classes, each with a
// message; onnxruntime-node is handed only what the ONNX check passed; and the bundle as it was
// still validates afterwards.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniformGenerator } from '../inference/random';
import { MindEyeModel, ModelLoadError } from '../inference/model';
import { createOrtNodeEngine } from '../node/ortEngine';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { withCustomNode, withExternalInitializer } from '../../test/onnxEdits';
import { TinyBundle } from '../../test/tinyBundle';
import { TinyModel } from '../../test/tinyModel';
import { BundleReadError, type BundleSource, type ReadOptions } from './bundleSource';
import { readImageHeader } from './imageHeader';
import { LIMITS } from './limits';
import { SubfolderSource } from './modelBundleSource';
import { NiftiError, parseNifti } from './nifti';
import { onnxProblems } from './onnxFile';
import { validateDataset } from './validateDataset';
import { validateModelBundle } from './validateModel';
import type { Problem } from './validation';
import { openRowReader, ZarrFormatError } from './zarrArray';

const SEED = 16;
const DATASET_MUTATIONS = 300;
const MODEL_MUTATIONS = 60;
/** Far above what one validation of the tiny bundle takes (~10 ms): only a hang gets there. */
const HANG_MS = 10_000;

type Files = Map<string, Uint8Array>;

/** A bundle held in memory. */
class MemorySource implements BundleSource {
  constructor(
    readonly name: string,
    private readonly files: Files,
  ) {}
  url(path: string) {
    return `memory:${path}`;
  }
  read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const bytes = this.files.get(path);
    if (!bytes) return Promise.reject(new BundleReadError(path, 'not found'));
    if (options.limit && bytes.length > LIMITS[options.limit])
      return Promise.reject(new BundleReadError(path, 'too large'));
    return Promise.resolve(bytes.slice());
  }
}

async function filesOf(dir: string): Promise<Files> {
  const files: Files = new Map();
  const walk = async (folder: string) => {
    for (const name of await readdir(folder)) {
      const full = join(folder, name);
      if ((await stat(full)).isDirectory()) await walk(full);
      else files.set(relative(dir, full), new Uint8Array(await readFile(full)));
    }
  };
  await walk(dir);
  return files;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what}`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

// Values a hostile bundle would put anywhere.
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  0.5,
  1e308,
  2 ** 31,
  2 ** 53,
  '',
  '../../etc/passwd',
  '%2F..%2F..%2Fx',
  '/abs',
  'http://localhost/x',
  'constructor',
  '__proto__',
  'toString',
  'x\u001b[2K\r',
  '.',
  '/',
  'NaN',
  'Infinity',
  [],
  [0],
  {},
  { id: 'blosc' },
  'x'.repeat(300),
];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** One mutation of a JSON file: a value replaced or removed, a key added, or the text cut or flipped. */
function mutateJson(bytes: Uint8Array, random: Random, keys: readonly string[] = []): Uint8Array {
  const roll = random();
  if (roll < 0.1) return bytes.slice(0, Math.floor(random() * bytes.length));
  if (roll < 0.15) return flipBytes(bytes, random, 1);
  const json = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value))
      value.slice(0, 8).forEach((item, i) => (slots.push({ parent: value, key: i }), walk(item)));
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        slots.push({ parent: value as Record<string, unknown>, key });
        walk(item);
      }
    }
  };
  walk(json);
  const root = json as Record<string, unknown>;
  if (keys.length > 0 && roll < 0.55) root[pick(random, keys)] = pick(random, HOSTILE_VALUES);
  else if (slots.length > 0) {
    const { parent, key } = pick(random, slots);
    if (random() < 0.2 && !Array.isArray(parent)) delete parent[key as string];
    else (parent as Record<string | number, unknown>)[key] = pick(random, HOSTILE_VALUES);
  }
  let text = JSON.stringify(json);
  if (random() < 0.05) text = text.replace('{', '{"__proto__": {"x": 1}, ');
  return new TextEncoder().encode(text);
}

function flipBytes(bytes: Uint8Array, random: Random, count: number, from = 0, to = bytes.length): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < count && to > from; i++)
    out[from + Math.floor(random() * (to - from))] = Math.floor(random() * 256);
  return out;
}

const NIFTI_FLOATS = [76, 80, 84, 88, 108, 112, 116, 280, 284, 292, 296, 300, 312, 324];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -1, 1e30, 3e38, 352, 1e-30];

/** A header field set to a special value, random header bytes, or the (compressed) bytes cut or flipped. */
function mutateNifti(bytes: Uint8Array, random: Random): Uint8Array {
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const roll = random();
  if (gz && roll < 0.1)
    return roll < 0.05 ? bytes.slice(0, Math.floor(random() * bytes.length)) : flipBytes(bytes, random, 2);
  const raw = new Uint8Array(gz ? gunzipSync(bytes) : bytes);
  const view = new DataView(raw.buffer);
  if (roll < 0.45) view.setFloat32(pick(random, NIFTI_FLOATS), pick(random, SPECIAL), true);
  else if (roll < 0.7)
    view.setInt16(40 + 2 * Math.floor(random() * 8), pick(random, [0, -1, 1, 2, 4, 8, 1024, 32767]), true);
  else if (roll < 0.8) view.setInt16(70, pick(random, [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 511, 1536, 2304]), true);
  else if (roll < 0.9)
    return gz
      ? gzipSync(raw.slice(0, Math.floor(random() * raw.length)))
      : raw.slice(0, Math.floor(random() * raw.length));
  else flipBytes(raw, random, 4, 0, 352).forEach((b, i) => (raw[i] = b));
  if (raw.length > 352 && random() < 0.3) {
    // and a voxel set to a non-finite float (meaningful for float volumes)
    view.setFloat32(352 + 4 * Math.floor(random() * ((raw.length - 352) / 4)), pick(random, [NaN, Infinity]), true);
  }
  return gz ? gzipSync(raw) : raw;
}

function mutateOnnx(bytes: Uint8Array, random: Random): Uint8Array {
  const roll = random();
  if (roll < 0.1) return withExternalInitializer(bytes, pick(random, ['package.json', '/etc/passwd', '../x.bin']));
  if (roll < 0.2) return withCustomNode(bytes, pick(random, ['com.evil', 'ai.onnx.contrib', 'com.microsoft']));
  if (roll < 0.35) return bytes.slice(0, Math.floor(random() * bytes.length));
  // Header and graph structure live in the first bytes and around the small tensors: flip there mostly.
  return flipBytes(
    bytes,
    random,
    1 + Math.floor(random() * 6),
    0,
    random() < 0.7 ? Math.min(bytes.length, 400) : bytes.length,
  );
}

/** Every problem names a file and says something; none is an exception the validator did not expect. */
function expectWellFormed(problems: readonly Problem[], what: string) {
  for (const problem of problems) {
    expect(problem.file, what).toMatch(/\S/);
    expect(problem.message, what).toMatch(/\S/);
    expect(problem.message, `${what}: ${problem.file}: ${problem.message}`).not.toMatch(/stopped unexpectedly/);
  }
}

describe('fuzzed bundles (issue 16): no crash, no hang, every refusal names a file', () => {
  let dataset: TinyBundle;
  let model: TinyModel;
  let datasetFiles: Files;
  let modelFiles: Files;
  beforeAll(async () => {
    [dataset, model] = await Promise.all([TinyBundle.create(), TinyModel.create()]);
    [datasetFiles, modelFiles] = await Promise.all([filesOf(dataset.dir), filesOf(model.root)]);
  });
  afterAll(async () => {
    await Promise.all([dataset.dispose(), model.dispose()]);
  });

  it(`survives ${DATASET_MUTATIONS} mutations of a dataset bundle`, async () => {
    const random = uniformGenerator(SEED);
    const paths = [...datasetFiles.keys()].sort();
    const targets = {
      json: paths.filter((p) => p.endsWith('.json')),
      nifti: paths.filter((p) => /\.nii(\.gz)?$/.test(p)),
      zarray: paths.filter((p) => p.endsWith('.zarray')),
      chunk: paths.filter((p) => /\.zarr\/\d+\.\d+$/.test(p)),
      image: paths.filter((p) => /\.(png|webp)$/.test(p)),
    };
    const zarrayKeys = [
      'dimension_separator',
      'fill_value',
      'compressor',
      'dtype',
      'order',
      'shape',
      'chunks',
      'filters',
    ];
    for (let i = 0; i < DATASET_MUTATIONS; i++) {
      const kind = pick(random, ['json', 'json', 'nifti', 'nifti', 'zarray', 'zarray', 'chunk', 'image'] as const);
      const path = pick(random, targets[kind]);
      const original = datasetFiles.get(path)!;
      const mutated =
        kind === 'json'
          ? mutateJson(original, random)
          : kind === 'nifti'
            ? mutateNifti(original, random)
            : kind === 'zarray'
              ? mutateJson(original, random, zarrayKeys)
              : kind === 'chunk'
                ? random() < 0.5
                  ? original.slice(0, Math.floor(random() * original.length))
                  : flipBytes(original, random, 3)
                : flipBytes(original, random, 1 + Math.floor(random() * 4), 8);
      const files = new Map(datasetFiles).set(path, mutated);
      const source = new MemorySource('memory:tiny/', files);
      const what = `mutation ${i} of ${path} (${kind})`;
      const decodeImage = i % 10 === 0 ? decodeImageWithSharp : readImageHeader;
      const result = await withTimeout(validateDataset(source, { decodeImage, chunks: 'every' }), what);
      expectWellFormed(result.problems, what);

      // The readers the app and the evaluation use on their own reject with their own errors.
      if (kind === 'nifti') {
        await parseNifti(mutated).then(
          () => undefined,
          (error: unknown) => {
            expect(error, what).toBeInstanceOf(NiftiError);
            expect((error as Error).message, what).toMatch(/\S/);
          },
        );
      }
      if (kind === 'zarray' || kind === 'chunk') {
        const folder = path.slice(0, path.lastIndexOf('/'));
        const rows = withTimeout(
          openRowReader(source, folder).then(async (reader) => {
            for (let row = 0; row < Math.min(reader.shape[0], 64); row++) await reader.read(row);
          }),
          what,
        );
        await rows.catch((error: unknown) => {
          expect(
            error instanceof BundleReadError || error instanceof ZarrFormatError,
            `${what}: ${String(error)}`,
          ).toBe(true);
        });
      }
    }
    // The bundle as it was is still valid: nothing above changed it.
    const clean = await validateDataset(new MemorySource('memory:tiny/', datasetFiles), {
      decodeImage: readImageHeader,
    });
    expect(clean.problems).toEqual([]);
  }, 60_000);

  it(`survives ${MODEL_MUTATIONS} mutations of a model bundle, onnxruntime-node included`, async () => {
    const random = uniformGenerator(SEED + 1);
    const engine = createOrtNodeEngine();
    const given: Uint8Array[] = [];
    const spy = {
      description: 'checked',
      createSession: (bytes: Uint8Array, file: string) => {
        given.push(bytes);
        return engine.createSession(bytes, file);
      },
    };
    const onnx = [...modelFiles.keys()].filter((p) => p.endsWith('.onnx')).sort();
    for (let i = 0; i < MODEL_MUTATIONS; i++) {
      const jsonTurn = i % 5 === 4;
      const path = jsonTurn ? 'tiny-brain/model.json' : pick(random, onnx);
      const original = modelFiles.get(path)!;
      const mutated = jsonTurn ? mutateJson(original, random) : mutateOnnx(original, random);
      const what = `mutation ${i} of ${path}`;
      if (!jsonTurn) expect(() => onnxProblems(mutated), what).not.toThrow();
      const files = new Map(modelFiles).set(path, mutated);
      const source = new SubfolderSource(new MemorySource('memory:models/', files), 'tiny-brain');
      const validation = await withTimeout(validateModelBundle(source), what);
      expectWellFormed(validation.problems, what);

      given.length = 0;
      const loaded = await withTimeout(MindEyeModel.load(source, spy), what).catch((error: unknown) => {
        expect(error, `${what}: ${String(error)}`).toBeInstanceOf(ModelLoadError);
        for (const problem of (error as ModelLoadError).problems) {
          expect(problem, what).toMatch(/^\S+\.(onnx|json)(: | \()/);
        }
        return null;
      });
      await loaded?.dispose();
      // Whatever reached onnxruntime had passed the ONNX check.
      for (const bytes of given) expect(onnxProblems(bytes), what).toEqual([]);
    }
    const clean = new SubfolderSource(new MemorySource('memory:models/', modelFiles), 'tiny-brain');
    expect((await validateModelBundle(clean)).problems).toEqual([]);
  }, 60_000);
});
