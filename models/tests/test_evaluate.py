"""The Python metrics held to the same numbers as their TypeScript twins (src/metrics/ssim.test.ts,
pipeline.test.ts)."""
import math

import pytest
import torch

from models.metrics import pixcorr, ssim
from models.mini.sampling import blend_blurry


def image(size: int, kind: int) -> torch.Tensor:
    """The reference images of src/metrics/ssim.test.ts, [1,3,S,S]."""
    out = torch.zeros(1, 3, size, size)  # float32, as the TypeScript test builds them
    for c in range(3):
        for y in range(size):
            for x in range(size):
                if kind == 0:
                    v = (math.sin(0.3 * x + 0.2 * y + c) + 1) / 2
                elif kind == 1:
                    v = (math.sin(0.25 * x + 0.3 * y + 0.5 * c) + 1) / 2 * 0.8 + 0.1 * (
                        (x * y + c) % 7
                    ) / 7
                else:
                    v = ((x // 8 + y // 8 + c) % 2) * 0.9 + 0.05
                out[0, c, y, x] = v
    return out


@pytest.mark.parametrize(
    "size,a,b,expected",
    [
        (32, 0, 1, 0.5808847968213425),
        (32, 0, 2, -0.0648348337804467),
        (32, 1, 2, -0.05550352402384349),
        (64, 0, 1, 0.09259861065800866),
        (64, 0, 2, 0.015156387771918514),
        (64, 1, 2, 0.01205841319567803),
    ],
)
def test_ssim_matches_scikit_image(size, a, b, expected):
    assert ssim(image(size, a).numpy(), image(size, b).numpy()) == pytest.approx(expected, abs=1e-9)


def test_ssim_and_pixcorr_of_an_image_with_itself_are_one():
    x = image(32, 1).numpy()
    assert ssim(x, x) == pytest.approx(1, abs=1e-9)
    assert pixcorr(x, x) == pytest.approx(1, abs=1e-6)


def test_the_shown_image_blends_the_low_level_one_as_pipeline_ts_does():
    decoded, low_level = torch.full((1, 3, 2, 2), 67.0), torch.full((1, 3, 2, 2), 6.0)
    blended = blend_blurry(decoded, low_level, 0.25)
    assert torch.allclose(blended, torch.full((1, 3, 2, 2), 51.75))  # pipeline.test.ts
    assert torch.equal(blend_blurry(decoded, low_level, 0.0), decoded)
