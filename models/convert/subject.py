"""What a converter needs to know about one subject, whatever the source: the trials it keeps (one
betas row each, in acquisition order), its volumes, and a reader of one session's betas."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .volumes import Grid, load_volume

TRIALS_PER_SESSION = 750  # every NSD session: 12 runs, 750 trials
SUBJECT_SESSIONS = {f"subj{i + 1:02d}": n for i, n in enumerate((40, 40, 32, 30, 40, 32, 40, 30))}
MASK_LABEL = 1  # nsdgeneral: voxels labelled 1 make up the vector; 0 and -1 are outside


@dataclass
class Volumes:
    anatomy: np.ndarray
    roi: np.ndarray  # uint8, MASK_LABEL inside nsdgeneral, 0 elsewhere
    grid: Grid

    @property
    def mask(self) -> np.ndarray:
        return self.roi == MASK_LABEL


@dataclass
class SubjectPlan:
    id: str
    images: np.ndarray  # [rows] 0-based 73k index of each kept trial
    sessions: np.ndarray  # [rows] 0-based session (NSD's session 1 is 0), non-decreasing
    test: np.ndarray  # [rows] bool: a shared1000 image
    voxel_count: int
    zscored: str  # "session" or "train", as the bundle's betas.zscored
    volumes: Callable[[], Volumes]
    read_session: Callable[[int], np.ndarray]  # session -> [its rows, voxel_count] float32
    inputs: list[str] = field(default_factory=list)
    # per-trial behaviour where the source has it: column name -> [rows] float, NaN = missing
    behaviour: dict[str, np.ndarray] = field(default_factory=dict)

    def session_rows(self) -> list[tuple[int, int, int]]:
        """(session, first row, end row) of each session that has rows."""
        sessions, starts = np.unique(self.sessions, return_index=True)
        ends = list(starts[1:]) + [len(self.sessions)]
        return [(int(s), int(a), int(b)) for s, a, b in zip(sessions, starts, ends)]


def subject_number(subject: str) -> int:
    if subject not in SUBJECT_SESSIONS:
        raise ValueError(f"unknown subject {subject!r}: NSD's are subj01..subj08")
    return int(subject[4:])


def func_folder(nsd_root: Path, subject: str) -> Path:
    return nsd_root / "nsddata" / "ppdata" / subject / "func1pt8mm"


def nsd_volumes(nsd_root: Path, subject: str) -> Volumes:
    """T1_to_func1pt8mm as anatomy and nsdgeneral as the ROI, checked to share one grid."""
    folder = func_folder(nsd_root, subject)
    roi, grid = load_volume(folder / "roi" / "nsdgeneral.nii.gz", "the nsdgeneral ROI")
    anatomy, anatomy_grid = load_volume(folder / "T1_to_func1pt8mm.nii.gz", "the anatomy")
    grid.check_same(anatomy_grid)
    if anatomy.dtype not in (np.uint8, np.int16, np.uint16, np.int32, np.float32):
        anatomy = anatomy.astype(np.float32)
    labels = (np.round(roi) == MASK_LABEL).astype(np.uint8) * MASK_LABEL
    return Volumes(anatomy, labels, grid)
