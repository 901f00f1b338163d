"""Writes `mindeye-web/dataset@1` bundles (see docs/dataset-format.md).

The first half is the format's building blocks, shared by the synthetic generator (`write_bundle`,
below) and the NSD / MindEye2 converters (models/convert): NIfTI volumes, Zarr betas written whole
or a block of rows at a time, WebP stimuli, trials.json columns and dataset.json entries.

Byte for byte reproducible: gzip without timestamps, Zarr with fixed chunks, JSON in a fixed order.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

import nibabel as nib
import numpy as np
import zarr
from numcodecs import Zlib
from PIL import Image

from .config import REPEATS, ROI_LABELS, STIMULUS_DEG, SUBJECTS
from .encoding import ENCODING_COLUMNS
from .stimuli import CATEGORY_NAMES, caption
from .synthetic import ImageKey, SyntheticNSD

FORMAT = "mindeye-web/dataset@1"
GENERATOR_VERSION = "1"
BETA_SCALE = 1 / 32  # int8 z-scores: steps of 1/32, range +-3.97
INT16_SCALE = 1 / 1024  # int16 z-scores: steps of 1/1024, range +-32
BETA_DTYPES = ("int8", "int16", "float16", "float32")
LICENSES = Path(__file__).with_name("licenses")


# --- the format's building blocks -------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Writes a file so that it is either absent or whole, even if the process is killed."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_nifti(path: Path, volume: np.ndarray, affine: np.ndarray) -> None:
    image = nib.Nifti1Image(volume, affine)
    image.header.set_xyzt_units("mm")
    image.header.set_sform(affine, code=1)
    image.header.set_qform(affine, code=1)
    write_atomic(path, gzip.compress(image.to_bytes(), compresslevel=9, mtime=0))


def write_json(path: Path, value: Any, indent: int | None = None) -> None:
    separators = (",", ":") if indent is None else None
    text = json.dumps(value, indent=indent, separators=separators) + "\n"
    write_atomic(path, text.encode())


def beta_scale(dtype: str) -> float | None:
    """The `betas.scale` of a stored dtype: z-score units per integer step, None for floats."""
    return {"int8": BETA_SCALE, "int16": INT16_SCALE}.get(dtype)


def encode_betas(betas: np.ndarray, dtype: str = "int8") -> np.ndarray:
    """z-scores as stored: integers in steps of `beta_scale(dtype)` (clipped), or floats."""
    scale = beta_scale(dtype)
    if scale is None:
        return betas.astype(dtype)
    limit = np.iinfo(dtype).max
    return np.clip(np.round(betas / scale), -limit, limit).astype(dtype)


def quantize(betas: np.ndarray) -> np.ndarray:
    return encode_betas(betas, "int8")


def create_rows_array(
    path: Path, shape: tuple[int, int], dtype: str, chunk_rows: int
) -> zarr.Array:
    """An empty Zarr v2 array [rows, columns] chunked by whole rows, to be filled a block at a time.
    zarr's DirectoryStore writes each chunk file whole (a temporary file, then a rename)."""
    store = zarr.DirectoryStore(str(path))
    return zarr.create(
        shape=shape,
        chunks=(chunk_rows, shape[1]),
        dtype=dtype,
        compressor=Zlib(level=9),
        store=store,
        overwrite=True,
    )


def open_rows_array(path: Path) -> zarr.Array:
    return zarr.open_array(zarr.DirectoryStore(str(path)), mode="r+")


def write_zarr(path: Path, array: np.ndarray, chunk_rows: int) -> None:
    target = create_rows_array(path, array.shape, array.dtype, chunk_rows)
    target[:] = array


def write_image(path: Path, pixels: np.ndarray, quality: int = 82, method: int = 6) -> None:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", quality=quality, method=method)
    write_atomic(path, buffer.getvalue())


def repeat_numbers(images: Sequence[int]) -> list[int]:
    """For each row, how many earlier rows show the same image (0 for its first showing)."""
    seen: dict[int, int] = {}
    repeats = []
    for image in images:
        repeats.append(seen.get(image, 0))
        seen[image] = repeats[-1] + 1
    return repeats


def trials_columns(
    images: Sequence[int], sessions: Sequence[int], repeats: Sequence[int], splits: Sequence[str]
) -> dict[str, list]:
    """trials.json of single-trial rows: `image` indexes dataset.json's images, `session` and
    `repeat` count from 0."""
    return {
        "image": [int(i) for i in images],
        "session": [int(s) for s in sessions],
        "repeat": [int(r) for r in repeats],
        "split": list(splits),
    }


