"""models/metrics.py gives the app's numbers (src/metrics) on the case metrics-parity.ts wrote, ties
included; vitest holds the TypeScript side to the same file (src/metrics/metricsParity.test.ts)."""
import json
from pathlib import Path

import numpy as np
import pytest

from models.metrics import pixcorr, retrieval_accuracy, ssim, two_way_identification

CASE = json.loads((Path(__file__).parent / "fixtures" / "metrics-parity.json").read_text())


def float32(values: list) -> np.ndarray:
    return np.array(values, dtype=np.float32)


@pytest.mark.parametrize("case", CASE["retrieval"]["cases"], ids=lambda c: str(c["options"]))
def test_retrieval_is_cosine_with_ties_as_misses_over_the_same_random_sets(case):
    brain, images = float32(CASE["retrieval"]["brain"]), float32(CASE["retrieval"]["images"])
    options = case["options"]
    got = retrieval_accuracy(brain, images, options["poolSize"], options["draws"], options["seed"])
    assert got == pytest.approx(case["expected"], abs=1e-12)


def test_the_case_holds_the_ties_that_decide_the_definition():
    """Correlation instead of cosine, or ties as hits, would change these numbers: brain 3 and 7 tie
    (their images are equal) and brain 5 (zero) ties with every image."""
    brain, images = float32(CASE["retrieval"]["brain"]), float32(CASE["retrieval"]["images"])
    assert np.array_equal(images[3], images[7]) and not brain[5].any()
    full = retrieval_accuracy(brain, images, 300, 1)
    brain[5] = images[5]
    images[7] += 1e-3  # breaks the tie between brain 3 and 7
    assert retrieval_accuracy(brain, images, 300, 1)["image"] > full["image"]


def test_two_way_identification_is_pearson_with_a_strict_win():
    got = two_way_identification(float32(CASE["twoWay"]["recon"]), float32(CASE["twoWay"]["truth"]))
    assert got == pytest.approx(CASE["twoWay"]["expected"], abs=1e-12)


def test_pixcorr_and_ssim():
    case = CASE["images"]
    shape = (-1, 3, case["size"], case["size"])
    recon, truth = float32(case["recon"]).reshape(shape), float32(case["truth"]).reshape(shape)
    assert pixcorr(recon, truth) == pytest.approx(case["pixCorr"], abs=1e-9)
    assert ssim(recon, truth) == pytest.approx(case["ssim"], abs=1e-9)
