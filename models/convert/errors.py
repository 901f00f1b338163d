"""The one error the converters raise for bad input: its message names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class ConvertError(Exception):
    def __init__(self, file: Path | str, message: str):
        super().__init__(f"{file}: {message}")
        self.file = str(file)


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise ConvertError(path, f"not found ({what})")
    return path
