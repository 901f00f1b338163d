import { describe, expect, it } from 'vitest';
import { createOrtNodeEngine } from '../node/ortEngine';
import { writeOnnxModel } from './onnxWriter';

describe('writeOnnxModel', () => {
  it('writes a model onnxruntime loads and runs: int, float and ints attributes, int64 and float initializers, symbolic dims', async () => {
    // y = Transpose(Reshape(x, [-1, 2, 3]), perm [0, 2, 1]) * 0.5 + b; then Gemm(alpha 2) against an identity.
    const bytes = writeOnnxModel({
      name: 'test',
      opset: 17,
      producer: 'test',
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'Transpose', inputs: ['r'], outputs: ['t'], attributes: { perm: [0, 2, 1] } },
        { op: 'Mul', inputs: ['t', 'half'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'b'], outputs: ['y'] },
        { op: 'Flatten', inputs: ['y'], outputs: ['f'], attributes: { axis: 1 } },
        { op: 'Gemm', inputs: ['f', 'eye'], outputs: ['g'], attributes: { alpha: { float: 2 }, transB: 1 } },
      ],
      initializers: [
        { name: 'shape', dims: [3], data: BigInt64Array.of(-1n, 2n, 3n) },
        { name: 'half', dims: [], data: Float32Array.of(0.5) },
        { name: 'b', dims: [2], data: Float32Array.of(10, 20) },
        { name: 'eye', dims: [6, 6], data: Float32Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0)) },
      ],
      inputs: [{ name: 'x', shape: ['batch', 6] }],
      outputs: [
        { name: 'y', shape: ['batch', 3, 2] },
        { name: 'g', shape: ['batch', 6] },
      ],
      metadata: { source: 'test' },
    });
    const session = await createOrtNodeEngine().createSession(bytes, 'test.onnx');
    expect(session.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 6] }]);
    const out = await session.run({ x: { dims: [1, 6], data: Float32Array.of(0, 1, 2, 3, 4, 5) } });
    await session.dispose();
    // reshape [[0,1,2],[3,4,5]] -> transpose [[0,3],[1,4],[2,5]] -> *0.5 + [10, 20]
    expect(out.y!.dims).toEqual([1, 3, 2]);
    expect(Array.from(out.y!.data)).toEqual([10, 21.5, 10.5, 22, 11, 22.5]);
    expect(Array.from(out.g!.data)).toEqual([20, 43, 21, 44, 22, 45]);
  });
});
