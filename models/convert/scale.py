"""An NSD-sized dataset bundle for measuring the app at NSD's scale: one subject, 40 sessions x 750
trials x ~15,000 voxels, 10,000 images (1,000 of them the shared test images), each image shown 3
times, written by the converter's own pipeline (int16 betas, chunks of 10 rows, zlib) from
generated values, so nothing is read from disk and no NIfTI is inflated. Labelled synthetic; the
values are noise with a planted code, nothing here resembles brain data.

  python3 -m models.convert.scale --out .cache/nsd-scale [--sessions 40] [--voxels 15000]

Each row r holds, besides noise, its own number in its first two voxels, so a reader can tell
which row it got: voxel 0 = (r // 750) / 8 (the 0-based session / 8) and voxel 1 = (r % 750) / 128
(the trial in its session / 128), both in z units (exact in int16 steps of 1/1024). trials.json
carries generated behavioural columns in the shape the converters write (run, trial, isold,
iscorrect, rt). About 40 s of betas and 20 s of images on a 2-core machine; ~800 MB."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from models.dataset.bundle import repeat_numbers

from .fake import Layout, image_pixels, roi_labels
from .pipeline import Meta, Options, convert
from .subject import TRIALS_PER_SESSION, SubjectPlan, Volumes
from .volumes import Grid

N_IMAGES, SHARED, REPEATS = 10000, 1000, 3
IMAGE_PX = 32
RUNS = 12

SESSION_CODE, TRIAL_CODE = 8.0, 128.0


def planted_code(rows: np.ndarray) -> np.ndarray:
    """[rows, 2]: the values of voxels 0 and 1 that identify each row."""
    session, trial = np.divmod(rows, TRIALS_PER_SESSION)
    return np.stack([session / SESSION_CODE, trial / TRIAL_CODE], 1).astype(np.float32)


class GeneratedStimuli:
    """The Stimuli interface over generated solid-colour pictures (fake.image_pixels)."""

    def check_covers(self, indices: np.ndarray) -> None:
        pass

    def pixels(self, index: int) -> np.ndarray:
        return image_pixels(index, IMAGE_PX, textured=False)


def behaviour(sessions: np.ndarray, repeats: np.ndarray, rng: np.random.Generator):
    """Generated trial columns in the converters' vocabulary (NSD's responses.tsv, lower case)."""
    trial = np.arange(len(sessions)) % TRIALS_PER_SESSION
    per_run = -(-TRIALS_PER_SESSION // RUNS)
    isold = (repeats > 0).astype(np.float64)
    correct = (rng.random(len(sessions)) < 0.8).astype(np.float64)
    rt = np.round(rng.lognormal(np.log(800), 0.3, len(sessions)))
    rt[rng.random(len(sessions)) < 0.02] = np.nan  # no response: missing, as in NSD
    correct[np.isnan(rt)] = np.nan
    return {
        "run": (trial // per_run + 1).astype(np.float64),
        "trial": (trial % per_run + 1).astype(np.float64),
        "isold": isold,
        "iscorrect": correct,
        "rt": rt,
    }


def subject_plan(sessions: int, voxels: int, seed: int) -> SubjectPlan:
    rng = np.random.default_rng(seed)
    layout = Layout(grid=(81, 104, 83), voxels=voxels, seed=seed)
    labels = roi_labels(layout)
    ids = np.sort(rng.choice(73000, N_IMAGES, replace=False))  # the subject's 10,000 73k indices
    test_ids = set(ids[rng.choice(N_IMAGES, SHARED, replace=False)].tolist())
    order = rng.permutation(np.repeat(np.arange(N_IMAGES), REPEATS))
    rows = sessions * TRIALS_PER_SESSION
    images = ids[order[:rows]]
    session_of = np.arange(rows) // TRIALS_PER_SESSION
    repeats = np.array(repeat_numbers(images.tolist()))
    grid = Grid(Path("generated"), layout.grid, layout.affine)
    anatomy = np.where(labels >= 0, 600.0, 0.0).astype(np.float32)
    anatomy += rng.uniform(0, 200, layout.grid).astype(np.float32)

    def read_session(session: int) -> np.ndarray:
        values = np.random.default_rng([seed, session]).standard_normal(
            (TRIALS_PER_SESSION, voxels), dtype=np.float32
        )
        first = session * TRIALS_PER_SESSION
        values[:, :2] = planted_code(np.arange(first, first + TRIALS_PER_SESSION))
        return values

    return SubjectPlan(
        id="subj01",
        images=images,
        sessions=session_of,
        test=np.array([i in test_ids for i in images.tolist()]),
        voxel_count=voxels,
        zscored="session",
        volumes=lambda: Volumes(anatomy, (labels == 1).astype(np.uint8), grid),
        read_session=read_session,
        inputs=["generated"],
        behaviour=behaviour(session_of, repeats, rng),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--voxels", type=int, default=15000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.monotonic()
    plan = subject_plan(args.sessions, args.voxels, args.seed)
    meta = Meta(
        id="nsd-scale",
        name="NSD-sized generated bundle (noise)",
        description=(
            f"{args.sessions} sessions x {TRIALS_PER_SESSION} trials x {args.voxels} voxels of "
            "generated noise with a planted row code, for measuring the app at NSD's scale."
        ),
        license="CC0-1.0",
        attribution=[],
        synthetic=True,
    )
    settings = {"generator": "models.convert.scale", **vars(args)}
    settings["out"] = str(args.out)
    stimuli: Any = GeneratedStimuli()  # the Stimuli interface, without an HDF5 file
    timings = convert([plan], stimuli, args.out, meta, Options(), settings)
    rows, betas_s = timings["trials"], timings["betas_s"]
    print(
        f"{rows:.0f} trials in {betas_s:.1f} s ({rows / betas_s:.0f} trials/s),"
        f" {timings['images']:.0f} images in {timings['images_s']:.1f} s;"
        f" {time.monotonic() - start:.1f} s in all"
    )


if __name__ == "__main__":
    main()
