import { describe, expect, it } from 'vitest';
import { ortMessage } from './ortSession';

describe("ortMessage: onnxruntime's errors without its internals (issue 16)", () => {
  it.each([
    [
      "failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: Non-zero status code returned while running MatMul node. Name:'/m/MatMul' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/matmul_helper.h:47 onnxruntime::common::Status onnxruntime::MatMulComputeHelper::Compute(const onnxruntime::TensorShape&, const onnxruntime::TensorShape&, bool, bool, bool, bool) left operand cannot broadcast on dim 1",
      "Non-zero status code returned while running MatMul node. Name:'/m/MatMul' Status Message: left operand cannot broadcast on dim 1",
    ],
    [
      '[ONNXRuntimeError] : 10 : INVALID_GRAPH : Load model from /home/user/bundle/backbone.onnx failed:This is an invalid model. In Node, ("", Evil, "com.evil", -1) : ("voxels": tensor(float),) -> ("y",) , Error No Op registered for Evil with domain_version of 1',
      'load failed: This is an invalid model. In Node, ("", Evil, "com.evil", -1) : ("voxels": tensor(float),) -> ("y",) , Error No Op registered for Evil with domain_version of 1',
    ],
    [
      'D:\\a\\_work\\1\\s\\onnxruntime\\core\\framework\\session_state.cc:1234 onnxruntime::SessionState::Finalize() out of memory',
      'out of memory',
    ],
    ['Failed to load model because protobuf parsing failed.', 'Failed to load model because protobuf parsing failed.'],
  ])('%s', (message, expected) => {
    expect(ortMessage(new Error(message))).toBe(expected);
    expect(ortMessage(new Error(message))).not.toMatch(/onnxruntime_src|\.cc:|\.h:|ERROR_CODE/);
  });
});
