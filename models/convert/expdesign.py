"""NSD's experimental design, nsddata/experiments/nsd/nsd_expdesign.mat: which of the 73k images
each trial of each subject showed. All of the file's indices are 1-based."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from .errors import ConvertError, require_file

KEYS = ("masterordering", "subjectim", "sharedix")
SHARED = 1000  # masterordering values 1..1000 are the shared images, the test split


@dataclass(frozen=True)
class Design:
    file: Path
    masterordering: np.ndarray  # [30000] 1-based indices into a subject's 10000 images
    subjectim: np.ndarray  # [8, 10000] 1-based 73k ids
    sharedix: np.ndarray  # [1000] 1-based 73k ids

    def trial_images(self, subject: int, trials: int) -> tuple[np.ndarray, np.ndarray]:
        """The 0-based 73k index and whether it is shared (test) of the first `trials` trials of a
        subject (1-based subject number, as in subjXX)."""
        if trials > len(self.masterordering):
            raise ConvertError(
                self.file,
                f"masterordering has {len(self.masterordering)} trials, {trials} are needed",
            )
        if not 1 <= subject <= self.subjectim.shape[0]:
            raise ConvertError(self.file, f"subjectim has no row for subject {subject}")
        order = self.masterordering[:trials]
        ids = self.subjectim[subject - 1, order - 1]  # both 1-based
        return ids.astype(np.int64) - 1, order <= SHARED


def load_design(path: Path) -> Design:
    require_file(path, "NSD's experimental design")
    try:
        values = scipy.io.loadmat(str(path), variable_names=KEYS)
    except NotImplementedError:  # a v7.3 .mat is HDF5, its arrays transposed
        values = _load_v73(path)
    except (ValueError, OSError, TypeError) as error:
        raise ConvertError(path, f"not a readable MATLAB file ({error})")
    missing = [k for k in KEYS if k not in values]
    if missing:
        raise ConvertError(path, f"has no {', '.join(missing)}")
    master = np.asarray(values["masterordering"]).astype(np.int64).ravel()
    subjectim = np.asarray(values["subjectim"]).astype(np.int64)
    sharedix = np.asarray(values["sharedix"]).astype(np.int64).ravel()
    if subjectim.ndim != 2 or subjectim.shape[1] < SHARED:
        raise ConvertError(path, f"subjectim has shape {subjectim.shape}, expected [8, 10000]")
    if master.min() < 1 or master.max() > subjectim.shape[1]:
        raise ConvertError(
            path,
            f"masterordering holds {master.min()}..{master.max()}, outside subjectim's "
            f"1..{subjectim.shape[1]} (indices are 1-based)",
        )
    if subjectim.min() < 1 or subjectim.max() > 73000:
        raise ConvertError(path, "subjectim holds ids outside 1..73000 (73k ids are 1-based)")
    shared = set(sharedix.tolist())
    for s, row in enumerate(subjectim):
        if set(row[:SHARED].tolist()) != shared:
            raise ConvertError(
                path, f"subjectim row {s + 1}: its first {SHARED} images are not sharedix"
            )
    return Design(path, master, subjectim, sharedix)


def _load_v73(path: Path) -> dict[str, np.ndarray]:
    import h5py

    with h5py.File(path, "r") as f:
        return {k: np.asarray(f[k]).T for k in KEYS if k in f}
