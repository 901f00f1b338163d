"""Stimulus images from either HDF5 file: NSD's nsd_stimuli.hdf5 (`imgBrick`, [73000, 425, 425, 3]
uint8) or MindEye2's coco_images_224_float16.hdf5 (`images`, [73000, 3, 224, 224] float16 in
[0, 1]). Images are read one at a time by 0-based 73k index."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .errors import ConvertError, require_file


class Stimuli:
    def __init__(self, path: Path):
        self.path = require_file(path, "stimulus images")
        try:
            self.file = h5py.File(path, "r")
        except OSError as error:
            raise ConvertError(path, f"not a readable HDF5 file ({error})")
        if "imgBrick" in self.file:
            self.key, self.channels_first = "imgBrick", False
        elif "images" in self.file:
            self.key, self.channels_first = "images", True
        else:
            raise ConvertError(
                path,
                f"has no dataset imgBrick or images (it holds {', '.join(self.file) or 'none'})",
            )
        self.data = self.file[self.key]
        shape = self.data.shape
        colour_axis = 1 if self.channels_first else 3
        if len(shape) != 4 or shape[colour_axis] != 3:
            what = "[N, 3, H, W]" if self.channels_first else "[N, H, W, 3]"
            raise ConvertError(path, f"{self.key} has shape {list(shape)}, expected {what}")

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def check_covers(self, indices: np.ndarray) -> None:
        if len(indices) and int(indices.max()) >= len(self):
            raise ConvertError(
                self.path,
                f"{self.key} holds {len(self)} images; image index {int(indices.max())} is needed",
            )

    def pixels(self, index: int) -> np.ndarray:
        """[H, W, 3] uint8."""
        try:
            image = np.asarray(self.data[index])
        except OSError as error:
            raise ConvertError(self.path, f"{self.key}[{index}] cannot be read ({error})")
        if self.channels_first:
            image = image.transpose(1, 2, 0)
        if image.dtype != np.uint8:
            image = np.round(np.clip(image.astype(np.float32), 0, 1) * 255).astype(np.uint8)
        return np.ascontiguousarray(image)

    def close(self) -> None:
        self.file.close()
