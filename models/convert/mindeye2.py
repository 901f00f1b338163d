"""MindEye2's preprocessed files (pscotti/mindeyev2): betas_all_subjXX_fp32_renorm.hdf5 (`betas`,
[trials, voxels] float32, row = (session - 1) * 750 + trial, voxels in C order of nsdgeneral,
already z-scored on training-set statistics) and the webdataset shards whose samples' behav.npy
say which image each row showed."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from .errors import ConvertError, require_file
from .subject import TRIALS_PER_SESSION, SubjectPlan, nsd_volumes, subject_number

# columns of behav.npy
IMAGE, SESSION, GLOBAL_TRIAL, SHARED1000 = 0, 2, 5, 16
BEHAV_COLUMNS = 17
# behav columns kept as trials.json behaviour (NSD responses.tsv names, lower case); -1 = missing
BEHAVIOUR = {
    "run": 3,
    "trial": 4,
    "time": 6,
    "isold": 7,
    "iscorrect": 8,
    "rt": 9,
    "changemind": 10,
    "button": 15,
}
SHARD_FOLDERS = ("train", "test", "new_test")


@dataclass(frozen=True)
class Trial:
    image: int  # 0-based 73k index
    shared: bool
    shard: str  # the shard and sample that described it first, for messages
    behav: np.ndarray = field(compare=False, repr=False)  # the sample's behav row [17]


def betas_file(folder: Path, subject: str) -> Path:
    return folder / f"betas_all_{subject}_fp32_renorm.hdf5"


def shard_files(folder: Path, subject: str) -> list[Path]:
    """train/0.tar, train/1.tar, ... then test/0.tar and new_test/0.tar, those that exist."""
    root = folder / "wds" / subject
    shards: list[Path] = []
    for name in SHARD_FOLDERS:
        found = list((root / name).glob("*.tar"))
        shards += sorted(found, key=lambda p: (len(p.stem), p.stem))
    if not shards:
        raise ConvertError(root, "no webdataset shards (train/N.tar, test/0.tar, new_test/0.tar)")
    return shards


def read_behav(shard: Path) -> list[tuple[str, np.ndarray]]:
    """(sample key, behav row [17]) of each sample of a shard."""
    samples = []
    try:
        with tarfile.open(shard) as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                key, _, extension = base.partition(".")
                if not member.isfile() or extension != "behav.npy":
                    continue  # past_behav.npy, future_behav.npy, olds_behav.npy, ...
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                behav = np.load(io.BytesIO(data), allow_pickle=False).reshape(-1)
                if behav.shape != (BEHAV_COLUMNS,):
                    raise ConvertError(
                        shard, f"{member.name} holds {behav.size} values, behav has 17 columns"
                    )
                samples.append((key, behav))
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise ConvertError(shard, f"not a readable tar shard, truncated or corrupt ({error})")
    if not samples:
        raise ConvertError(shard, "holds no behav.npy samples")
    return samples


def collect_trials(shards: list[Path], rows: int) -> dict[int, Trial]:
    """The betas row of every described trial (behav column 5), checked against the betas' rows and
    its session (column 2, 1-based). test and new_test repeat trials: identical repeats are fine."""
    trials: dict[int, Trial] = {}
    for shard in shards:
        for key, behav in read_behav(shard):
            row, session = int(behav[GLOBAL_TRIAL]), int(behav[SESSION])
            where = f"{shard.parent.name}/{shard.name} {key}"
            if not 0 <= row < rows:
                raise ConvertError(shard, f"{key}: behav row {row} outside the betas' {rows} rows")
            if row // TRIALS_PER_SESSION + 1 != session:
                raise ConvertError(
                    shard,
                    f"{key}: row {row} is in session {row // TRIALS_PER_SESSION + 1}, "
                    f"but behav says session {session}",
                )
            image = int(behav[IMAGE])
            if not 0 <= image < 73000:
                raise ConvertError(shard, f"{key}: image index {image} outside 0..72999")
            trial = Trial(image, bool(behav[SHARED1000] == 1), where, behav)
            known = trials.get(row)
            if known is None:
                trials[row] = trial
            elif (known.image, known.shared) != (trial.image, trial.shared):
                raise ConvertError(
                    shard,
                    f"{key}: row {row} shows image {image}, but {known.shard} says {known.image}",
                )
    return trials


def mindeye2_subject(
    folder: Path, subject: str, nsd_root: Path, sessions: int | None
) -> SubjectPlan:
    subject_number(subject)
    path = require_file(betas_file(folder, subject), "MindEye2's betas")
    try:
        with h5py.File(path, "r") as f:
            if "betas" not in f:
                raise ConvertError(
                    path, f"has no dataset betas (it holds {', '.join(f) or 'nothing'})"
                )
            shape = f["betas"].shape
    except OSError as error:
        raise ConvertError(path, f"not a readable HDF5 file ({error})")
    if len(shape) != 2:
        raise ConvertError(path, f"betas has shape {list(shape)}, expected [trials, voxels]")
    rows, width = int(shape[0]), int(shape[1])
    volumes = nsd_volumes(nsd_root, subject)
    count = int(volumes.mask.sum())
    if count != width:
        raise ConvertError(
            path,
            f"betas has {width} voxels per row, but {volumes.grid.file} has {count} voxels "
            "labelled 1: not this subject's nsdgeneral mask",
        )
    if sessions is not None:
        rows = min(rows, sessions * TRIALS_PER_SESSION)
    trials = collect_trials(shard_files(folder, subject), int(shape[0]))
    kept = np.array(sorted(r for r in trials if r < rows), dtype=np.int64)
    if len(kept) == 0:
        raise ConvertError(folder / "wds" / subject, f"no trial in the first {rows} rows")

    def read_session(session: int) -> np.ndarray:
        first = session * TRIALS_PER_SESSION
        wanted = kept[(kept >= first) & (kept < first + TRIALS_PER_SESSION)]
        try:
            with h5py.File(path, "r") as f:
                block = f["betas"][wanted[0] : wanted[-1] + 1]
        except OSError as error:
            raise ConvertError(path, f"betas rows {first}.. cannot be read ({error})")
        return np.asarray(block[wanted - wanted[0]], dtype=np.float32)

    return SubjectPlan(
        id=subject,
        images=np.array([trials[r].image for r in kept], dtype=np.int64),
        sessions=kept // TRIALS_PER_SESSION,
        test=np.array([trials[r].shared for r in kept]),
        voxel_count=width,
        zscored="train",
        volumes=lambda: volumes,
        read_session=read_session,
        inputs=[str(path)],
        behaviour=behaviour_columns([trials[r].behav for r in kept]),
    )


def behaviour_columns(rows: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The BEHAVIOUR columns of the kept trials' behav rows, -1 (missing) as NaN."""
    behav = np.stack(rows).astype(np.float64)
    behav[behav == -1] = np.nan
    return {name: behav[:, column] for name, column in BEHAVIOUR.items()}
