"""Fake NSD and MindEye2 file trees in the real layouts (names, dtypes, 1-based indices, the -1
outside-cortex label, int16 betas x 300, HDF5 keys, webdataset shards), for tests and for measuring
a conversion at NSD's size without NSD. Random values; nothing here resembles brain data.

  python3 -m models.convert.fake nsd <root> --subject subj01 --sessions 3 --voxels 15724
  python3 -m models.convert.fake mindeye2 <dir> --nsd <root> --subject subj01 --sessions 3

Betas files are written a block of trials at a time, so a full-size session (1 GB) is never held
in memory; images are written only for the 73k ids the written sessions show."""

from __future__ import annotations

import argparse
import gzip
import io
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import h5py
import nibabel as nib
import numpy as np
import scipy.io

from .nsd import BETAS_VERSION, betas_path, design_path, stimuli_path
from .subject import TRIALS_PER_SESSION, func_folder, subject_number
from .mindeye2 import BEHAV_COLUMNS, betas_file

N_IMAGES, PER_SUBJECT, SHARED, REPEATS = 73000, 10000, 1000, 3


@dataclass(frozen=True)
class Layout:
    grid: tuple[int, int, int] = (7, 8, 6)
    voxels: int = 40  # nsdgeneral (label 1) voxels
    brain: float = 0.6  # fraction of the grid inside the brain (labels 0 and 1; -1 outside)
    image_px: int = 16
    voxel_mm: float = 1.8
    seed: int = 0

    @property
    def affine(self) -> np.ndarray:
        affine = np.diag([self.voxel_mm] * 3 + [1.0])
        affine[:3, 3] = -np.array(self.grid) * self.voxel_mm / 2
        return affine


def image_colour(index: int) -> np.ndarray:
    """The solid colour of fake image `index` (0-based): neighbouring indices differ clearly."""
    return np.array([index * 37 % 256, index * 101 % 256, index * 59 % 256], dtype=np.uint8)


