"""Writes a SyntheticNSD as a `mindeye-web/dataset@1` bundle (see docs/dataset-format.md).

Byte for byte reproducible: gzip without timestamps, Zarr with fixed chunks, JSON in a fixed order.
"""
from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

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
LICENSES = Path(__file__).with_name("licenses")


def write_nifti(path: Path, volume: np.ndarray, affine: np.ndarray) -> None:
    image = nib.Nifti1Image(volume, affine)
    image.header.set_xyzt_units("mm")
    image.header.set_sform(affine, code=1)
    image.header.set_qform(affine, code=1)
    path.write_bytes(gzip.compress(image.to_bytes(), compresslevel=9, mtime=0))


def write_zarr(path: Path, array: np.ndarray, chunk_rows: int) -> None:
    store = zarr.DirectoryStore(str(path))
    target = zarr.create(shape=array.shape, chunks=(chunk_rows, array.shape[1]), dtype=array.dtype,
                         compressor=Zlib(level=9), store=store, overwrite=True)
    target[:] = array


def quantize(betas: np.ndarray) -> np.ndarray:
    return np.clip(np.round(betas / BETA_SCALE), -127, 127).astype(np.int8)


def write_image(path: Path, pixels: np.ndarray) -> None:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", quality=82, method=6)
    path.write_bytes(buffer.getvalue())


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
    return (np.stack([rows[i] for i in order]), [keys[i] for i in order],
            [sessions[i] for i in order], [repeats[i] for i in order])


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
        entry = {
            "id": subject,
            "anatomy": f"{subject}/anatomy.nii.gz",
            "roi": f"{subject}/roi.nii.gz",
            "roiLabels": {str(k): v for k, v in ROI_LABELS.items()},
            "maskLabels": sorted(ROI_LABELS),
            "voxelOrder": "c",
            "voxelCount": int(len(anatomy.voxels)),
        }
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
                trials = {"image": [image_index[k] for k in keys], "session": sessions,
                          "repeat": repeats, "split": [k.split for k in keys]}
                chunk_rows = 10 * REPEATS
            else:
                betas = betas.reshape(-1, REPEATS, betas.shape[1]).mean(1)
                keys = keys[::REPEATS]
                trials = {"image": [image_index[k] for k in keys], "session": [-1] * len(keys),
                          "repeat": [-1] * len(keys), "split": [k.split for k in keys],
                          "averageOf": [REPEATS] * len(keys)}
                chunk_rows = 10
            for row, key in enumerate(keys):
                if key.split == "test":
                    trials_by_image[key].setdefault(subject, []).append(row)
            write_zarr(folder / "betas.zarr", quantize(betas), chunk_rows)
            (folder / "trials.json").write_text(json.dumps(trials, separators=(",", ":")) + "\n")
            encoder = ds.encoder(subject)
            write_zarr(folder / "encoding.zarr", encoder.encoding_table(anatomy.area), len(anatomy.voxels))
            entry.update({
                "betas": {"path": f"{subject}/betas.zarr", "dtype": "int8", "scale": BETA_SCALE,
                          "rows": "single-trial" if single else "repeat-average", "zscored": "session"},
                "trials": f"{subject}/trials.json",
                "encoding": {"path": f"{subject}/encoding.zarr", "columns": list(ENCODING_COLUMNS)},
            })
        subjects.append(entry)

    log(f"images: {len(images)}")
    image_entries = []
    for key in images:
        scene = ds.scene(key)
        file = f"images/{key.id}.webp"
        write_image(out / file, ds.image(key))
        entry = {"id": key.id, "file": file, "split": key.split, "caption": caption(scene),
                 "categories": sorted({o["category"] for o in scene["objects"]}), "scene": scene}
        if trials_by_image[key]:
            entry["trials"] = trials_by_image[key]
        image_entries.append(entry)

    dataset = {
        "format": FORMAT,
        "id": "synthetic-nsd" if p.name == "demo" else f"synthetic-nsd-{p.name}",
        "name": "Synthetic NSD (simulated fMRI)",
        "description": (
            "Simulated data, not recordings from people. Eight simulated subjects built from the "
            "Colin27 brain with their own random warps, viewing scenes of public-domain clip art; "
            "voxel responses come from a known encoding model (retinotopic pRFs in V1-V3+, "
            "category-selective ventral voxels) plus structured noise, z-scored per session as in NSD. "
            f"Betas: test images only; {', '.join(p.single_trial_subjects[:1])} single trials, the "
            "others the mean of their 3 repeats."),
        "synthetic": True,
        "license": "MIT",
        "attribution": [
            {"source": "Colin27 brain (ch2bet) and Brodmann atlas from MRIcron, Chris Rorden "
                       "(Debian package mricron-data)",
             "license": "BSD-3-Clause", "notice": "licenses/mricron-data.copyright.txt"},
            {"source": "Open Clip Art Library drawings (Debian package openclipart-png); each "
                       "image's scene lists the clip-art files it uses",
             "license": "Public domain", "notice": "licenses/openclipart-png.copyright.txt"},
        ],
        "voxelSize": [p.voxel_mm] * 3,
        "stimulusDeg": STIMULUS_DEG,
        "generator": {"name": "models.dataset.generate", "version": GENERATOR_VERSION,
                      "profile": p.name, "seed": p.seed},
        "categories": list(CATEGORY_NAMES),
        "subjects": subjects,
        "images": image_entries,
    }
    (out / "dataset.json").write_text(json.dumps(dataset, indent=1) + "\n")

