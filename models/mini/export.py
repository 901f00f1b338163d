"""Export trained models as `mindeye-web/models@1` bundles (docs/model-format.md), with parity
fixtures (PyTorch outputs for fixed inputs) that the TypeScript tests replay in onnxruntime.

Training exports every bundle; a brain bundle can also be rebuilt from its stage's checkpoint alone,
with the configs the checkpoint saved:
  python3 -m models.mini.export .cache/train-cpu/finetune-<key>.pt --out public/models
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
from dataclasses import asdict, fields
from pathlib import Path
from typing import Callable

import onnx
import torch

from .brain_model import BrainModel, Prior
from .config import SHIPPED_SUBJECTS, BrainConfig, ImageConfig, TrainConfig, get_config, stage_key
from .diffusion import cosine_alphas_cumprod
from .image_model import (
    CONDITION_OUTPUTS,
    DECODER_PARAMETERIZATION,
    ImageEncoder,
    PixelLatent,
    TokenDecoder,
)
from .onnx_io import tensor_json, to_onnx
from .onnx_weights import load_exported
from .quantize import fake_quantize_linears, quantize_onnx
from .sampling import decode_latent, sample_latent, sample_tokens
from .trained import Brain, ImageSide

IMAGE_BUNDLE = "mini-image"
BRAIN_BUNDLES = {  # the brain stage each brain bundle is exported from
    "pretrain": "mini-multisubject",
    "finetune": "mini-subj01-finetuned",
    "alone": "mini-subj01-alone",
}
PARITY_TOLERANCE = {"atol": 2e-4, "rtol": 1e-3}
# The decoder as two files: TokenDecoder.condition, run once per reconstruction, and
# TokenDecoder.step, run at every denoising step on condition's outputs
DECODER_CONDITION_FILE = "decoder-condition.onnx"
DECODER_STEP_FILE = "decoder-step.onnx"


class Wrapper(torch.nn.Module):
    def __init__(self, fn, *modules: torch.nn.Module):
        super().__init__()
        self.parts = torch.nn.ModuleList(modules)
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def export_onnx(
    module: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    outputs: list[str],
    path: Path,
    quantize: bool,
) -> dict:
    """Writes `path` (and its parity fixture) and returns its model.json quantisation entry."""
    module = copy.deepcopy(module).cpu().eval()
    if quantize:
        fake_quantize_linears(module)
    args = tuple(inputs.values())
    model = to_onnx(module, inputs, outputs)
    count = 0
    if quantize:
        model, count = quantize_onnx(model)
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    with torch.no_grad():
        result = module(*args)
    result = result if isinstance(result, tuple) else (result,)
    parity = path.parent / "parity"
    parity.mkdir(exist_ok=True)
    (parity / f"{path.name}.json").write_text(
        json.dumps(
            {
                "inputs": {k: tensor_json(v) for k, v in inputs.items()},
                "outputs": {k: tensor_json(v) for k, v in zip(outputs, result)},
                **PARITY_TOLERANCE,
            }
        )
    )
    if quantize:
        return {
            "weights": "int8",
            "scheme": "DequantizeLinear, symmetric, per output channel",
            "quantizedMatrices": count,
        }
    return {"weights": "fp32"}


def git_version() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


IMAGE_SIDE_FORMAT = "mindeye-web/image-side@1"
# 1: learned 4x16x16 autoencoder latent, cross-attention only; 2: pixel latent, token renderer
IMAGE_SIDE_VERSION = 2


def training_data(cfg: TrainConfig) -> str:
    return f"synthetic NSD, generator profile {cfg.dataset_profile}, seed {cfg.seed}"


def total_seconds(seconds: dict[str, float | None]) -> dict:
    """provenance.wallSeconds (the stages' training time summed) where every stage recorded it."""
    if any(v is None for v in seconds.values()):
        return {}
    return {"wallSeconds": round(sum(seconds.values()))}  # type: ignore[arg-type]


def export_image_side(image_side: ImageSide, cfg: TrainConfig, folder: Path, hardware: str) -> dict:
    """Writes the image side's ONNX files and returns its manifest (image-side.json, without
    scores): the version and key every brain bundle records, and each file's quantisation."""
    folder.mkdir(parents=True, exist_ok=True)
    icfg = image_side.config
    g = torch.Generator().manual_seed(cfg.seed)
    image = torch.rand(2, 3, icfg.image_size, icfg.image_size, generator=g)
    z = torch.randn(2, icfg.latent_channels, icfg.latent_size, icfg.latent_size, generator=g)
    tokens = torch.randn(2, icfg.tokens, icfg.token_dim, generator=g)
    encoder, latent, decoder = image_side.encoder, image_side.latent, image_side.trained_decoder()
    quantization = {
        "image-encoder.onnx": export_onnx(
            encoder,
            {"image": image},
            ["tokens", "embedding"],
            folder / "image-encoder.onnx",
            quantize=False,
        ),
        "vae-decoder.onnx": export_onnx(
            Wrapper(latent.decode, latent),
            {"z": z},
            ["image"],
            folder / "vae-decoder.onnx",
            quantize=False,
        ),
        **export_decoder(decoder, folder, z, tokens),
    }
    return {
        "format": IMAGE_SIDE_FORMAT,
        "id": IMAGE_BUNDLE,
        "version": IMAGE_SIDE_VERSION,
        "key": image_side.key,
        "keys": image_side.keys,
        "config": asdict(icfg),
        "latent": {"kind": "space-to-depth pixels in [-1, 1]", "scale": image_side.latent_scale},
        "decoder": {
            "parameterization": DECODER_PARAMETERIZATION,
            "trainSteps": cfg.decoder_train_steps,
        },
        "quantization": quantization,
        "provenance": {
            "profile": cfg.profile,
            "hardware": hardware,
            **total_seconds(image_side.seconds),
            "stageSeconds": image_side.seconds,
            "steps": {"encoder": cfg.encoder_steps, "decoder": cfg.decoder_steps},
            "trainingData": training_data(cfg),
            "codeVersion": git_version(),
            "seed": cfg.seed,
        },
    }


def export_decoder(
    decoder: TokenDecoder, folder: Path, z: torch.Tensor, tokens: torch.Tensor
) -> dict[str, dict]:
    """Writes the decoder's condition and step files (parity fixtures from the latent `z` and the
    `tokens`) and returns their quantisation entries."""
    return {
        DECODER_CONDITION_FILE: export_onnx(
            Wrapper(decoder.condition, decoder),
            {"tokens": tokens},
            list(CONDITION_OUTPUTS),
            folder / DECODER_CONDITION_FILE,
            quantize=False,
        ),
        DECODER_STEP_FILE: export_onnx(
            Wrapper(decoder.step, decoder),
            {"z_t": z, "t": torch.tensor([999.0, 10.0]), **decoder_condition(decoder, tokens)},
            [DECODER_PARAMETERIZATION],
            folder / DECODER_STEP_FILE,
            quantize=False,
        ),
    }


@torch.no_grad()
def decoder_condition(decoder: TokenDecoder, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
    """decoder.condition(tokens) by output name: the step file's inputs besides z_t and t."""
    return dict(zip(CONDITION_OUTPUTS, decoder.eval().condition(tokens)))


def write_image_manifest(manifest: dict, folder: Path) -> None:
    (folder / "image-side.json").write_text(json.dumps(manifest, indent=1) + "\n")


def read_image_manifest(folder: Path) -> dict:
    path = folder / "image-side.json"
    if not path.exists():
        raise SystemExit(
            f"{path}: missing; export the image side first (npm run train -- --stage image)"
        )
    return json.loads(path.read_text())


def image_manifest_of(out: Path, key: str) -> dict:
    """The manifest of the image side exported in out/mini-image, which must be the one of `key`
    (the one the brain models were trained on)."""
    manifest = read_image_manifest(out / IMAGE_BUNDLE)
    if manifest["key"] != key:
        raise SystemExit(
            f"{out / IMAGE_BUNDLE / 'image-side.json'}: image side {manifest['key']}, but the "
            f"brain models were trained on {key}"
        )
    return manifest


def export_brain(
    name: str,
    brain: Brain,
    image_side: ImageSide,
    cfg: TrainConfig,
    folder: Path,
    image_manifest: dict,
    voxel_orders: dict[str, str],
    hardware: str,
) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    bcfg, icfg = brain.config, image_side.config
    bcfg.check_matches(icfg)
    model, prior = brain.model, brain.prior
    g = torch.Generator().manual_seed(cfg.seed + 2)
    quantization: dict[str, dict] = {}
    subjects = {}
    for subject, adapter in model.adapters.items():
        if subject not in SHIPPED_SUBJECTS:
            continue
        file = f"adapter-{subject}.onnx"
        voxels = torch.randn(2, adapter.in_features, generator=g)
        quantization[file] = export_onnx(
            adapter, {"voxels": voxels}, ["shared"], folder / file, quantize=True
        )
        subjects[subject] = {
            "voxelCount": adapter.in_features,
            "voxelOrder": voxel_orders[subject],
            "adapter": file,
        }
    shared = torch.randn(2, bcfg.hidden, generator=g)
    quantization["backbone.onnx"] = export_onnx(
        model.backbone,
        {"shared": shared},
        ["clip_tokens", "retrieval", "blurry_latent"],
        folder / "backbone.onnx",
        quantize=True,
    )
    x_t = torch.randn(2, bcfg.tokens, bcfg.token_dim, generator=g)
    cond = torch.randn(2, bcfg.tokens, bcfg.token_dim, generator=g)
    quantization["prior.onnx"] = export_onnx(
        prior,
        {"x_t": x_t, "t": torch.tensor([99.0, 3.0]), "cond": cond},
        ["x0"],
        folder / "prior.onnx",
        quantize=False,
    )
    for file, entry in image_manifest["quantization"].items():
        quantization[f"../{IMAGE_BUNDLE}/{file}"] = entry
    write_sampler_fixture(brain, image_side, cfg, folder / "parity" / "sampler.json", g)
    manifest = {
        "format": "mindeye-web/models@1",
        "id": name,
        "name": {
            "mini-multisubject": "mini, shared-subject (pretrained on subjects 02-08)",
            "mini-subj01-finetuned": (
                "mini, shared-subject pretraining + subject 01 fine-tuned on 1 session"
            ),
            "mini-subj01-alone": "mini, subject 01 trained on 1 session alone",
        }[name],
        "description": (
            "MindEye2-shaped model trained by mindeye-web on its simulated dataset; "
            "its scores describe simulated data, not human fMRI."
        ),
        "family": "mini",
        "dims": {
            "H": bcfg.hidden,
            "T": bcfg.tokens,
            "D": bcfg.token_dim,
            "E": bcfg.embed_dim,
            "C": icfg.latent_channels,
            "h": icfg.latent_size,
            "w": icfg.latent_size,
            "S": icfg.image_size,
        },
        "subjects": subjects,
        "files": {
            "backbone": "backbone.onnx",
            "prior": "prior.onnx",
            "decoderCondition": f"../{IMAGE_BUNDLE}/{DECODER_CONDITION_FILE}",
            "decoder": f"../{IMAGE_BUNDLE}/{DECODER_STEP_FILE}",
            "vaeDecoder": f"../{IMAGE_BUNDLE}/vae-decoder.onnx",
            "imageEncoder": f"../{IMAGE_BUNDLE}/image-encoder.onnx",
        },
        "quantization": quantization,
        "prior": {
            "parameterization": "x0",
            "trainSteps": cfg.prior_train_steps,
            "steps": cfg.prior_sample_steps,
            "alphasCumprod": [float(a) for a in cosine_alphas_cumprod(cfg.prior_train_steps)],
        },
        "decoder": {
            "parameterization": DECODER_PARAMETERIZATION,
            "trainSteps": cfg.decoder_train_steps,
            "steps": cfg.decoder_sample_steps,
            "maxSteps": 50,
            "alphasCumprod": [float(a) for a in cosine_alphas_cumprod(cfg.decoder_train_steps)],
            "cfgScale": cfg.cfg_scale,
            "maxCfgScale": 8.0,
            "unconditional": "zeros",
            "img2imgStrength": cfg.img2img_strength,
            "blurryBlend": cfg.blurry_blend,
        },
        "latent": {"scale": image_side.latent_scale},
        "retrieval": {"similarity": "cosine"},
        "provenance": {
            "profile": cfg.profile,
            "trainingData": training_data(cfg),
            "sessionsPerSubject": {
                s: (cfg.target_sessions if s == "subj01" else cfg.pretrain_sessions)
                for s in subjects
            },
            "codeVersion": git_version(),
            "seed": cfg.seed,
            "hardware": hardware,
            # the brain stages this bundle comes from; the image side's time is in its own manifest
            **total_seconds(brain.seconds),
            "notes": {
                "imageSide": {k: image_manifest[k] for k in ("id", "version", "key")},
                "stageSeconds": brain.seconds,
            },
        },
        "scores": {},
    }
    (folder / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


@torch.no_grad()
def write_sampler_fixture(
    brain: Brain, image_side: ImageSide, cfg: TrainConfig, path: Path, g: torch.Generator
) -> None:
    """The Python samplers' result from fixed noise, for the TypeScript samplers to reproduce."""
    bcfg, icfg = brain.config, image_side.config
    cond = torch.randn(1, bcfg.tokens, bcfg.token_dim, generator=g)
    prior_noise = torch.randn(1, bcfg.tokens, bcfg.token_dim, generator=g)
    tokens = sample_tokens(copy.deepcopy(brain.prior).cpu(), cond, prior_noise, cfg)
    latent_noise = torch.randn(
        1, icfg.latent_channels, icfg.latent_size, icfg.latent_size, generator=g
    )
    start = torch.randn(1, icfg.latent_channels, icfg.latent_size, icfg.latent_size, generator=g)
    latent = sample_latent(image_side, tokens, latent_noise, cfg, start)
    image = decode_latent(image_side, latent)
    path.write_text(
        json.dumps(
            {
                "prior": {
                    "noise": tensor_json(prior_noise),
                    "cond": tensor_json(cond),
                    "steps": cfg.prior_sample_steps,
                    "result": tensor_json(tokens),
                },
                "decoder": {
                    "noise": tensor_json(latent_noise),
                    "tokens": tensor_json(tokens),
                    "steps": cfg.decoder_sample_steps,
                    "cfgScale": cfg.cfg_scale,
                    "start": tensor_json(start),
                    "img2imgStrength": cfg.img2img_strength,
                    "latent": tensor_json(latent),
                    "image": tensor_json(image),
                },
                "atol": 2e-3,
            }
        )
    )


def export_all(
    cfg: TrainConfig,
    image_side: ImageSide,
    brains: dict[str, Brain],
    out: Path,
    log: Callable[..., None],
    hardware: str,
) -> dict[str, dict]:
    """The brain bundles, pointing at the image side exported in out/mini-image (which must be this
    one)."""
    image_side.encoder.cpu()
    image_side.trained_decoder().cpu()
    image_manifest = image_manifest_of(out, image_side.key)
    voxel_orders = {s: "c" for brain in brains.values() for s in brain.model.adapters}
    manifests = {}
    for name, brain in brains.items():
        brain.model.cpu(), brain.prior.cpu()
        manifests[name] = export_brain(
            name, brain, image_side, cfg, out / name, image_manifest, voxel_orders, hardware
        )
        log("exported", bundle=name, subjects=list(manifests[name]["subjects"]))
    return manifests


def hardware() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "unknown CPU",
        )
        if Path("/proc/cpuinfo").exists()
        else "unknown CPU"
    )
    return f"{model}, {os.cpu_count()} threads"


# ---------------------------------------------------------------- rebuilding from a checkpoint


def load_decoder(decoder: TokenDecoder, folder: Path) -> None:
    """Loads `decoder` from its two exported files in `folder` (checked against their fixtures)."""
    load_exported(
        Wrapper(decoder.condition, decoder),
        folder / DECODER_CONDITION_FILE,
        (Wrapper(decoder.step, decoder), folder / DECODER_STEP_FILE),
    )


def load_image_side(folder: Path) -> ImageSide:
    """The image side exported in `folder`, its weights read back from its ONNX files (and checked
    against their parity fixtures): the image side a rebuilt brain bundle points at."""
    manifest = read_image_manifest(folder)
    icfg = ImageConfig(**manifest["config"])
    encoder, decoder = ImageEncoder(icfg), TokenDecoder(icfg)
    load_exported(encoder, folder / "image-encoder.onnx")
    load_decoder(decoder, folder)
    return ImageSide(
        icfg,
        encoder.eval(),
        PixelLatent(icfg),
        manifest["latent"]["scale"],
        manifest["keys"],
        manifest["provenance"]["stageSeconds"],
        decoder.eval(),
    )


def checkpoint_config(state: dict, path: Path, profile: str | None) -> TrainConfig:
    """The training config a checkpoint saved. One written before checkpoints saved it needs the
    profile it was trained with, and every setting it records is checked against that profile."""
    if "config" in state:
        return TrainConfig(**state["config"])
    if profile is None:
        raise SystemExit(
            f"{path}: records no training config; name the profile it was trained with"
        )
    cfg = get_config(profile)
    recorded = {"dataset_profile": state["settings"]["data"], **state["settings"]}
    wrong = [
        f"{f.name} {recorded[f.name]!r} (profile {profile}: {getattr(cfg, f.name)!r})"
        for f in fields(TrainConfig)
        if f.name in recorded and recorded[f.name] != getattr(cfg, f.name)
    ]
    if wrong:
        raise SystemExit(f"{path}: not trained with profile {profile}: {', '.join(wrong)}")
    return cfg


def stage_seconds(path: Path, state: dict) -> dict[str, float | None]:
    """Training time of the checkpoint's stage and of the stages it started from, as training
    records them in the bundle; an earlier stage's checkpoint is found beside it by key (missing:
    None under its key, so the bundle claims no total)."""
    settings = state["settings"]
    own = {settings["stage"]: state.get("seconds")}
    earlier = (settings.get("start_from") or {}).get("backbone")
    if earlier is None:
        return own
    found = next(path.parent.glob(f"*-{earlier}.pt"), None)
    if found is None:
        return {earlier: None, **own}
    return {**stage_seconds(found, torch.load(found, map_location="cpu")), **own}


def load_brain(path: Path, state: dict, image: ImageConfig) -> Brain:
    """The brain model and prior of a brain stage's checkpoint, built from the config it saved."""
    bcfg = BrainConfig(**state["settings"]["brain"])
    bcfg.check_matches(image)
    model, prior = BrainModel.from_weights(bcfg, state["modules"]["model"]), Prior(bcfg)
    prior.load_state_dict(state["modules"]["prior"])
    key = stage_key(state["settings"])
    return Brain(model.eval(), prior.eval(), bcfg, key, stage_seconds(path, state))


def rebuild(checkpoint: Path, out: Path, profile: str | None = None) -> dict:
    """Exports the bundle of a brain stage's checkpoint into out/<bundle>, pointing at the image
    side exported in out/mini-image (which must be the one it was trained on); returns its
    model.json. The bundle has no scores until it is evaluated again."""
    state = torch.load(checkpoint, map_location="cpu")
    stage = state["settings"]["stage"]
    if stage not in BRAIN_BUNDLES:
        raise SystemExit(
            f"{checkpoint}: a {stage} checkpoint; bundles are rebuilt from the brain stages "
            f"({', '.join(BRAIN_BUNDLES)}); the image side is exported by train --stage image"
        )
    cfg = checkpoint_config(state, checkpoint, profile)
    image_manifest = image_manifest_of(out, state["settings"]["images"])
    image_side = load_image_side(out / IMAGE_BUNDLE)
    brain = load_brain(checkpoint, state, image_side.config)
    name = BRAIN_BUNDLES[stage]
    voxel_orders = {s: "c" for s in brain.model.adapters}
    hardware_used = state.get("hardware", "not recorded")
    return export_brain(
        name, brain, image_side, cfg, out / name, image_manifest, voxel_orders, hardware_used
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Rebuild a brain bundle from its checkpoint, with the configs it saved."
    )
    parser.add_argument(
        "checkpoint", type=Path, help="a pretrain, finetune or alone checkpoint (<stage>-<key>.pt)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="the bundles' folder, with the image side in it"
    )
    parser.add_argument(
        "--profile", help="the training profile, for a checkpoint that does not record its config"
    )
    args = parser.parse_args(argv)
    manifest = rebuild(args.checkpoint, args.out, args.profile)
    print(f"{args.out / manifest['id']}: rebuilt from {args.checkpoint}, not scored")


if __name__ == "__main__":
    main()
