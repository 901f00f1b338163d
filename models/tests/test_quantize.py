import io

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from models.mini.quantize import fake_quantize_linears, quantize_onnx, quantize_per_channel


def export(module: torch.nn.Module, x: torch.Tensor) -> onnx.ModelProto:
    buffer = io.BytesIO()
    torch.onnx.export(module, (x,), buffer, input_names=["x"], output_names=["y"], opset_version=17)
    return onnx.load_from_string(buffer.getvalue())


def test_per_channel_rounding_is_within_half_a_step():
    w = np.random.default_rng(0).normal(size=(64, 96)).astype(np.float32)
    q, scale = quantize_per_channel(w, axis=0)
    assert q.dtype == np.int8 and np.abs(q).max() == 127
    assert np.abs(q * scale[:, None] - w).max() <= scale.max() / 2 + 1e-6


def test_onnx_weights_become_int8_with_the_same_values_as_the_fake_quantized_module():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(128, 64), torch.nn.GELU(), torch.nn.Linear(64, 8))
    model, count = quantize_onnx(export(module, torch.randn(2, 128)))
    onnx.checker.check_model(model)
    assert count == 1  # the 64x8 layer is below the size threshold and stays float
    ops = [n.op_type for n in model.graph.node]
    assert (
        ops[0] == "DequantizeLinear" and "MatMulInteger" not in ops and "QuantizeLinear" not in ops
    )
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    q = next(v for k, v in initializers.items() if k.endswith("_int8"))
    scale = next(v for k, v in initializers.items() if k.endswith("_scale"))
    fake_quantize_linears(module)
    dequantized = q.astype(np.float32) * (scale[:, None] if q.shape[0] == 64 else scale[None, :])
    expected = module[0].weight.detach().numpy()
    assert np.allclose(
        dequantized if dequantized.shape == expected.shape else dequantized.T, expected
    )
