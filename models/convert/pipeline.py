"""Writes converted subjects as one dataset bundle, step by step and resumably.

Each step (a subject's volumes, one session of betas, trials.json, the images) leaves a marker in
`<out>/.convert/` when it is done; a rerun with the same settings skips the marked steps and redoes
the one that was interrupted. dataset.json is written last (atomically) and the markers are then
removed, so a bundle that looks complete is complete."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from models.dataset.bundle import (
    beta_scale,
    betas_entry,
    create_rows_array,
    dataset_document,
    encode_betas,
    open_rows_array,
    repeat_numbers,
    rows_by_image,
    subject_entry,
    trials_columns,
    write_dataset_json,
    write_image,
    write_json,
    write_nifti,
)

from .errors import ConvertError
from .progress import Progress, duration
from .stimuli import Stimuli
from .subject import MASK_LABEL, SubjectPlan

STATE = ".convert"


@dataclass(frozen=True)
class Options:
    dtype: str = "int16"
    chunk_rows: int = 10
    webp_quality: int = 82
    webp_method: int = 4


@dataclass(frozen=True)
class Meta:
    """The dataset-level text of dataset.json."""

    id: str
    name: str
    description: str
    license: str
    attribution: list[dict[str, str]]
    synthetic: bool = False  # True only for generated bundles (models.convert.scale)


def image_id(index: int) -> str:
    """NSD's 1-based 73k id: image index 0 is nsd00001."""
    return f"nsd{index + 1:05d}"


class Steps:
    """Done markers of one output folder, for one set of settings."""

    def __init__(self, out: Path, settings: dict[str, Any], restart: bool):
        self.folder = out / STATE
        if out.exists() and any(out.iterdir()):
            if not self.folder.is_dir():
                what = "a complete bundle" if (out / "dataset.json").exists() else "not empty"
                raise ConvertError(
                    out, f"{what} and not a conversion in progress; choose another --out"
                )
            saved = self.folder / "settings.json"
            previous = json.loads(saved.read_text()) if saved.exists() else {}
            if previous != settings and not restart:
                changed = sorted(
                    k
                    for k in settings.keys() | previous.keys()
                    if settings.get(k) != previous.get(k)
                )
                raise ConvertError(
                    out,
                    f"holds a conversion with other settings ({', '.join(changed)}); "
                    "pass --restart to start it over",
                )
            if restart:
                for child in out.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / "settings.json", settings, indent=1)

    def done(self, step: str) -> bool:
        return (self.folder / step).exists()

    def mark(self, step: str) -> None:
        (self.folder / step).write_text("")

    def finish(self) -> None:
        shutil.rmtree(self.folder)


def image_splits(plans: list[SubjectPlan]) -> dict[int, str]:
    """73k index -> split of every image any subject saw; a shared image is test for everyone."""
    splits: dict[int, str] = {}
    for plan in plans:
        for image, test in zip(plan.images.tolist(), plan.test.tolist()):
            split = "test" if test else "train"
            if splits.setdefault(image, split) != split:
                raise ConvertError(
                    plan.inputs[0], f"image {image_id(image)} is {split} for {plan.id} only"
                )
    return dict(sorted(splits.items()))


