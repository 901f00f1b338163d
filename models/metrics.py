"""MindEye2 Table 1's metrics, defined exactly as the app's (src/metrics/): PixCorr, SSIM, two-way
identification and top-1 retrieval, with the same similarities, the same ties and, for retrieval,
the same random sets for the same seed. models/tests/test_metrics_parity.py holds the two to the
same numbers on a fixed case.

The ranking metrics sum in float64 one row at a time (not through a matrix product, whose blocking
may round two equal rows differently), so two equal candidates tie here exactly as in TypeScript."""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MASK32 = 0xFFFFFFFF


def pixcorr(recon: np.ndarray, true: np.ndarray) -> float:
    """Pearson's r between each reconstruction and its image over all their values (0 when either
    is constant), averaged over images. recon and true: [n, ...], one image per row."""
    a = recon.reshape(len(recon), -1).astype(np.float64)
    b = true.reshape(len(true), -1).astype(np.float64)
    a, b = a - a.mean(1, keepdims=True), b - b.mean(1, keepdims=True)
    variances = (a * a).sum(1) * (b * b).sum(1)
    r = np.divide((a * b).sum(1), np.sqrt(variances), out=np.zeros(len(a)), where=variances > 0)
    return float(r.mean())


def ssim(recon: np.ndarray, true: np.ndarray, sigma: float = 1.5) -> float:
    """Mean SSIM of [n, 3, S, S] pairs in [0, 1]: scikit-image's gaussian SSIM on rgb2gray
    luminance, population covariance, the window radius cropped at the border. With the border
    cropped, the kept pixels' windows never reach outside the image, so no padding is needed."""
    radius = int(3.5 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    gray = np.array([0.2125, 0.7154, 0.0721])
    x = np.einsum("nchw,c->nhw", recon.astype(np.float64), gray)
    y = np.einsum("nchw,c->nhw", true.astype(np.float64), gray)

    def blur(v: np.ndarray) -> np.ndarray:  # separable, 'valid': the cropped border never computed
        rows = sliding_window_view(v, len(taps), axis=2) @ taps
        return sliding_window_view(rows, len(taps), axis=1) @ taps

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    score = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(score.mean())


def two_way_identification(recon: np.ndarray, true: np.ndarray) -> float:
    """For each reconstruction i, the fraction of the other images j whose features correlate less
    with its features than image i's do (Pearson, strict '>', a constant row correlates 0),
    averaged over i. recon and true: [n, dim], row i of each about image i. Chance is 0.5."""
    n = len(true)
    if recon.shape != true.shape or n < 2:
        raise ValueError(f"two-way identification of {recon.shape} against {true.shape}")
    recon, true = _standardized(recon), _standardized(true)
    scores = []
    for i in range(n):
        correlations = (true * recon[i]).sum(1)
        scores.append((np.delete(correlations, i) < correlations[i]).sum() / (n - 1))
    return float(np.mean(scores))


def retrieval_accuracy(
    brain: np.ndarray, images: np.ndarray, pool: int = 300, draws: int = 30, seed: int = 0
) -> dict[str, float]:
    """Top-1 retrieval among `pool` random test samples, averaged over `draws` random sets (MindEye2
    Table 1). image: is row i's own image the most cosine-similar of the set's images to brain
    vector i; brain: the same the other way. A tie counts as a miss: a model that scores every
    candidate the same has retrieved nothing. brain and images: [n, dim], row i about image i."""
    if brain.shape != images.shape:
        raise ValueError(f"{len(brain)} brain vectors for {len(images)} images")
    n = len(brain)
    pool = min(pool, n)
    a, b = _unit_rows(brain), _unit_rows(images)
    # as cosineSimilarities: float64 sums of float32 products, stored as float32
    similarities = np.stack([(b * a[i]).sum(1) for i in range(n)]).astype(np.float32)
    uniform = uniform_generator(seed)
    image, brain_scores = [], []
    for _ in range(draws):
        picks = sample_without_replacement(n, pool, uniform)
        chosen = similarities[np.ix_(picks, picks)]
        image.append(_top1(chosen))
        brain_scores.append(_top1(chosen.T))
    return {"image": float(np.mean(image)), "brain": float(np.mean(brain_scores)), "poolSize": pool}


def _top1(similarities: np.ndarray) -> float:
    """The fraction of rows whose diagonal entry is larger than every other entry of the row."""
    own = similarities.diagonal()
    others = similarities.copy()
    np.fill_diagonal(others, -np.inf)
    return float(np.mean(own > others.max(1)))


def _standardized(matrix: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to unit length (all zero when constant), in float64."""
    rows = matrix.astype(np.float64)
    centred = rows - rows.mean(1, keepdims=True)
    norms = np.sqrt((centred * centred).sum(1, keepdims=True))
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """As normalizeRows: float32 rows scaled to unit length (a zero row stays zero)."""
    rows = matrix.astype(np.float32).astype(np.float64)
    norms = (rows * rows).sum(1, keepdims=True)
    scale = np.divide(1, np.sqrt(norms), out=np.zeros_like(norms), where=norms > 0)
    return (rows * scale).astype(np.float32).astype(np.float64)


def uniform_generator(seed: int) -> Callable[[], float]:
    """src/inference/random.ts's mulberry32: uniform in [0, 1), the app's sequence for a seed."""
    state = seed & MASK32

    def uniform() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK32
        z = state
        z = ((z ^ (z >> 15)) * (z | 1)) & MASK32
        z ^= (z + (((z ^ (z >> 7)) * (z | 61)) & MASK32)) & MASK32
        return ((z ^ (z >> 14)) & MASK32) / 4294967296

    return uniform


def sample_without_replacement(n: int, k: int, uniform: Callable[[], float]) -> list[int]:
    """random.ts's partial Fisher-Yates shuffle: `k` distinct indices of 0..n-1."""
    if k > n:
        raise ValueError(f"cannot draw {k} of {n} without replacement")
    pool = list(range(n))
    for i in range(k):
        j = i + int(uniform() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]
