"""The app's own validators (the zod schemas in src/data), run on what the Python side writes."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def validate_dataset(folder: Path) -> subprocess.CompletedProcess:
    """npm run validate: every file of a dataset bundle, every betas chunk read."""
    return _run(["npm", "run", "-s", "validate", "--", str(folder)])


def validate_models(folder: Path, dataset: Path) -> subprocess.CompletedProcess:
    """Each model bundle in `folder` against the model schema, and whether it fits `dataset`."""
    return _run(["npx", "tsx", "models/tests/validate-models.ts", str(folder), str(dataset)])


def parity_suite(folder: Path) -> subprocess.CompletedProcess:
    """The TypeScript parity suite (test/onnxParity.test.ts: each ONNX file on its fixture, the TS
    samplers against PyTorch's) on the bundles in `folder` alone."""
    return subprocess.run(
        [
            "npx",
            "vitest",
            "run",
            "test/onnxParity.test.ts",
            "-t",
            str(folder),
            "--reporter=verbose",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MINDEYE_PARITY_DIRS": str(folder), "NO_COLOR": "1"},
    )
