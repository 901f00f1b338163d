"""NSD's own files: betas_sessionNN.nii.gz (int16, percent signal change x 300), divided by 300
and z-scored per voxel within each session, masked by nsdgeneral, images from the design file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConvertError
from .expdesign import load_design
from .subject import (
    TRIALS_PER_SESSION,
    SubjectPlan,
    func_folder,
    nsd_volumes,
    subject_number,
)
from .volumes import NiftiTrials, mask_columns

BETAS_VERSION = "betas_fithrf_GLMdenoise_RR"
PSC_SCALE = 300.0  # NSD stores percent signal change x 300 as int16
BLOCK_TRIALS = 50  # trials read at once: 50 x 81 x 104 x 83 int16 = 70 MB


def design_path(nsd_root: Path) -> Path:
    return nsd_root / "nsddata" / "experiments" / "nsd" / "nsd_expdesign.mat"


def stimuli_path(nsd_root: Path) -> Path:
    return nsd_root / "nsddata_stimuli" / "stimuli" / "nsd" / "nsd_stimuli.hdf5"


def betas_path(nsd_root: Path, subject: str, session: int, version: str) -> Path:
    folder = nsd_root / "nsddata_betas" / "ppdata" / subject / "func1pt8mm" / version
    return folder / f"betas_session{session:02d}.nii.gz"


def zscore(values: np.ndarray) -> np.ndarray:
    """Per column over rows, in place (float32, statistics in float64); a constant column (a voxel
    outside NSD's brain mask) becomes 0."""
    mean = values.mean(0, dtype=np.float64)
    std = values.std(0, dtype=np.float64)
    values -= mean.astype(np.float32)
    values /= np.where(std > 0, std, np.inf).astype(np.float32)
    return values


def nsd_subject(nsd_root: Path, subject: str, sessions: int, version: str) -> SubjectPlan:
    number = subject_number(subject)
    volumes = nsd_volumes(nsd_root, subject)
    columns = mask_columns(volumes.mask)
    if len(columns) == 0:
        raise ConvertError(
            func_folder(nsd_root, subject) / "roi" / "nsdgeneral.nii.gz", "has no voxel labelled 1"
        )
    files = [betas_path(nsd_root, subject, s + 1, version) for s in range(sessions)]
    for session, path in enumerate(files):  # every session is there and fits, before writing
        betas = NiftiTrials(path, f"{subject}'s betas of session {session + 1}")
        volumes.grid.check_same(betas.grid)
        if betas.trials != TRIALS_PER_SESSION:
            raise ConvertError(
                path, f"holds {betas.trials} trials, an NSD session has {TRIALS_PER_SESSION}"
            )
    design = load_design(design_path(nsd_root))
    images, test = design.trial_images(number, sessions * TRIALS_PER_SESSION)

    def read_session(session: int) -> np.ndarray:
        reader = NiftiTrials(files[session], "betas")
        values = np.empty((reader.trials, len(columns)), np.float32)
        start = 0
        for block in reader.blocks(columns, BLOCK_TRIALS):
            values[start : start + len(block)] = block
            start += len(block)
        values /= np.float32(PSC_SCALE)
        return zscore(values)

    return SubjectPlan(
        id=subject,
        images=images,
        sessions=np.arange(len(images)) // TRIALS_PER_SESSION,
        test=test,
        voxel_count=len(columns),
        zscored="session",
        volumes=lambda: volumes,
        read_session=read_session,
        inputs=[str(p) for p in files] + [str(design.file)],
    )
