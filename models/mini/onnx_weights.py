"""Load a module's weights back from an ONNX file that export.export_onnx wrote from the same code.

The shipped image side is its own checkpoint: a fresh machine can train brain models on it without
training it again. ONNX initializers are not the state dict: the exporter folds constants, so a
weight may appear transposed (MatMul), reshaped (GroupNorm's [C,1,1]) or sliced (the q/k/v parts of
an in-projection) under a generated name. Rather than predicting those rewrites, we export the same
architecture once more with every parameter element set to its own index (exact in float32 below
2^24) and read off, for each element of each initializer, which parameter element it came from. A
second export with every index shifted tells the initializers made from parameters from constants
the graph holds anyway (an Upsample's scales, say), which do not move.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .onnx_io import tensor_from_json, to_onnx


def traced_weights(
    module: torch.nn.Module, path: Path, inputs: dict[str, torch.Tensor], outputs: list[str]
) -> np.ndarray:
    """`module`'s parameters, flat in named_parameters order, as `path` holds them (exported from a
    module of the same code with these input and output names); NaN where the file has none (a
    file exported from part of a module: TokenDecoder.condition, say)."""
    params = dict(module.named_parameters())
    total = sum(p.numel() for p in params.values())
    if total >= 2**24:
        raise ValueError(
            f"{path}: {total} parameters are too many to trace through float32 indices"
        )
    traced = copy.deepcopy(module).cpu().eval()
    offsets = dict(zip(params, np.cumsum([0] + [p.numel() for p in params.values()])[:-1].tolist()))

    def initializers_with_indices(shift: int) -> dict[str, np.ndarray]:
        with torch.no_grad():
            for name, p in traced.named_parameters():
                first = offsets[name] + shift
                p.copy_(torch.arange(first, first + p.numel(), dtype=torch.float32).view_as(p))
        return {
            i.name: numpy_helper.to_array(i)
            for i in to_onnx(traced, inputs, outputs).graph.initializer
        }

    index_of, shifted = initializers_with_indices(0), initializers_with_indices(total)
    shipped = shipped_weights(onnx.load(str(path)))
    flat = np.full(total, np.nan, dtype=np.float32)
    for name, indices in index_of.items():
        moved = shifted.get(name)
        if (
            indices.dtype != np.float32
            or moved is None
            or not np.array_equal(moved - indices, np.full_like(indices, total))
        ):
            continue  # a constant of the graph, not made from parameters
        if name not in shipped:
            raise ValueError(f"{path}: has no initializer {name}; was it exported from this code?")
        values = shipped[name]
        if values.shape != indices.shape:
            raise ValueError(
                f"{path}: initializer {name} has shape {list(values.shape)}, "
                f"the code {list(indices.shape)}"
            )
        flat[indices.ravel().astype(np.int64)] = values.ravel()
    return flat


def shipped_weights(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """The float weights of an exported file by initializer name: an int8 weight (quantize_onnx's
    `<name>_int8` with its DequantizeLinear) read back as its dequantized values under `<name>`,
    the name the float export gives it, so a quantized bundle loads like an fp32 one."""
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or not node.input[0].endswith("_int8"):
            continue
        q, scale = weights[node.input[0]], weights[node.input[1]]
        zero = weights[node.input[2]] if len(node.input) > 2 else np.zeros_like(scale)
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        shape = [1] * q.ndim
        shape[axis] = -1
        name = node.input[0].removesuffix("_int8")
        weights[name] = (q.astype(np.float32) - zero.reshape(shape)) * scale.reshape(shape)
    return weights


def load_exported(module: torch.nn.Module, path: Path, *more: tuple[torch.nn.Module, Path]) -> None:
    """Loads `module` from the ONNX file export_onnx wrote, then checks it reproduces that file's
    parity fixture (parity/<name>.json: the exporter's inputs, outputs and tolerance).

    A module exported in parts (TokenDecoder as its condition and step files) loads from all of
    them: `more` pairs each further file with the module it was exported from, a view whose
    parameters are `module`'s in the same order (export.Wrapper(decoder.condition, decoder))."""
    parts = [(module, path), *more]
    params = dict(module.named_parameters())
    flat = np.full(sum(p.numel() for p in params.values()), np.nan, dtype=np.float32)
    fixtures = []
    for view, file in parts:
        fixture_path = file.parent / "parity" / f"{file.name}.json"
        fixture = json.loads(fixture_path.read_text())
        inputs = {k: tensor_from_json(v) for k, v in fixture["inputs"].items()}
        found = traced_weights(view, file, inputs, list(fixture["outputs"]))
        flat = np.where(np.isnan(found), flat, found)
        fixtures.append((view, file, fixture_path, fixture, inputs))
    offsets = dict(zip(params, np.cumsum([0] + [p.numel() for p in params.values()])[:-1].tolist()))
    if np.isnan(flat).any():
        missing = sorted(
            {n for n, o in offsets.items() if np.isnan(flat[o : o + params[n].numel()]).any()}
        )
        more_names = " …" if len(missing) > 5 else ""
        files = ", ".join(str(file) for _, file in parts)
        raise ValueError(f"{files}: no weights found for {', '.join(missing[:5])}{more_names}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(flat[offsets[name] : offsets[name] + p.numel()]).view_as(p))
    module.eval()
    for view, file, fixture_path, fixture, inputs in fixtures:
        with torch.no_grad():
            result = view.eval()(*inputs.values())
        for (name, expected), got in zip(
            fixture["outputs"].items(), result if isinstance(result, tuple) else (result,)
        ):
            if not torch.allclose(
                got, tensor_from_json(expected), atol=fixture["atol"], rtol=fixture["rtol"]
            ):
                raise ValueError(
                    f"{fixture_path}: {name} of the weights loaded from {file.name} differs from "
                    "the fixture"
                )