def convert(
    plans: list[SubjectPlan],
    stimuli: Stimuli,
    out: Path,
    meta: Meta,
    options: Options,
    settings: dict[str, Any],
    restart: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Writes the bundle; returns how long each phase took (wall and CPU seconds) and how much it
    did (trials, images)."""
    splits = image_splits(plans)
    stimuli.check_covers(np.array(list(splits)))
    voxel_sizes = {p.volumes().grid.voxel_size: p.volumes().grid.file for p in plans}
    if len(voxel_sizes) > 1:
        sizes = ", ".join(f"{f}: {'x'.join(map(str, s))} mm" for s, f in voxel_sizes.items())
        raise ConvertError(out, f"the subjects' voxel sizes differ ({sizes})")
    voxel_size = next(iter(voxel_sizes))
    index = {image: i for i, image in enumerate(splits)}
    steps = Steps(out, settings, restart)
    total_rows = sum(len(p.images) for p in plans)
    shapes = ", ".join(f"{p.id} {len(p.images)} trials x {p.voxel_count} voxels" for p in plans)
    log(f"plan: {shapes}; {len(splits)} images -> {out}")
    timings: dict[str, float] = {"trials": total_rows, "images": len(splits)}

    start, cpu = time.monotonic(), time.process_time()
    progress = Progress("betas", total_rows, "trials")
    subjects = []
    for plan in plans:
        subjects.append(write_subject(plan, out, steps, index, splits, options, progress, log))
    timings["betas_s"] = time.monotonic() - start
    timings["betas_cpu_s"] = time.process_time() - cpu

    start, cpu = time.monotonic(), time.process_time()
    images = write_images(splits, plans, stimuli, out, steps, index, options)
    timings["images_s"] = time.monotonic() - start
    timings["images_cpu_s"] = time.process_time() - cpu

    document = dataset_document(
        id=meta.id,
        name=meta.name,
        description=meta.description,
        synthetic=meta.synthetic,
        license=meta.license,
        attribution=meta.attribution,
        voxel_size=voxel_size,
        subjects=subjects,
        images=images,
    )
    write_dataset_json(out, document)
    steps.finish()
    log(
        f"wrote {out}: {total_rows} trials in {duration(timings['betas_s'])}, "
        f"{len(splits)} images in {duration(timings['images_s'])}"
    )
    return timings


def count_clipped(values: np.ndarray, dtype: str) -> int:
    scale = beta_scale(dtype)
    if scale is None:
        return 0
    return int((np.abs(values) > (np.iinfo(dtype).max + 0.5) * scale).sum())


def write_subject(
    plan: SubjectPlan,
    out: Path,
    steps: Steps,
    index: dict[int, int],
    splits: dict[int, str],
    options: Options,
    progress: Progress,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    folder = out / plan.id
    folder.mkdir(exist_ok=True)
    if not steps.done(f"{plan.id}.volumes"):
        volumes = plan.volumes()
        write_nifti(folder / "anatomy.nii.gz", volumes.anatomy, volumes.grid.affine)
        write_nifti(folder / "roi.nii.gz", volumes.roi, volumes.grid.affine)
        steps.mark(f"{plan.id}.volumes")

    sessions = plan.session_rows()
    path = folder / "betas.zarr"
    if not any(steps.done(f"{plan.id}.session{s + 1:02d}") for s, _, _ in sessions):
        shape = (len(plan.images), plan.voxel_count)
        create_rows_array(path, shape, options.dtype, options.chunk_rows)
    array = open_rows_array(path)
    for session, first, end in sessions:
        step = f"{plan.id}.session{session + 1:02d}"
        if steps.done(step):
            progress.skip(end - first)
            continue
        values = plan.read_session(session)
        if values.shape != (end - first, plan.voxel_count):
            raise ConvertError(
                plan.inputs[0],
                f"session {session + 1} read as {list(values.shape)}, "
                f"expected [{end - first}, {plan.voxel_count}]",
            )
        array[first:end] = encode_betas(values, options.dtype)
        clipped = count_clipped(values, options.dtype)
        if clipped:
            limit = np.iinfo(options.dtype).max * beta_scale(options.dtype)
            log(f"{plan.id} session {session + 1}: {clipped} values beyond +-{limit:.2f} clipped")
        steps.mark(step)
        progress.advance(end - first, f"{plan.id} session {session + 1}")

    images = [index[i] for i in plan.images.tolist()]
    trials = trials_columns(
        images,
        plan.sessions.tolist(),
        repeat_numbers(images),
        [splits[i] for i in plan.images.tolist()],
    )
    if plan.behaviour:
        trials["behaviour"] = behaviour_columns(plan.behaviour)
    write_json(folder / "trials.json", trials)
    entry = subject_entry(plan.id, {MASK_LABEL: "nsdgeneral"}, [MASK_LABEL], "c", plan.voxel_count)
    entry.update(betas_entry(plan.id, options.dtype, "single-trial", plan.zscored))
    return entry


def behaviour_columns(columns: dict[str, np.ndarray]) -> dict[str, list]:
    """trials.json's `behaviour`: each column a number per row, null where the source has none."""
    return {
        name: [
            None if np.isnan(v) else (int(v) if float(v).is_integer() else float(v)) for v in values
        ]
        for name, values in columns.items()
    }


def write_images(
    splits: dict[int, str],
    plans: list[SubjectPlan],
    stimuli: Stimuli,
    out: Path,
    steps: Steps,
    index: dict[int, int],
    options: Options,
) -> list[dict[str, Any]]:
    rows = {p.id: rows_by_image([index[i] for i in p.images.tolist()]) for p in plans}
    entries = []
    for image, split in splits.items():
        entry: dict[str, Any] = {
            "id": image_id(image),
            "file": f"images/{image_id(image)}.webp",
            "split": split,
        }
        shown = {s: r[index[image]] for s, r in rows.items() if index[image] in r}
        if shown:
            entry["trials"] = shown
        entries.append(entry)
    if steps.done("images"):
        return entries
    (out / "images").mkdir(exist_ok=True)
    progress = Progress("images", len(entries), "images")
    for image, entry in zip(splits, entries):
        path = out / entry["file"]
        if path.exists():  # written whole by an earlier run (files are renamed into place)
            progress.skip(1)
            continue
        write_image(path, stimuli.pixels(image), options.webp_quality, options.webp_method)
        progress.advance(1)
    steps.mark("images")
    return entries
