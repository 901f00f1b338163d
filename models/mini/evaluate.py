"""Score trained models on a dataset bundle's test images (PyTorch), write the scores into each
bundle's model.json and an eval table. `npm run eval` computes the same columns with onnxruntime."""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from models.dataset.bundle import write_bundle
from models.dataset.check import Ridge
from models.dataset.config import get_profile
from models.dataset.synthetic import SyntheticNSD
from models.metrics import pixcorr, retrieval_accuracy, ssim, two_way_identification

from .config import SHIPPED_SUBJECTS, TrainConfig
from .export import IMAGE_BUNDLE, read_image_manifest
from .data import ImageSet, SubjectTrials, TestSet, load_test
from .quantize import fake_quantize_linears
from .sampling import blend_blurry, decode_latent, sample_latent, sample_tokens
from .trained import Brain, ImageSide

POOL = 300
BEFORE_BLEND = "decoder alone (before the low-level blend)"


@torch.no_grad()
def reconstruct(
    brain: Brain,
    image_side: ImageSide,
    cfg: TrainConfig,
    subject: str,
    voxels: torch.Tensor,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """The app's pipeline in PyTorch: images [N,3,S,S] for each row of the eval table."""
    g = torch.Generator().manual_seed(seed)
    tokens, retrieval, blurry = brain.model(subject, voxels)
    refined = sample_tokens(brain.prior, tokens, torch.randn(tokens.shape, generator=g), cfg)
    noise = torch.randn(blurry.shape, generator=g)  # drawn after the prior's, as in the app
    low_level = decode_latent(image_side, blurry)
    decoded = decode_latent(image_side, sample_latent(image_side, refined, noise, cfg, blurry))
    without_prior = decode_latent(image_side, sample_latent(image_side, tokens, noise, cfg, blurry))
    return {
        "retrieval": retrieval,
        "reconstruction": blend_blurry(decoded, low_level, cfg.blurry_blend),
        BEFORE_BLEND: decoded,
        "without prior": blend_blurry(without_prior, low_level, cfg.blurry_blend),
        "low-level (blurry)": low_level,
    }


@torch.no_grad()
def image_scores(images: torch.Tensor, truth: torch.Tensor, encoder) -> dict[str, float]:
    features = encoder(images)[1].numpy()
    true_features = encoder(truth)[1].numpy()
    return {
        "pixCorr": pixcorr(images.numpy(), truth.numpy()),
        "ssim": ssim(images.numpy(), truth.numpy()),
        "twoWay": two_way_identification(features, true_features),
    }


def retrieval_scores(
    brain_vectors: torch.Tensor, image_embeddings: torch.Tensor, seed: int
) -> dict[str, float]:
    accuracy = retrieval_accuracy(brain_vectors.numpy(), image_embeddings.numpy(), POOL, seed=seed)
    return {"imageRetrieval": accuracy["image"], "brainRetrieval": accuracy["brain"]}


def score_subject(
    brain: Brain, image_side: ImageSide, cfg: TrainConfig, test: TestSet, full: bool = True
) -> dict:
    """Scores of the reconstruction (with retrieval); with `full`, also the blurry and no-prior
    rows."""
    truth = torch.from_numpy(test.pixels).permute(0, 3, 1, 2).contiguous()
    voxels = torch.from_numpy(test.betas)
    encoder = image_side.encoder
    out = reconstruct(brain, image_side, cfg, test.subject, voxels)
    embeddings = encoder(truth)[1]
    names = (
        ("reconstruction", BEFORE_BLEND, "low-level (blurry)", "without prior")
        if full
        else ("reconstruction",)
    )
    rows = {name: image_scores(out[name], truth, encoder) for name in names}
    rows["reconstruction"].update(retrieval_scores(out["retrieval"], embeddings, cfg.seed))
    return {"testImages": len(truth), "rows": rows}


def ceiling(image_side: ImageSide, cfg: TrainConfig, test: TestSet) -> dict:
    """The decoder fed the true images' tokens: what the image side can do at best."""
    truth = torch.from_numpy(test.pixels).permute(0, 3, 1, 2).contiguous()
    tokens = image_side.encoder(truth)[0]
    icfg = image_side.config
    g = torch.Generator().manual_seed(cfg.seed)
    noise = torch.randn(
        len(truth), icfg.latent_channels, icfg.latent_size, icfg.latent_size, generator=g
    )
    images = decode_latent(image_side, sample_latent(image_side, tokens, noise, cfg))
    return image_scores(images, truth, image_side.encoder)


def evaluate_image_side(cfg: TrainConfig, image_side: ImageSide, out: Path) -> dict:
    """The ceiling on subject 01's test images of the test bundle: the image side's own score."""
    image_side.encoder.cpu().eval()
    image_side.trained_decoder().cpu().eval()
    test = load_test(test_bundle(cfg, out), "subj01", image_side.config.image_size)
    return {"testImages": len(test.pixels), "ceiling": ceiling(image_side, cfg, test)}


def ridge_baseline(
    trials: SubjectTrials, images: ImageSet, test: TestSet, image_side: ImageSide
) -> dict:
    """The foundation issue's ridge decoder (betas -> pixels), trained on the same single
    session."""
    x = trials.betas.astype(np.float32)
    y = images.pixels[trials.image].reshape(len(x), -1)
    predicted = Ridge.fit(x, y).predict(test.betas).reshape(test.pixels.shape)
    recon = (
        torch.from_numpy(np.clip(predicted, 0, 1).astype(np.float32))
        .permute(0, 3, 1, 2)
        .contiguous()
    )
    truth = torch.from_numpy(test.pixels).permute(0, 3, 1, 2).contiguous()
    return image_scores(recon, truth, image_side.encoder)


def test_bundle(cfg: TrainConfig, out: Path) -> Path:
    if cfg.test_bundle:
        return Path(cfg.test_bundle)
    path = out.parent / f"{out.name}-test-dataset"  # smoke: a small bundle from the same generator
    if not (path / "dataset.json").exists():
        write_bundle(
            SyntheticNSD(get_profile(cfg.dataset_profile, seed=cfg.seed)), path, log=lambda _: None
        )
    return path


@torch.no_grad()
def evaluate_all(
    cfg: TrainConfig,
    image_side: ImageSide,
    brains: dict[str, Brain],
    manifests: dict[str, dict],
    target_trials: SubjectTrials,
    images: ImageSet,
    out: Path,
    log: Callable[..., None],
) -> dict:
    bundle = test_bundle(cfg, out)
    image_side.encoder.cpu().eval()
    image_side.trained_decoder().cpu().eval()
    tests = {s: load_test(bundle, s, image_side.config.image_size) for s in SHIPPED_SUBJECTS}
    # a run that trains some of the bundles (train --stage subject) keeps the others' scores
    previous = out / "eval.json"
    kept = json.loads(previous.read_text())["bundles"] if previous.exists() else {}
    report = {
        "testBundle": str(bundle),
        "bundles": {k: v for k, v in kept.items() if k not in brains},
    }
    for name, brain in brains.items():
        quantized = replace(brain, model=copy.deepcopy(brain.model).cpu().eval())
        fake_quantize_linears(quantized.model.backbone)
        for adapter in quantized.model.adapters.values():
            fake_quantize_linears(adapter)
        scores = {}
        for subject in manifests[name]["subjects"]:
            # the full table (and the fp32 comparison) for MindEye2's subject
            target = subject == "subj01"
            scores[subject] = score_subject(quantized, image_side, cfg, tests[subject], full=target)
            if target:
                scores[subject]["rows"]["reconstruction, fp32 weights"] = score_subject(
                    replace(brain, model=brain.model.cpu().eval()),
                    image_side,
                    cfg,
                    tests[subject],
                    full=False,
                )["rows"]["reconstruction"]
            log("scored", bundle=name, subject=subject, **scores[subject]["rows"]["reconstruction"])
        report["bundles"][name] = scores
    # the image side scored its ceiling on these images when it was exported; it is frozen since
    report["ceiling"] = read_image_manifest(out / IMAGE_BUNDLE)["scores"]["ceiling"]
    report["ridge"] = ridge_baseline(target_trials, images, tests["subj01"], image_side)
    for name, manifest in manifests.items():
        for subject, scores in report["bundles"][name].items():
            if subject == "subj01":
                scores["extraRows"] = [
                    {"name": "ridge baseline (betas -> pixels, same session)", **report["ridge"]}
                ]
        manifest["scores"] = report["bundles"][name]
        (out / name / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    log("evaluated", ceiling=report["ceiling"], ridge=report["ridge"])
    return report