def rows_by_image(images: Sequence[int]) -> dict[int, list[int]]:
    """Each image index's betas rows, in row order: what `images[].trials[subject]` lists."""
    rows: dict[int, list[int]] = {}
    for row, image in enumerate(images):
        rows.setdefault(int(image), []).append(row)
    return rows


def subject_entry(
    subject: str,
    roi_labels: dict[int, str],
    mask_labels: Sequence[int],
    voxel_order: str,
    voxel_count: int,
) -> dict[str, Any]:
    """A subject of dataset.json with its volumes at `<subject>/anatomy.nii.gz` and `roi.nii.gz`."""
    assert voxel_order in ("fortran", "c")
    return {
        "id": subject,
        "anatomy": f"{subject}/anatomy.nii.gz",
        "roi": f"{subject}/roi.nii.gz",
        "roiLabels": {str(k): v for k, v in sorted(roi_labels.items())},
        "maskLabels": sorted(mask_labels),
        "voxelOrder": voxel_order,
        "voxelCount": int(voxel_count),
    }


def betas_entry(subject: str, dtype: str, rows: str, zscored: str) -> dict[str, Any]:
    """`betas` and `trials` of a subject, at `<subject>/betas.zarr` and `<subject>/trials.json`.
    zscored: "session" (per voxel within each session) or "train" (on the training trials)."""
    assert dtype in BETA_DTYPES and zscored in ("session", "train")
    betas: dict[str, Any] = {"path": f"{subject}/betas.zarr", "dtype": dtype}
    if beta_scale(dtype) is not None:
        betas["scale"] = beta_scale(dtype)
    betas.update({"rows": rows, "zscored": zscored})
    return {"betas": betas, "trials": f"{subject}/trials.json"}