def image_pixels(index: int, size: int, textured: bool) -> np.ndarray:
    pixels = np.broadcast_to(image_colour(index), (size, size, 3)).astype(np.int16)
    if textured:  # photo-like detail, so that WebP encoding costs what real images cost
        rng = np.random.default_rng(index)
        noise = rng.normal(0, 40, (size // 4 + 1, size // 4 + 1, 3))
        noise = np.kron(noise, np.ones((4, 4, 1)))[:size, :size]
        pixels = pixels + noise.astype(np.int16) + rng.integers(-12, 13, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def write_volume(path: Path, volume: np.ndarray, affine: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(volume, affine), str(path))


def roi_labels(layout: Layout) -> np.ndarray:
    """-1 outside the brain, 0 brain, 1 the `voxels` nsdgeneral voxels nearest a posterior point."""
    shape = layout.grid
    coords = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1)
    centre = (np.array(shape) - 1) / 2
    radius = np.linalg.norm((coords - centre) / (np.array(shape) / 2), axis=-1)
    brain = radius <= np.quantile(radius, layout.brain)
    posterior = centre * np.array([1.0, 0.45, 1.0])
    near = np.linalg.norm(coords - posterior, axis=-1) + np.where(brain, 0, np.inf)
    labels = np.where(brain, 0, -1).astype(np.int16)
    chosen = np.argsort(near.ravel(), kind="stable")[: layout.voxels]
    labels.ravel()[chosen] = 1
    assert (labels == 1).sum() == layout.voxels
    return labels


def write_design(root: Path, rng: np.random.Generator) -> np.ndarray:
    """nsd_expdesign.mat: subjectim's first 1000 columns are sharedix; each image shown 3 times."""
    shared = np.sort(rng.choice(N_IMAGES, SHARED, replace=False)) + 1
    others = rng.permutation(np.setdiff1d(np.arange(1, N_IMAGES + 1), shared))
    subjectim = np.stack(
        [np.concatenate([shared, others[s * 9000 : (s + 1) * 9000]]) for s in range(8)]
    )
    master = rng.permutation(np.repeat(np.arange(1, PER_SUBJECT + 1), REPEATS))
    path = design_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(
        str(path),
        {
            "masterordering": master[None].astype(np.float64),
            "subjectim": subjectim.astype(np.float64),
            "sharedix": shared[None].astype(np.float64),
        },
    )
    return subjectim[:, master - 1] - 1  # [8, 30000] 0-based 73k index of each trial


def write_betas_session(
    path: Path, layout: Layout, brain: np.ndarray, rng: np.random.Generator, block: int = 50
) -> None:
    """[X, Y, Z, 750] int16 (percent signal change x 300), zero outside the brain, streamed."""
    header = nib.Nifti1Header()
    header.set_data_shape(layout.grid + (TRIALS_PER_SESSION,))
    header.set_data_dtype(np.int16)
    header.set_qform(layout.affine, code=1)
    header.set_sform(layout.affine, code=1)
    header.set_slope_inter(1.0, 0.0)
    header["vox_offset"] = 352
    inside = np.flatnonzero(brain.ravel(order="F"))
    offset = rng.normal(0, 2, len(inside)).astype(np.float32)  # a per-session baseline
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header.binaryblock + b"\0" * 4)
        volume = np.zeros((block, brain.size), np.int16)
        for start in range(0, TRIALS_PER_SESSION, block):
            n = min(block, TRIALS_PER_SESSION - start)
            psc = offset + rng.standard_normal((n, len(inside)), dtype=np.float32) * 1.5
            volume[:n, inside] = np.clip(np.round(psc * 300), -32767, 32767)
            out.write(volume[:n].tobytes())


def write_stimuli(path: Path, indices: np.ndarray, size: int, coco: bool, textured: bool) -> None:
    """imgBrick [73000, S, S, 3] uint8, or MindEye2's images [73000, 3, S, S] float16 in [0, 1];
    chunked per image, only the listed images written (the rest take no space)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        if coco:
            shape, dtype, key = (N_IMAGES, 3, size, size), np.float16, "images"
        else:
            shape, dtype, key = (N_IMAGES, size, size, 3), np.uint8, "imgBrick"
        data = f.create_dataset(
            key, shape, dtype, chunks=(1,) + shape[1:], compression="gzip", compression_opts=1
        )
        for index in np.unique(indices).tolist():
            pixels = image_pixels(index, size, textured)
            data[index] = pixels.transpose(2, 0, 1) / 255.0 if coco else pixels


def write_nsd_tree(
    root: Path,
    subjects: tuple[str, ...] = ("subj01",),
    sessions: int = 2,
    layout: Layout = Layout(),
    textured: bool = False,
    images: bool = True,
    log=lambda _: None,
) -> np.ndarray:
    """Returns the 0-based 73k index of every trial of every subject, [8, 30000]."""
    rng = np.random.default_rng(layout.seed)
    trial_images = write_design(root, rng)
    shown = []
    labels = roi_labels(layout)
    for subject in subjects:
        folder = func_folder(root, subject)
        write_volume(folder / "roi" / "nsdgeneral.nii.gz", labels, layout.affine)
        anatomy = rng.uniform(0, 1000, layout.grid).astype(np.float32)
        write_volume(folder / "T1_to_func1pt8mm.nii.gz", anatomy, layout.affine)
        for session in range(1, sessions + 1):
            log(f"{subject} session {session}")
            path = betas_path(root, subject, session, BETAS_VERSION)
            write_betas_session(path, layout, labels >= 0, rng)
        shown.append(trial_images[subject_number(subject) - 1, : sessions * TRIALS_PER_SESSION])
    if images:
        log("images")
        write_stimuli(stimuli_path(root), np.concatenate(shown), layout.image_px, False, textured)
    return trial_images


def behav_row(image: int, subject: int, row: int, shared: bool) -> np.ndarray:
    behav = np.full((1, BEHAV_COLUMNS), -1.0, np.float32)
    session, trial = divmod(row, TRIALS_PER_SESSION)
    behav[0, [0, 1, 2, 3, 4, 5, 16]] = [image, subject, session + 1, trial // 63 + 1, trial, row,
                                        float(shared)]  # fmt: skip
    behav[0, 9] = -1 if row % 7 == 0 else 500 + row % 700  # RT in ms; every 7th trial no response
    return behav


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def write_shard(path: Path, samples: list[tuple[str, dict[str, np.ndarray]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        for key, files in samples:
            for name, array in files.items():
                data = npy_bytes(array)
                info = tarfile.TarInfo(f"{key}.{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def write_mindeye2_tree(
    folder: Path,
    trial_images: np.ndarray,
    shared_ids: set[int],
    subject: str = "subj01",
    sessions: int = 2,
    voxels: int = 40,
    seed: int = 0,
    skip_rows: tuple[int, ...] = (),
    log=lambda _: None,
) -> np.ndarray:
    """betas_all_subjXX_fp32_renorm.hdf5 [sessions x 750, voxels] float32 and wds shards:
    train/N.tar the session's non-shared trials, test/0.tar the shared trials of all but the last
    session, new_test/0.tar all shared trials (so test and new_test repeat trials, as MindEye2's
    do). `skip_rows` are left out of every shard. Returns the betas."""
    rng = np.random.default_rng(seed)
    number = subject_number(subject)
    rows = sessions * TRIALS_PER_SESSION
    betas = rng.standard_normal((rows, voxels), dtype=np.float32)
    path = betas_file(folder, subject)
    folder.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        data = f.create_dataset("betas", (rows, voxels), np.float32, chunks=(750, voxels))
        for start in range(0, rows, TRIALS_PER_SESSION):
            data[start : start + TRIALS_PER_SESSION] = betas[start : start + TRIALS_PER_SESSION]
    images = trial_images[number - 1, :rows]
    train: dict[int, list] = {s: [] for s in range(sessions)}
    test, new_test = [], []
    for row in range(rows):
        if row in skip_rows:
            continue
        shared = int(images[row]) + 1 in shared_ids
        behav = behav_row(int(images[row]), number, row, shared)
        sample = (
            f"sample{row:09d}",
            {"behav.npy": behav, "past_behav.npy": np.full((15, 17), 7.0, np.float32)},
        )
        if not shared:
            train[row // TRIALS_PER_SESSION].append(sample)
            continue
        new_test.append(sample)
        if row < rows - TRIALS_PER_SESSION:
            test.append(sample)
    wds = folder / "wds" / subject
    for session, samples in train.items():
        write_shard(wds / "train" / f"{session}.tar", samples)
    write_shard(wds / "test" / "0.tar", test)
    write_shard(wds / "new_test" / "0.tar", new_test)
    return betas


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("source", choices=("nsd", "mindeye2"))
    parser.add_argument("root", type=Path)
    parser.add_argument("--nsd", type=Path, help="mindeye2: the fake NSD root made beforehand")
    parser.add_argument("--subject", default="subj01")
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--grid", type=int, nargs=3, default=(81, 104, 83))
    parser.add_argument("--voxels", type=int, default=15724)
    parser.add_argument("--image-px", type=int, default=425)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {message}", flush=True)

    if args.source == "nsd":
        layout = Layout(tuple(args.grid), args.voxels, 0.35, args.image_px, seed=args.seed)
        write_nsd_tree(args.root, (args.subject,), args.sessions, layout, textured=True, log=log)
    else:
        design = scipy.io.loadmat(str(design_path(args.nsd)))
        master = design["masterordering"].ravel().astype(int)
        trial_images = design["subjectim"].astype(int)[:, master - 1] - 1
        shared = set(design["sharedix"].ravel().astype(int).tolist())
        write_mindeye2_tree(
            args.root, trial_images, shared, args.subject, args.sessions, args.voxels, args.seed
        )
    log(f"wrote {args.root}")


if __name__ == "__main__":
    main()
