import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyModel } from '../../test/tinyModel';
import { createOrtNodeEngine } from './ortEngine';

describe('the onnxruntime-node engine', () => {
  let tiny: TinyModel;
  beforeAll(async () => {
    tiny = await TinyModel.create();
  });
  afterAll(() => tiny.dispose());

  it('declares the file inputs and outputs, batch axes symbolic', async () => {
    const engine = createOrtNodeEngine();
    const session = await engine.createSession(await readFile(join(tiny.brainDir, 'backbone.onnx')), 'backbone.onnx');
    expect(session.inputs).toEqual([{ name: 'shared', type: 'float32', shape: ['B', 4] }]);
    expect(session.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['clip_tokens', ['B', 2, 3]],
      ['retrieval', ['B', 5]],
      ['blurry_latent', ['B', 2, 2, 2]],
    ]);
    await session.dispose();
  });

  it('runs a batch and returns float32 outputs by name', async () => {
    const engine = createOrtNodeEngine();
    const session = await engine.createSession(await readFile(join(tiny.brainDir, 'prior.onnx')), 'prior.onnx');
    const zeros = new Float32Array(12);
    const cond = Float32Array.from({ length: 12 }, (_, i) => i);
    const out = await session.run({
      x_t: { dims: [2, 2, 3], data: zeros },
      t: { dims: [2], data: Float32Array.of(0, 1000) },
      cond: { dims: [2, 2, 3], data: cond },
    });
    // x0 = 0.5 cond + 0.1 x_t + 0.001 t
    expect(out.x0!.dims).toEqual([2, 2, 3]);
    expect(out.x0!.data[1]).toBeCloseTo(0.5, 6);
    expect(out.x0!.data[7]).toBeCloseTo(3.5 + 1, 5);
    await session.dispose();
  });

  it('names the file when it cannot load it or run it', async () => {
    const engine = createOrtNodeEngine();
    await expect(engine.createSession(new Uint8Array([1, 2, 3]), 'broken.onnx')).rejects.toThrow(
      /^broken\.onnx: onnxruntime could not load it/,
    );
    const session = await engine.createSession(await readFile(join(tiny.brainDir, 'backbone.onnx')), 'backbone.onnx');
    await expect(session.run({ shared: { dims: [1, 5], data: new Float32Array(5) } })).rejects.toThrow(
      /^backbone\.onnx: /,
    );
    await session.dispose();
  });
});
