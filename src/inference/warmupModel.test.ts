import { describe, expect, it } from 'vitest';
import { createOrtNodeEngine } from '../node/ortEngine';
import { warmupModel } from './warmupModel';

describe('warmupModel', () => {
  it('is a model onnxruntime opens and runs', async () => {
    const session = await createOrtNodeEngine().createSession(warmupModel(), 'warm-up.onnx');
    const { y } = await session.run({ x: { dims: [1], data: Float32Array.of(3) } });
    expect(Array.from(y!.data)).toEqual([3]);
    await session.dispose();
  });
});
