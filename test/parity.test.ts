import { describe, expect, it } from 'vitest';
import { cpuPlacements, decodeTensor, FILE_MARKER, mismatch } from './parity';

describe('parity fixture helpers', () => {
  it('decodes base64 float32 little-endian tensors', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeFloatLE(1.5, 0);
    bytes.writeFloatLE(-2, 4);
    expect(decodeTensor({ shape: [1, 2], data: bytes.toString('base64') })).toEqual({
      dims: [1, 2],
      data: Float32Array.of(1.5, -2),
    });
    expect(() => decodeTensor({ shape: [3], data: bytes.toString('base64') })).toThrow(/\[3\] tensor with 2 values/);
  });

  it('compares as numpy allclose: |a - e| <= atol + rtol |e|', () => {
    const expected = { dims: [2], data: Float32Array.of(100, 0) };
    expect(
      mismatch({ dims: [2], data: Float32Array.of(100.5, 0.01) }, expected, { atol: 0.01, rtol: 0.01 }),
    ).toBeNull();
    expect(mismatch({ dims: [2], data: Float32Array.of(100, 0.02) }, expected, { atol: 0.01, rtol: 0.01 })).toMatch(
      /^1 of 2 values outside .* the worst at 1/,
    );
    expect(mismatch({ dims: [2], data: Float32Array.of(NaN, 0) }, expected, { atol: 1 })).toMatch(/^1 of 2/);
    expect(mismatch({ dims: [1, 2], data: Float32Array.of(100, 0) }, expected, { atol: 1 })).toBe(
      'shape [1, 2], expected [2]',
    );
  });

  it("reads the CPU EP's nodes per file from onnxruntime's verbose log", () => {
    const prefix = '2026-11-26 10:23:19.566 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]';
    const log = [
      `${FILE_MARKER}backbone.onnx`,
      `${prefix} Node placements`,
      `${prefix}  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 42`,
      `${FILE_MARKER}prior.onnx`,
      '... [I:onnxruntime:, webgpu_execution_provider.cc:665 GetCapability] webgpu kernel not found in registries for Op type: Gather',
      `${prefix} Node placements`,
      `${prefix}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3`,
      `${prefix}   Gather (/blocks/attn/Gather)`,
      `${prefix}   Gather (/blocks/attn/Gather_1)`,
      `${prefix}   Unsqueeze (/blocks/attn/Unsqueeze)`,
      `${prefix}  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 40`,
      `${prefix}   MatMul (/blocks/MatMul)`,
      '2026-11-26 [V:onnxruntime:, session_state.cc:186 CreateGraphInfo] SaveMLValueNameIndexMapping',
    ].join('\n');
    expect(cpuPlacements(log)).toEqual({
      'backbone.onnx': { count: 0, ops: {} },
      'prior.onnx': { count: 3, ops: { Gather: 2, Unsqueeze: 1 } },
    });
  });
});
