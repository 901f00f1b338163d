import { describe, expect, it } from 'vitest';
import { decodeTfjsWeights, type TfjsLayersModel } from './kerasToOnnx';

describe('decodeTfjsWeights', () => {
  const model = (weights: TfjsLayersModel['weightsManifest'][number]['weights']): TfjsLayersModel => ({
    modelTopology: {
      model_config: { class_name: 'Model', config: { layers: [], input_layers: [], output_layers: [] } },
    },
    weightsManifest: [{ paths: ['shard'], weights }],
  });

  it('reads float32 and dequantizes uint8 as tfjs does (q * scale + min), in manifest order', () => {
    const data = new Uint8Array(4 + 3);
    new DataView(data.buffer).setFloat32(0, 1.5, true);
    data.set([0, 1, 255], 4);
    const weights = decodeTfjsWeights(
      model([
        { name: 'a/kernel', shape: [1], dtype: 'float32' },
        { name: 'b/kernel', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
      ]),
      data,
    );
    expect(Array.from(weights.get('a/kernel')!.data)).toEqual([1.5]);
    expect(Array.from(weights.get('b/kernel')!.data)).toEqual([-1, -0.5, 126.5]);
  });

  it('names what does not fit: too few bytes, too many, an unknown quantization', () => {
    const spec = { name: 'w', shape: [4], dtype: 'float32' };
    expect(() => decodeTfjsWeights(model([spec]), new Uint8Array(8))).toThrow(
      /weight w: the weight data end at byte 8/,
    );
    expect(() => decodeTfjsWeights(model([spec]), new Uint8Array(20))).toThrow(/hold 20 bytes, the manifest 16/);
    expect(() =>
      decodeTfjsWeights(model([{ ...spec, quantization: { dtype: 'float16' } }]), new Uint8Array(8)),
    ).toThrow(/quantization float16 is not supported/);
  });
});
