"""NIfTI input: 3-D volumes read whole (anatomy, ROI) and 4-D betas read a block of trials at a
time from one sequential pass over the (gzipped) file, so a 1 GB session never sits in memory.

A mask's voxels are enumerated in numpy C order of the nibabel array (k fastest): the order of
MindEye2's files, declared in the bundle as `voxelOrder: "c"`."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import nibabel as nib
import numpy as np

from .errors import ConvertError, require_file

READ_ERRORS = (EOFError, OSError, ValueError, zlib.error, nib.filebasedimages.ImageFileError)


@dataclass(frozen=True)
class Grid:
    file: Path
    shape: tuple[int, int, int]
    affine: np.ndarray

    @property
    def voxel_size(self) -> tuple[float, float, float]:
        sizes = np.sqrt((self.affine[:3, :3] ** 2).sum(0))
        return tuple(round(float(s), 4) for s in sizes)  # type: ignore[return-value]

    def check_same(self, other: Grid) -> None:
        if self.shape != other.shape or not np.allclose(self.affine, other.affine, atol=1e-4):
            raise ConvertError(
                other.file,
                f"not on the grid of {self.file}: dims {'x'.join(map(str, other.shape))} vs "
                f"{'x'.join(map(str, self.shape))}, affine {other.affine[:3].round(3).tolist()} vs "
                f"{self.affine[:3].round(3).tolist()}",
            )


def load_volume(path: Path, what: str) -> tuple[np.ndarray, Grid]:
    """A 3-D volume and its grid; a missing, truncated or 4-D file is refused naming the file."""
    require_file(path, what)
    try:
        image = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except READ_ERRORS as error:
        raise ConvertError(path, f"not a readable NIfTI file, truncated or corrupt ({error})")
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise ConvertError(path, f"expected a 3-D volume ({what}), got shape {data.shape}")
    shape = (int(data.shape[0]), int(data.shape[1]), int(data.shape[2]))
    return data, Grid(path, shape, image.affine)


def mask_columns(mask: np.ndarray) -> np.ndarray:
    """Positions, in a volume's NIfTI (Fortran) storage order, of the mask voxels enumerated in
    numpy C order: `volume_bytes_as_flat_array[mask_columns(mask)] == volume[mask]`."""
    return np.ravel_multi_index(np.nonzero(mask), mask.shape, order="F")


class NiftiTrials:
    """A 4-D NIfTI file [X, Y, Z, trials] read front to back, a block of trials at a time."""

    def __init__(self, path: Path, what: str):
        self.path = require_file(path, what)
        with self._open() as stream:
            try:
                header = nib.Nifti1Header.from_fileobj(stream)
            except READ_ERRORS as error:
                raise ConvertError(path, f"not a NIfTI-1 file, truncated or corrupt ({error})")
        shape = header.get_data_shape()
        if len(shape) != 4:
            raise ConvertError(path, f"expected a 4-D volume of trials ({what}), got shape {shape}")
        self.header = header
        self.shape: tuple[int, int, int, int] = tuple(int(n) for n in shape)  # type: ignore
        self.dtype = header.get_data_dtype()
        self.offset = int(header.get_data_offset())
        slope, inter = header.get_slope_inter()
        self.slope = 1.0 if slope is None else float(slope)
        self.inter = 0.0 if inter is None else float(inter)
        self.grid = Grid(path, self.shape[:3], header.get_best_affine())

    @property
    def trials(self) -> int:
        return self.shape[3]

    def _open(self) -> BinaryIO:
        raw = open(self.path, "rb")
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        raw.seek(0)
        return raw

    def blocks(self, columns: np.ndarray, block_trials: int) -> Iterator[np.ndarray]:
        """[n, len(columns)] float32 per block of n <= block_trials trials, in trial order, scaled
        by the header's slope and intercept."""
        volume_values = self.shape[0] * self.shape[1] * self.shape[2]
        volume_bytes = volume_values * self.dtype.itemsize
        with self._open() as stream:
            try:
                stream.read(self.offset)
                for start in range(0, self.trials, block_trials):
                    n = min(block_trials, self.trials - start)
                    data = stream.read(n * volume_bytes)
                    if len(data) < n * volume_bytes:
                        whole = start + len(data) // volume_bytes
                        raise ConvertError(
                            self.path,
                            f"truncated: holds {whole} whole trial volumes of the {self.trials} "
                            "its header declares",
                        )
                    values = np.frombuffer(data, self.dtype).reshape(n, volume_values)
                    out = values[:, columns].astype(np.float32)
                    if self.slope not in (0.0, 1.0) or self.inter != 0.0:
                        out = out * np.float32(self.slope) + np.float32(self.inter)
                    yield out
            except READ_ERRORS as error:
                raise ConvertError(self.path, f"truncated or corrupt ({error})")
