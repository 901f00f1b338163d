"""Training and test data for the mini family.

Training data come from the generator itself (models.dataset), session by session, in parallel and
cached on disk; test data come from a dataset bundle on disk (the one the app ships), so the models
are scored on exactly what the app shows.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from models.dataset.config import get_profile
from models.dataset.stimuli import caption
from models.dataset.synthetic import SyntheticNSD

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "synthetic"


def downsample(pixels: np.ndarray, size: int) -> np.ndarray:
    """[..., S0, S0, 3] uint8 -> [..., size, size, 3] float32 in [0,1] by averaging square blocks
    (the same resize src/inference does before the image encoder)."""
    s0 = pixels.shape[-2]
    block = s0 // size
    shaped = pixels.reshape(*pixels.shape[:-3], size, block, size, block, 3).astype(np.float32)
    return shaped.mean((-4, -2)) / 255


@dataclass
class SubjectTrials:
    betas: np.ndarray  # float16 [n, V] single-trial, z-scored per session
    image: np.ndarray  # int [n] index into ImageSet


@dataclass
class ImageSet:
    pixels: np.ndarray  # float32 [N, S, S, 3] in [0,1]
    captions: list[str]


@lru_cache(maxsize=None)
def _generator(dataset_profile: str, seed: int) -> SyntheticNSD:
    """One generator per process: it keeps the subjects' anatomy and encoding models (20 s each
    on the full profile) for the next session of the same subject."""
    return SyntheticNSD(get_profile(dataset_profile, seed=seed))


def _session_job(args: tuple[str, int, str, int, int]) -> Path:
    dataset_profile, seed, subject, session, size = args
    path = CACHE / f"{dataset_profile}-seed{seed}" / f"{subject}-session{session:02d}-{size}px.npz"
    if path.exists():
        return path
    ds = _generator(dataset_profile, seed)
    run = ds.session(subject, session)
    # never the shared test images
    train = [t for t, k in enumerate(run.images) if k.split == "train"]
    keys = sorted({run.images[t] for t in train}, key=lambda k: k.index)
    position = {k: i for i, k in enumerate(keys)}
    pixels = np.stack([downsample(ds.image(k), size) for k in keys])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        betas=run.betas[train].astype(np.float16),
        image=np.array([position[run.images[t]] for t in train]),
        pixels=(pixels * 255).round().astype(np.uint8),
        captions=np.array([caption(ds.scene(k)) for k in keys]),
    )
    tmp.rename(path)
    return path


def load_training(
    dataset_profile: str, seed: int, sessions: dict[str, int], size: int, workers: int
) -> tuple[ImageSet, dict[str, SubjectTrials]]:
    jobs = [(dataset_profile, seed, s, k, size) for s, n in sessions.items() for k in range(n)]
    if workers > 1:
        # consecutive jobs (one subject's sessions) to the same worker, which builds that
        # subject's encoding model once
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            paths = pool.map(_session_job, jobs, chunksize=math.ceil(len(jobs) / workers))
    else:
        paths = [_session_job(j) for j in jobs]
    pixels, captions, trials = [], [], {}
    for (_, _, subject, _, _), path in zip(jobs, paths):
        with np.load(path) as part:
            offset = sum(len(p) for p in pixels)
            pixels.append(part["pixels"])
            captions.extend(str(c) for c in part["captions"])
            previous = trials.get(subject)
            betas, image = part["betas"], part["image"] + offset
            trials[subject] = (
                SubjectTrials(betas, image)
                if previous is None
                else SubjectTrials(
                    np.concatenate([previous.betas, betas]), np.concatenate([previous.image, image])
                )
            )
    return ImageSet(np.concatenate(pixels).astype(np.float32) / 255, captions), trials


@dataclass
class TestSet:
    subject: str
    betas: np.ndarray  # float32 [N, V], the mean of each test image's repeats
    pixels: np.ndarray  # float32 [N, S, S, 3]
    image_ids: list[str]


def load_test(bundle: Path, subject: str, size: int) -> TestSet:
    """The bundle's test images for one subject, repeats averaged as MindEye2 evaluates."""
    import zarr  # here: the GPU training machine, which scores nothing, has no zarr

    dataset = json.loads((bundle / "dataset.json").read_text())
    entry = next((s for s in dataset["subjects"] if s["id"] == subject), None)
    if entry is None or "betas" not in entry:
        raise ValueError(f"{bundle / 'dataset.json'}: subject {subject} has no betas")
    betas = zarr.open_array(str(bundle / entry["betas"]["path"]), mode="r")[:].astype(np.float32)
    betas *= entry["betas"].get("scale", 1.0)
    trials = json.loads((bundle / entry["trials"]).read_text())
    images = sorted({i for i, split in zip(trials["image"], trials["split"]) if split == "test"})
    rows = np.array(trials["image"])
    mean = np.stack([betas[rows == i].mean(0) for i in images])
    pixels = np.stack(
        [
            downsample(
                np.asarray(Image.open(bundle / dataset["images"][i]["file"]).convert("RGB")), size
            )
            for i in images
        ]
    )
    return TestSet(subject, mean, pixels, [dataset["images"][i]["id"] for i in images])


def build_vocabulary(captions: list[str], size: int) -> list[str]:
    counts: dict[str, int] = {}
    for text in captions:
        for word in words(text):
            counts[word] = counts.get(word, 0) + 1
    return ["<unknown>"] + sorted(counts, key=lambda w: (-counts[w], w))[: size - 1]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())
