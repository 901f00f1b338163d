"""The project's one ONNX export call, and tensors as the parity fixtures hold them (JSON,
little-endian float32 in base64)."""
from __future__ import annotations

import base64
import io

import numpy as np
import onnx
import torch

OPSET = 17


def tensor_json(x: torch.Tensor) -> dict:
    array = x.detach().cpu().float().numpy().astype("<f4")
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}


def tensor_from_json(entry: dict) -> torch.Tensor:
    """The inverse of tensor_json."""
    data = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4")
    return torch.from_numpy(data.copy()).view(*entry["shape"])


def to_onnx(
    module: torch.nn.Module, inputs: dict[str, torch.Tensor], outputs: list[str]
) -> onnx.ModelProto:
    """The one torch.onnx.export call of the project (batch-dynamic, constants folded): the shipped
    files and the index tracing of onnx_weights must see the same graph rewrites."""
    buffer = io.BytesIO()
    torch.onnx.export(
        module,
        tuple(inputs.values()),
        buffer,
        input_names=list(inputs),
        output_names=outputs,
        dynamic_axes={name: {0: "B"} for name in [*inputs, *outputs]},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    return onnx.load_from_string(buffer.getvalue())
