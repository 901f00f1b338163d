"""Weight-only int8 quantisation of ONNX Linear layers (DequantizeLinear, per output channel).

Activations stay float: QuantizeLinear runs on the CPU in onnxruntime-web, and MatMulInteger has no
WebGPU kernel (DESIGN §8). `fake_quantize_linears` applies the identical rounding to a PyTorch
module, so quantised files can be scored and parity-tested against PyTorch exactly.
"""
from __future__ import annotations

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

MIN_WEIGHTS = 4096  # smaller matrices are not worth a DequantizeLinear node


def quantize_per_channel(weight: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    reduce = tuple(i for i in range(weight.ndim) if i != axis)
    scale = np.abs(weight).max(axis=reduce) / 127
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    shape = [1] * weight.ndim
    shape[axis] = -1
    q = np.clip(np.round(weight / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quantize_onnx(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """Replace MatMul/Gemm weight initialisers with int8 + DequantizeLinear; returns the count."""
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    done: dict[str, str] = {}
    new_nodes = []
    for node in graph.node:
        if node.op_type not in ("MatMul", "Gemm") or node.input[1] not in initializers:
            continue
        name = node.input[1]
        if name not in done:
            weight = numpy_helper.to_array(initializers[name])
            if weight.ndim != 2 or weight.size < MIN_WEIGHTS:
                continue
            trans_b = (
                next((a.i for a in node.attribute if a.name == "transB"), 0)
                if node.op_type == "Gemm"
                else 0
            )
            axis = 0 if trans_b else 1  # the output-feature axis
            q, scale = quantize_per_channel(weight, axis)
            graph.initializer.remove(initializers[name])
            graph.initializer.extend(
                [
                    numpy_helper.from_array(q, f"{name}_int8"),
                    numpy_helper.from_array(scale, f"{name}_scale"),
                    numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero"),
                ]
            )
            new_nodes.append(
                helper.make_node(
                    "DequantizeLinear",
                    [f"{name}_int8", f"{name}_scale", f"{name}_zero"],
                    [f"{name}_dequantized"],
                    axis=axis,
                    name=f"{name}_dequantize",
                )
            )
            done[name] = f"{name}_dequantized"
        node.input[1] = done[name]
    for i, node in enumerate(
        new_nodes
    ):  # dequantisation first keeps the graph topologically sorted
        graph.node.insert(i, node)
    return model, len(done)


@torch.no_grad()
def fake_quantize_linears(module: torch.nn.Module) -> None:
    """Round every nn.Linear weight (of at least MIN_WEIGHTS entries) as quantize_onnx does."""
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear) and layer.weight.numel() >= MIN_WEIGHTS:
            q, scale = quantize_per_channel(layer.weight.cpu().numpy(), axis=0)
            layer.weight.copy_(torch.from_numpy(q.astype(np.float32) * scale[:, None]))
