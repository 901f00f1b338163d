// Parity of the exported ONNX files and of the TypeScript samplers with PyTorch, through
// onnxruntime-node (CPU), for every bundle folder with a parity/ folder under public/models/ and in
// MINDEYE_PARITY_DIRS (colon-separated folders, each a bundle or a folder of bundles). The tiny model
// the tests write runs the same checks first, so the machinery is tested even without bundles.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtNodeEngine } from '../src/node/ortEngine';
import { onnxFilesWithFixtures, parityFolders, readJson, type OnnxFixture, type SamplerFixture } from './parity';
import { onnxParity, samplerParity, splitDecoderParity, type ParityResult } from './parityChecks';
import { TinyModel } from './tinyModel';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const engine = createOrtNodeEngine();
const folders = await parityFolders(REPO);

/** Problems as lines, for an assertion message that says which output and by how much. */
const problems = (results: ParityResult[]) => results.filter((r) => r.problem).map((r) => `${r.name}: ${r.problem}`);

describe('parity machinery, on the tiny model the tests write', () => {
  let tiny: TinyModel;
  beforeAll(async () => {
    tiny = await TinyModel.create();
  });
  afterAll(() => tiny.dispose());

  it('finds every ONNX file of both folders within tolerance', async () => {
    for (const folder of [tiny.brainDir, tiny.imageDir]) {
      for (const { file } of await onnxFilesWithFixtures(folder)) {
        expect(problems(await onnxParity(engine, folder, file))).toEqual([]);
      }
    }
  });

  it('reproduces the reference DDIM samplers', async () => {
    const results = await samplerParity(engine, tiny.brainDir);
    expect(results.map((r) => r.name)).toEqual(['prior sampler tokens', 'decoder sampler latent', 'decoded image']);
    expect(problems(results)).toEqual([]);
    expect(await splitDecoderParity(engine, tiny.brainDir)).toEqual([]); // one decoder file: nothing to chain
  });

  it('chains the split decoder and reproduces the samplers with it', async () => {
    await tiny.useSplitDecoder();
    const chain = await splitDecoderParity(engine, tiny.brainDir);
    expect(chain.map((r) => r.name)).toEqual(['decoder condition -> step v']);
    expect(problems(chain)).toEqual([]);
    expect(problems(await samplerParity(engine, tiny.brainDir))).toEqual([]);
  });

  it('reports an output that differs, a sampler that differs and a file without a fixture', async () => {
    const path = join(tiny.brainDir, 'parity', 'sampler.json');
    const fixture = await readJson<SamplerFixture>(path);
    fixture.decoder.cfgScale = 1.5; // the Python result was made with 2
    await writeFile(path, JSON.stringify(fixture));
    expect(problems(await samplerParity(engine, tiny.brainDir))).toEqual([
      expect.stringMatching(/^decoder sampler latent: \d+ of 16 values outside atol/),
      expect.stringMatching(/^decoded image: /),
    ]);
    // A step fixture made from other conditioning than the condition file gives for its tokens.
    await tiny.useSplitDecoder();
    const stepPath = join(tiny.imageDir, 'parity', 'decoder-step.onnx.json');
    const step = await readJson<OnnxFixture>(stepPath);
    step.inputs.t = { ...step.inputs.t!, data: Buffer.from(new Float32Array([3, 8]).buffer).toString('base64') };
    await writeFile(stepPath, JSON.stringify(step));
    expect(problems(await splitDecoderParity(engine, tiny.brainDir))).toEqual([
      expect.stringMatching(/^decoder condition -> step v: \d+ of 16 values outside atol/),
    ]);
    await writeFile(join(tiny.brainDir, 'extra.onnx'), '');
    expect(problems(await onnxParity(engine, tiny.brainDir, 'extra.onnx'))).toEqual([
      expect.stringMatching(/^extra\.onnx: no parity fixture/),
    ]);
  });
});

describe('parity of the exported bundles with PyTorch (onnxruntime-node, CPU)', () => {
  if (folders.length === 0) {
    it('has bundles to check', (context) => {
      context.skip('no model bundle with a parity/ folder under public/models/, and MINDEYE_PARITY_DIRS names none');
    });
  }
  for (const folder of folders) {
    describe(folder, () => {
      it('runs every ONNX file on its fixture within tolerance', async () => {
        const files = await onnxFilesWithFixtures(folder);
        expect(files.length).toBeGreaterThan(0);
        const results = (await Promise.all(files.map(({ file }) => onnxParity(engine, folder, file)))).flat();
        expect(problems(results)).toEqual([]);
      });

      it.runIf(existsSync(join(folder, 'parity', 'sampler.json')))(
        'reproduces the Python DDIM samplers through onnxruntime',
        async () => {
          expect(problems(await samplerParity(engine, folder))).toEqual([]);
        },
      );

      it.runIf(existsSync(join(folder, 'model.json')))(
        'chains its split decoder (condition once, then the step) as PyTorch computes it',
        async () => {
          expect(problems(await splitDecoderParity(engine, folder))).toEqual([]);
        },
      );
    });
  }
});