def dataset_document(
    *,
    id: str,
    name: str,
    description: str,
    synthetic: bool,
    license: str,
    attribution: list[dict[str, str]],
    voxel_size: Sequence[float],
    subjects: list[dict[str, Any]],
    images: list[dict[str, Any]],
    categories: Sequence[str] = (),
    generator: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """dataset.json, its keys in the format's order."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "id": id,
        "name": name,
        "description": description,
        "synthetic": synthetic,
        "license": license,
        "attribution": attribution,
        "voxelSize": [float(v) for v in voxel_size],
        "stimulusDeg": STIMULUS_DEG,
    }
    if generator is not None:
        document["generator"] = generator
    document.update({"categories": list(categories), "subjects": subjects, "images": images})
    return document


def write_dataset_json(out: Path, document: dict[str, Any]) -> None:
    """Written last by every writer: a bundle without dataset.json is not a bundle yet."""
    write_json(out / "dataset.json", document, indent=1)


# --- the synthetic dataset --------------------------------------------------------------------


def subject_rows(ds: SyntheticNSD, subject: str, shipped: set[ImageKey], with_train: bool):
    """Betas rows of the shipped images, ordered by image then repeat, from every session that
    shows them (z-scoring needs the whole session, so whole sessions are generated)."""
    rows, keys, sessions, repeats = [], [], [], []
    for session in range(ds.profile.sessions):
        run = ds.session(subject, session)
        for t, key in enumerate(run.images):
            if key in shipped or (with_train and key.split == "train"):
                rows.append(run.betas[t])
                keys.append(key)
                sessions.append(session)
                repeats.append(int(run.repeat[t]))
    order = sorted(range(len(keys)), key=lambda i: (keys[i].subject, keys[i].index, repeats[i]))
    return (
        np.stack([rows[i] for i in order]),
        [keys[i] for i in order],
        [sessions[i] for i in order],
        [repeats[i] for i in order],
    )


def write_bundle(ds: SyntheticNSD, out: Path, log=print) -> None:
    p = ds.profile
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    shutil.copytree(LICENSES, out / "licenses")
    test_keys = [ImageKey(0, k) for k in range(p.shipped_test_images)]
    with_train = p.name == "full"
    images: list[ImageKey] = list(test_keys)
    image_index: dict[ImageKey, int] = {k: i for i, k in enumerate(images)}
    trials_by_image: dict[ImageKey, dict[str, list[int]]] = {k: {} for k in images}
    subjects = []
    for subject in SUBJECTS:
        log(f"{subject}: anatomy")
        anatomy = ds.anatomy(subject)
        folder = out / subject
        folder.mkdir()
        write_nifti(folder / "anatomy.nii.gz", anatomy.t1, anatomy.affine)
        write_nifti(folder / "roi.nii.gz", anatomy.roi, anatomy.affine)
        entry = subject_entry(subject, ROI_LABELS, sorted(ROI_LABELS), "c", len(anatomy.voxels))
        if subject in p.betas_subjects:
            log(f"{subject}: betas from {p.sessions} sessions")
            betas, keys, sessions, repeats = subject_rows(ds, subject, set(test_keys), with_train)
            for key in keys:
                if key not in image_index:
                    image_index[key] = len(images)
                    images.append(key)
                    trials_by_image[key] = {}
            single = subject in p.single_trial_subjects
            if single:
                trials = trials_columns(
                    [image_index[k] for k in keys],
                    sessions,
                    repeats,
                    [k.split for k in keys],
                )
                chunk_rows = 10 * REPEATS
            else:
                betas = betas.reshape(-1, REPEATS, betas.shape[1]).mean(1)
                keys = keys[::REPEATS]
                trials = {
                    "image": [image_index[k] for k in keys],
                    "session": [-1] * len(keys),
                    "repeat": [-1] * len(keys),
                    "split": [k.split for k in keys],
                    "averageOf": [REPEATS] * len(keys),
                }
                chunk_rows = 10
            for row, key in enumerate(keys):
                if key.split == "test":
                    trials_by_image[key].setdefault(subject, []).append(row)
            write_zarr(folder / "betas.zarr", quantize(betas), chunk_rows)
            write_json(folder / "trials.json", trials)
            encoder = ds.encoder(subject)
            write_zarr(
                folder / "encoding.zarr",
                encoder.encoding_table(anatomy.area),
                len(anatomy.voxels),
            )
            rows = "single-trial" if single else "repeat-average"
            entry.update(betas_entry(subject, "int8", rows, "session"))
            entry["encoding"] = {
                "path": f"{subject}/encoding.zarr",
                "columns": list(ENCODING_COLUMNS),
            }
        subjects.append(entry)

    log(f"images: {len(images)}")
    image_entries = []
    for key in images:
        scene = ds.scene(key)
        file = f"images/{key.id}.webp"
        write_image(out / file, ds.image(key))
        entry = {
            "id": key.id,
            "file": file,
            "split": key.split,
            "caption": caption(scene),
            "categories": sorted({o["category"] for o in scene["objects"]}),
            "scene": scene,
        }
        if trials_by_image[key]:
            entry["trials"] = trials_by_image[key]
        image_entries.append(entry)

    description = (
        "Simulated data, not recordings from people. Eight simulated subjects built from the "
        "Colin27 brain with their own random warps, viewing scenes of public-domain clip art; "
        "voxel responses come from a known encoding model (retinotopic pRFs in V1-V3+, "
        "category-selective ventral voxels) plus structured noise, z-scored per session as in "
        f"NSD. Betas: test images only; {', '.join(p.single_trial_subjects[:1])} single trials, "
        "the others the mean of their 3 repeats."
    )
    attribution = [
        {
            "source": "Colin27 brain (ch2bet) and Brodmann atlas from MRIcron, Chris Rorden "
            "(Debian package mricron-data)",
            "license": "BSD-3-Clause",
            "notice": "licenses/mricron-data.copyright.txt",
        },
        {
            "source": "Open Clip Art Library drawings (Debian package openclipart-png); each "
            "image's scene lists the clip-art files it uses",
            "license": "Public domain",
            "notice": "licenses/openclipart-png.copyright.txt",
        },
    ]
    document = dataset_document(
        id="synthetic-nsd" if p.name == "demo" else f"synthetic-nsd-{p.name}",
        name="Synthetic NSD (simulated fMRI)",
        description=description,
        synthetic=True,
        license="MIT",
        attribution=attribution,
        voxel_size=[p.voxel_mm] * 3,
        generator={
            "name": "models.dataset.generate",
            "version": GENERATOR_VERSION,
            "profile": p.name,
            "seed": p.seed,
        },
        categories=CATEGORY_NAMES,
        subjects=subjects,
        images=image_entries,
    )
    write_dataset_json(out, document)
