"""Per-subject anatomy: a smooth random warp of the Colin27 brain onto an NSD-like functional grid,
and cortical visual ROIs cut from the Brodmann atlas.

Everything is expressed in the template's millimetre space (MNI-like, RAS) so that the functional
organisation in encoding.py can be shared by all subjects while each subject keeps its own anatomy.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from .config import Profile

# Debian's mricron-data; a machine without Debian's packages names a copy (scripts/gpu/pack.sh)
TEMPLATE_DIR = Path(os.environ.get("MINDEYE_TEMPLATE_DIR", "/usr/share/mricron/templates"))
GRAY_MATTER_T1 = 85.0  # ch2bet intensity of cortical grey matter (white matter is ~110)
# share of the mask per ROI label (V1, V2, V3+, ventral); NSD's nsdgeneral is roughly this mix
ROI_SHARES = np.array([0.21, 0.28, 0.26, 0.25])


@dataclass(frozen=True)
class Template:
    t1: np.ndarray  # float32, template grid
    brodmann: np.ndarray  # uint8 Brodmann areas
    affine: np.ndarray  # voxel -> mm
    centre_mm: np.ndarray  # centre of the brain's bounding box


@dataclass(frozen=True)
class SubjectAnatomy:
    subject: str
    t1: np.ndarray  # uint8 on the functional grid
    roi: np.ndarray  # uint8 labels 0..4 on the functional grid
    affine: np.ndarray  # functional voxel -> subject mm
    voxels: np.ndarray  # [V, 3] int grid indices of mask voxels, in C order (z fastest)
    template_mm: np.ndarray  # [V, 3] where each mask voxel sits in template space
    area: np.ndarray  # [V] ROI label of each mask voxel


# what read_template_volume reads of a NIfTI-1 header: (offset, dtype, count)
_HEADER = {
    "dim": (40, "<i2", 8),
    "datatype": (70, "<i2", 1),
    "vox_offset": (108, "<f4", 1),
    "scl_slope": (112, "<f4", 1),
    "sform_code": (254, "<i2", 1),
    "srow": (280, "<f4", 12),
}
_DATATYPES = {2: np.uint8, 4: np.int16, 16: np.float32}


def read_template_volume(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A template's voxels and voxel -> mm affine. Read here rather than with nibabel: the
    generator also runs on the GPU training machine, whose numpy 2 cannot import Debian's nibabel
    5.0. It reads the kind of file mricron-data holds (little-endian NIfTI-1, one volume, an
    sform, no intensity scaling) and refuses others."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    header = {
        k: np.frombuffer(raw, dtype, count, offset) for k, (offset, dtype, count) in _HEADER.items()
    }
    dim, datatype = header["dim"], int(header["datatype"][0])
    slope = float(header["scl_slope"][0])
    if raw[344:347] != b"n+1" or dim[0] != 3 or datatype not in _DATATYPES:
        raise ValueError(f"{path}: not a one-volume NIfTI-1 file of uint8, int16 or float32")
    if header["sform_code"][0] <= 0 or not (np.isnan(slope) or slope in (0.0, 1.0)):
        raise ValueError(f"{path}: no sform, or scaled intensities; the generator reads neither")
    shape = tuple(int(n) for n in dim[1:4])
    count = int(np.prod(shape))
    voxels = np.frombuffer(raw, _DATATYPES[datatype], count, int(header["vox_offset"][0]))
    affine = np.vstack([header["srow"].reshape(3, 4), [0, 0, 0, 1]]).astype(np.float64)
    return voxels.reshape(shape, order="F"), affine


def load_template(directory: Path = TEMPLATE_DIR) -> Template:
    for name in ("ch2bet.nii.gz", "brodmann.nii.gz"):
        if not (directory / name).exists():
            raise FileNotFoundError(
                f"{directory / name} is missing: install Debian's mricron-data package"
            )
    t1, affine = read_template_volume(directory / "ch2bet.nii.gz")
    brodmann, _ = read_template_volume(directory / "brodmann.nii.gz")
    inside = np.argwhere(t1 > 0)
    centre_vox = (inside.min(0) + inside.max(0)) / 2
    centre_mm = affine[:3, :3] @ centre_vox + affine[:3, 3]
    return Template(
        t1=t1.astype(np.float32),
        brodmann=brodmann.astype(np.uint8),
        affine=affine,
        centre_mm=centre_mm,
    )


def functional_affine(profile: Profile) -> np.ndarray:
    """Voxel -> mm for the functional grid, centred on the origin (the brain's centre)."""
    affine = np.diag([profile.voxel_mm] * 3 + [1.0])
    affine[:3, 3] = -(np.array(profile.grid) - 1) / 2 * profile.voxel_mm
    return affine


def _random_warp(rng: np.random.Generator, grid: tuple[int, int, int], voxel_mm: float):
    """A smooth map from functional mm to template mm: random affine plus a smooth displacement."""
    scale = rng.uniform(0.93, 1.07, size=3)
    angles = rng.normal(0, np.deg2rad(3), size=3)
    cx, cy, cz = np.cos(angles)
    sx, sy, sz = np.sin(angles)
    rot = (
        np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
        @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
        @ np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    )
    linear = rot @ np.diag(1 / scale)  # a larger subject brain samples a smaller template region
    shift = rng.normal(0, 2.0, size=3)
    # displacement: coarse random control points (one per ~25 mm), smoothly upsampled
    control = [max(2, round(n * voxel_mm / 25)) for n in grid]
    displacement = np.stack(
        [
            ndimage.zoom(
                rng.normal(0, 2.5, size=control),
                [g / c for g, c in zip(grid, control)],
                order=3,
                mode="nearest",
            )[: grid[0], : grid[1], : grid[2]]
            for _ in range(3)
        ]
    )
    return linear, shift, displacement


def make_subject(template: Template, profile: Profile, subject: str) -> SubjectAnatomy:
    index = int(subject[-2:])
    rng = np.random.default_rng([profile.seed, 1, index])
    affine = functional_affine(profile)
    grid = profile.grid
    linear, shift, displacement = _random_warp(rng, grid, profile.voxel_mm)

    ijk = np.indices(grid, dtype=np.float32).reshape(3, -1)
    subject_mm = affine[:3, :3] @ ijk + affine[:3, 3:4]
    template_mm = (
        linear @ subject_mm
        + shift[:, None]
        + displacement.reshape(3, -1)
        + template.centre_mm[:, None]
    )
    template_vox = np.linalg.inv(template.affine)[:3] @ np.vstack(
        [template_mm, np.ones_like(ijk[:1])]
    )

    t1 = ndimage.map_coordinates(template.t1, template_vox, order=1, cval=0).reshape(grid)
    brodmann = ndimage.map_coordinates(template.brodmann, template_vox, order=0, cval=0).reshape(
        grid
    )
    template_mm = template_mm.T.reshape(*grid, 3)

    roi = _cortical_rois(t1, brodmann, template_mm, profile, rng)
    voxels = np.argwhere(roi > 0)  # argwhere enumerates in C order: z fastest
    return SubjectAnatomy(
        subject=subject,
        t1=np.clip(np.round(t1), 0, 255).astype(np.uint8),
        roi=roi,
        affine=affine,
        voxels=voxels,
        template_mm=template_mm[tuple(voxels.T)].astype(np.float32),
        area=roi[tuple(voxels.T)],
    )


def _cortical_rois(
    t1: np.ndarray,
    brodmann: np.ndarray,
    template_mm: np.ndarray,
    profile: Profile,
    rng: np.random.Generator,
) -> np.ndarray:
    """Label V1 (BA17), V2 (BA18), V3+ (posterior BA19) and ventral (posterior BA37/BA20).

    Whole Brodmann areas at 1.8 mm hold ~46k voxels, three times NSD's nsdgeneral; we keep the
    grey-matter ribbon (voxels whose T1 is closest to grey matter) up to each label's share of a
    per-subject total, so subjects differ in size as NSD's do.
    """
    y, z = template_mm[..., 1], template_mm[..., 2]
    candidates = [
        brodmann == 17,
        brodmann == 18,
        (brodmann == 19) & (y < -68),
        ((brodmann == 37) | (brodmann == 20)) & (y < -45) & (z < 0),
    ]
    low, high = profile.mask_voxels
    total = rng.uniform(low, high)
    shares = ROI_SHARES * rng.uniform(0.85, 1.15, size=4)
    targets = np.round(total * shares / shares.sum()).astype(int)
    ribbon = -np.abs(t1 - GRAY_MATTER_T1) + ndimage.gaussian_filter(rng.normal(0, 8, t1.shape), 1.0)
    inside_brain = t1 > 40
    roi = np.zeros(t1.shape, np.uint8)
    for label, (candidate, target) in enumerate(zip(candidates, targets), start=1):
        index = np.flatnonzero(candidate & inside_brain & (roi == 0))
        keep = index[np.argsort(-ribbon.flat[index], kind="stable")[:target]]
        roi.flat[keep] = label
    return roi
