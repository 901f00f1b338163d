"""Training on one machine, exporting on another: `train --handoff DIR` writes the trained networks
to DIR instead of exporting them, and `train --stage export --handoff DIR` exports and scores them.

A GPU machine trains the `gpu` profile, but its PyTorch may not export opset 17 as this project's
exporter expects, it may lack the test bundle's readers, and what comes back from it is limited
(files of at most 16 MiB, 64 MiB in all). So the handoff holds weights alone, in fp16 (export
rounds the adapters and backbones to int8 anyway; the prior and the image side lose about 1e-3 of
relative precision), only the adapters of the subjects whose bundles ship, and the provenance the
bundles record (profile, hardware, each stage's training time; the run's log lies beside it), split
into parts of at most PART_BYTES."""
from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path

import torch

from .brain_model import BrainModel, Prior
from .config import SHIPPED_SUBJECTS, BrainConfig, ImageConfig, TrainConfig, describe
from .image_model import ImageEncoder, PixelLatent, TokenDecoder
from .trained import Brain, ImageSide

FORMAT = "mindeye-web/handoff@1"
PART_BYTES = 15 * 2**20
PREFIX = "trained.pt.part"
PART = PREFIX + "{:02d}"


def _half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {
        k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in state.items()
    }


def _float(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def _shipped_weights(model: BrainModel) -> dict[str, torch.Tensor]:
    return {
        k: v
        for k, v in model.state_dict().items()
        if not k.startswith("adapters.") or k.split(".")[1] in SHIPPED_SUBJECTS
    }


def write_handoff(
    folder: Path,
    cfg: TrainConfig,
    image_side: ImageSide,
    brains: dict[str, Brain],
    hardware: str,
) -> list[Path]:
    """The trained networks in parts of at most PART_BYTES in `folder`; returns the parts."""
    state = {
        "format": FORMAT,
        "config": describe(cfg),
        "hardware": hardware,
        "image": {
            "config": asdict(image_side.config),
            "encoder": _half(image_side.encoder.state_dict()),
            "decoder": _half(image_side.trained_decoder().state_dict()),
            "latentScale": image_side.latent_scale,
            "keys": image_side.keys,
            "seconds": image_side.seconds,
        },
        "brains": {
            name: {
                "config": asdict(brain.config),
                "model": _half(_shipped_weights(brain.model)),
                "prior": _half(brain.prior.state_dict()),
                "key": brain.key,
                "seconds": brain.seconds,
            }
            for name, brain in brains.items()
        },
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(PREFIX + "*"):
        old.unlink()
    parts = []
    for i, start in enumerate(range(0, len(data), PART_BYTES)):
        parts.append(folder / PART.format(i))
        parts[-1].write_bytes(data[start : start + PART_BYTES])
    return parts


def read_handoff(folder: Path) -> tuple[TrainConfig, ImageSide, dict[str, Brain], str]:
    """The config, image side, brains and hardware of a handoff folder."""
    parts = sorted(folder.glob(PREFIX + "*"))
    if not parts or parts[0].name != PART.format(0):
        raise SystemExit(f"{folder}: no {PART.format(0)}: not a training handoff")
    expected = [PART.format(i) for i in range(len(parts))]
    if [p.name for p in parts] != expected:
        raise SystemExit(f"{folder}: parts {[p.name for p in parts]}, expected {expected}")
    try:
        state = torch.load(io.BytesIO(b"".join(p.read_bytes() for p in parts)), map_location="cpu")
    except Exception as error:  # a part cut short or missing makes the archive unreadable
        raise SystemExit(f"{folder}: the handoff's parts do not read back ({error})") from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise SystemExit(f"{folder}: not a {FORMAT} handoff")
    cfg = TrainConfig(**state["config"])
    image = state["image"]
    icfg = ImageConfig(**image["config"])
    encoder, decoder = ImageEncoder(icfg), TokenDecoder(icfg)
    encoder.load_state_dict(_float(image["encoder"]))
    decoder.load_state_dict(_float(image["decoder"]))
    image_side = ImageSide(
        icfg,
        encoder.eval(),
        PixelLatent(icfg),
        image["latentScale"],
        image["keys"],
        image["seconds"],
        decoder.eval(),
    )
    brains = {}
    for name, saved in state["brains"].items():
        bcfg = BrainConfig(**saved["config"])
        bcfg.check_matches(icfg)
        model, prior = BrainModel.from_weights(bcfg, _float(saved["model"])), Prior(bcfg)
        prior.load_state_dict(_float(saved["prior"]))
        brains[name] = Brain(model.eval(), prior.eval(), bcfg, saved["key"], saved["seconds"])
    return cfg, image_side, brains, state["hardware"]
