"""The voxel-wise encoding model with known ground truth.

Shared organisation (all subjects): pRFs of V1/V2/V3+ voxels follow an approximate retinotopic map
of the calcarine cortex in template space, and ventral voxels carry category-selective patches
placed in template space. Each subject adds its own anatomy (through its warp), gains, tunings and
noise. Responses: early voxels pool contrast energy (compressively, as in Kay et al.'s CSS model),
luminance and colour opponency inside their pRF; ventral voxels weigh the scene's semantic content.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .anatomy import SubjectAnatomy
from .config import STIMULUS_DEG, Profile
from .stimuli import ANIMATE, CATEGORY_NAMES

FEATURE_PX = 32  # low-level feature maps are pooled on a 32 x 32 grid over the stimulus
LOW_LEVEL = ("contrast", "luminance", "red_green", "blue_yellow")
CONTRAST_EXPONENT = 0.5  # compressive spatial summation
OCCIPITAL_POLE_Y = -104.0  # template mm
# eccentricity = E0 * (exp(d / K) - 1) for d mm anterior of the pole (log-polar cortical
# magnification)
ECC_E0, ECC_K = 0.5, 20.0
SIZE_SLOPE = {1: 0.12, 2: 0.2, 3: 0.35}  # pRF size grows with eccentricity, more in later areas
SNR_BY_AREA = np.array([0.0, 0.42, 0.38, 0.34, 0.32])
SEMANTIC_SHARE = {1: 0.0, 2: 0.05, 3: 0.3, 4: 0.85}  # share of semantic drive per area
ENCODING_COLUMNS = (
    "prf_x",
    "prf_y",
    "prf_sigma",
    "w_contrast",
    "w_luminance",
    "w_red_green",
    "w_blue_yellow",
    "ncsnr",
    "area",
) + tuple(f"cat:{c}" for c in CATEGORY_NAMES)


def low_level_maps(images: np.ndarray) -> np.ndarray:
    """uint8 [n, S, S, 3] -> float32 [n, 4, FEATURE_PX, FEATURE_PX]: contrast energy, luminance,
    red-green and blue-yellow opponency, each averaged over blocks of the image."""
    rgb = images.astype(np.float32) / 255
    luminance = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    gx = np.diff(luminance, axis=2, append=luminance[:, :, -1:])
    gy = np.diff(luminance, axis=1, append=luminance[:, -1:, :])
    scale = images.shape[1] / 64  # gradients per pixel shrink as resolution grows
    channels = [
        (gx**2 + gy**2) * scale**2,
        luminance,
        rgb[..., 0] - rgb[..., 1],
        rgb[..., 2] - (rgb[..., 0] + rgb[..., 1]) / 2,
    ]
    n, size = images.shape[0], images.shape[1]
    block = size // FEATURE_PX
    return np.stack(
        [c.reshape(n, FEATURE_PX, block, FEATURE_PX, block).mean((2, 4)) for c in channels], axis=1
    ).astype(np.float32)


def semantic_features(scene: dict) -> np.ndarray:
    """Per category the summed sqrt(area) of its objects (size-tolerant), then animacy, an outdoor
    flag and the number of objects."""
    categories = np.zeros(len(CATEGORY_NAMES), np.float32)
    for obj in scene["objects"]:
        categories[CATEGORY_NAMES.index(obj["category"])] += obj["size"]
    animate = sum(categories[CATEGORY_NAMES.index(c)] for c in ANIMATE)
    outdoor = float(scene["background"]["kind"] == "sky and ground")
    return np.concatenate([categories, [animate, outdoor, len(scene["objects"]) / 3]]).astype(
        np.float32
    )


N_SEMANTIC = len(CATEGORY_NAMES) + 3


def _visual_field_grid() -> tuple[np.ndarray, np.ndarray]:
    centres = ((np.arange(FEATURE_PX) + 0.5) / FEATURE_PX - 0.5) * STIMULUS_DEG
    x = np.tile(centres, FEATURE_PX)  # row-major: x varies fastest
    y = np.repeat(-centres, FEATURE_PX)  # image rows run downwards, visual y upwards
    return x, y


def retinotopy(anatomy: SubjectAnatomy, rng: np.random.Generator) -> np.ndarray:
    """[V, 3] pRF x, y and sigma in degrees from each voxel's template position.

    Contralateral hemifield; upper field on the lower bank of the calcarine sulcus; V1/V2 border on
    the vertical meridian and V2/V3 border on the horizontal one; eccentricity rising anteriorly.
    Ventral voxels get large, near-foveal pRFs.
    """
    x, y, z = anatomy.template_mm.T
    area = anatomy.area
    v1 = area == 1
    # the calcarine fundus: median height of V1 along the posterior-anterior axis, per hemisphere
    calcarine = np.zeros_like(z)
    for left in (True, False):
        side = (x < 0) == left
        bins = np.round(y[v1 & side] / 4)
        for b in np.unique(bins):
            calcarine[side & (np.round(y / 4) == b)] = np.median(z[v1 & side][bins == b])
        missing = side & (calcarine == 0)
        if missing.any():  # anterior of V1's extent: use its most anterior height
            calcarine[missing] = np.median(z[v1 & side][bins == bins.max()])
    above = z - calcarine
    half_width = np.percentile(np.abs(above[v1]), 90) + 1e-3
    depth = np.abs(above)
    polar = np.select(  # |polar angle| from the horizontal meridian, degrees
        [area == 1, area == 2, area == 3],
        [
            90 * np.clip(depth / half_width, 0, 1),
            90 * np.clip(1 - (depth - half_width) / half_width, 0, 1),
            90 * np.clip((depth - 2 * half_width) / half_width, 0, 1),
        ],
        default=0.0,
    )
    polar = np.deg2rad(np.clip(polar + rng.normal(0, 8, len(x)), 0, 90))
    distance = np.clip(y - OCCIPITAL_POLE_Y, 0, None) + rng.normal(0, 2, len(x))
    eccentricity = np.clip(ECC_E0 * (np.exp(distance / ECC_K) - 1), 0.1, 20)
    prf_x = np.where(x < 0, 1, -1) * eccentricity * np.cos(polar)
    prf_y = np.where(above > 0, -1, 1) * eccentricity * np.sin(polar)
    slope = np.select(
        [area == 1, area == 2, area == 3], [SIZE_SLOPE[1], SIZE_SLOPE[2], SIZE_SLOPE[3]], 0
    )
    sigma = (0.3 + slope * eccentricity) * np.exp(rng.normal(0, 0.15, len(x)))
    ventral = area == 4
    prf_x[ventral] = rng.normal(0, 1.0, ventral.sum())
    prf_y[ventral] = rng.normal(-0.5, 1.0, ventral.sum())
    sigma[ventral] = rng.uniform(2.5, 4.5, ventral.sum())
    return np.stack([prf_x, prf_y, sigma], 1).astype(np.float32)


def category_patches(seed: int) -> np.ndarray:
    """[categories, 3] template-space centres (right hemisphere; mirrored for the left): animate
    categories lateral on the fusiform, inanimate and places medial, as in human ventral cortex."""
    rng = np.random.default_rng([seed, 5])
    lateral = np.array([c in ANIMATE for c in CATEGORY_NAMES])
    x = np.where(lateral, rng.uniform(38, 48, len(lateral)), rng.uniform(24, 34, len(lateral)))
    return np.stack([x, rng.uniform(-78, -50, len(lateral)), rng.uniform(-22, -6, len(lateral))], 1)


@dataclass(frozen=True)
class SubjectEncoder:
    prf: np.ndarray  # [V, 3]
    pooling: np.ndarray  # [FEATURE_PX**2, V] pRF weights (fraction of each pRF's mass per pixel)
    low_weights: np.ndarray  # [V, 4]
    semantic_weights: np.ndarray  # [N_SEMANTIC, V]
    semantic_share: np.ndarray  # [V]
    ncsnr: np.ndarray  # [V] true signal-to-noise (signal sd over noise sd)
    mean: np.ndarray  # [V] calibration statistics of the raw drive
    sd: np.ndarray
    noise_basis: np.ndarray  # [R, V] spatially smooth noise components

    def drive(self, maps: np.ndarray, semantics: np.ndarray) -> np.ndarray:
        """Raw response [n, V] to images given their low-level maps and semantic features."""
        n = maps.shape[0]
        pooled = (maps.reshape(n * 4, -1) @ self.pooling).reshape(n, 4, -1)
        pooled[:, 0] = np.clip(pooled[:, 0], 0, None) ** CONTRAST_EXPONENT
        low = np.einsum("ncv,vc->nv", pooled, self.low_weights)
        semantic = semantics @ self.semantic_weights
        return (1 - self.semantic_share) * low + self.semantic_share * semantic

    def signal(self, maps: np.ndarray, semantics: np.ndarray) -> np.ndarray:
        """Noise-free response [n, V] in units of the noise sd."""
        return (self.drive(maps, semantics) - self.mean) / self.sd * self.ncsnr

    def encoding_table(self, area: np.ndarray) -> np.ndarray:
        """[V, len(ENCODING_COLUMNS)] ground truth for the bundle."""
        low = self.low_weights * (1 - self.semantic_share)[:, None]
        semantic = self.semantic_weights[: len(CATEGORY_NAMES)].T * self.semantic_share[:, None]
        return np.concatenate(
            [self.prf, low, self.ncsnr[:, None], area[:, None].astype(np.float32), semantic], 1
        ).astype(np.float32)


def make_encoder(
    anatomy: SubjectAnatomy,
    profile: Profile,
    calibration_maps: np.ndarray,
    calibration_semantics: np.ndarray,
) -> SubjectEncoder:
    index = int(anatomy.subject[-2:])
    rng = np.random.default_rng([profile.seed, 6, index])
    n_voxels, area = len(anatomy.area), anatomy.area

    prf = retinotopy(anatomy, rng)
    gx, gy = _visual_field_grid()
    pixel_area = (STIMULUS_DEG / FEATURE_PX) ** 2
    d2 = (gx[:, None] - prf[None, :, 0]) ** 2 + (gy[:, None] - prf[None, :, 1]) ** 2
    pooling = (
        np.exp(-d2 / (2 * prf[:, 2] ** 2)) * pixel_area / (2 * np.pi * prf[:, 2] ** 2)
    ).astype(np.float32)
    visibility = pooling.sum(0)  # fraction of the pRF that falls on the stimulus

    low_weights = np.stack(
        [
            np.exp(rng.normal(0, 0.2, n_voxels)),  # contrast energy drives every early voxel
            rng.normal(0, 0.3, n_voxels),
            rng.normal(0, 0.5, n_voxels),
            rng.normal(0, 0.4, n_voxels),
        ],
        1,
    ).astype(np.float32)

    patches = category_patches(profile.seed)
    x, y, z = anatomy.template_mm.T
    position = np.stack([np.abs(x), y, z], 1)
    distance2 = ((position[:, None, :] - patches[None]) ** 2).sum(-1)
    animate = np.array([c in ANIMATE for c in CATEGORY_NAMES], np.float32)
    # the animate/inanimate gradient across the fusiform
    lateral = np.clip((np.abs(x) - 32) / 10, -1, 1)
    category_weights = (
        1.5 * np.exp(-distance2 / (2 * 8.0**2))
        + 0.4 * lateral[:, None] * (2 * animate - 1)
        + rng.normal(0, 0.35, distance2.shape)
    )
    extra = np.stack(
        [
            0.5 * lateral,
            rng.normal(0, 0.4, n_voxels) - 0.3 * lateral,
            rng.normal(0.3, 0.2, n_voxels),
        ],
        1,
    )
    semantic_weights = np.concatenate([category_weights, extra], 1).T.astype(np.float32)
    semantic_share = np.array([SEMANTIC_SHARE[int(a)] for a in area], np.float32)

    smooth_gain = _smooth_field(anatomy, rng, sigma_vox=3, count=1)[0]
    ncsnr = (
        SNR_BY_AREA[area]
        * np.exp(rng.normal(0, 0.45, n_voxels) + 0.35 * smooth_gain)
        * np.where(area < 4, np.sqrt(visibility), 1.0)
    )
    ncsnr = np.clip(ncsnr, 0, 0.9).astype(np.float32)

    draft = SubjectEncoder(
        prf,
        pooling,
        low_weights,
        semantic_weights,
        semantic_share,
        ncsnr,
        mean=np.zeros(n_voxels, np.float32),
        sd=np.ones(n_voxels, np.float32),
        noise_basis=_smooth_field(anatomy, rng, sigma_vox=1.5, count=24) * np.sqrt(0.5 / 24),
    )
    raw = draft.drive(calibration_maps, calibration_semantics)
    return SubjectEncoder(**{**draft.__dict__, "mean": raw.mean(0), "sd": raw.std(0) + 1e-6})


def _smooth_field(
    anatomy: SubjectAnatomy, rng: np.random.Generator, sigma_vox: float, count: int
) -> np.ndarray:
    """[count, V] unit-variance random fields smooth over space, sampled at the mask voxels."""
    lo, hi = anatomy.voxels.min(0), anatomy.voxels.max(0) + 1
    pad = int(3 * sigma_vox)
    lo, hi = np.maximum(lo - pad, 0), np.minimum(hi + pad, anatomy.roi.shape)
    local = anatomy.voxels - lo
    fields = []
    for _ in range(count):
        field = ndimage.gaussian_filter(rng.standard_normal(tuple(hi - lo)), sigma_vox)
        values = field[tuple(local.T)]
        fields.append((values - values.mean()) / (values.std() + 1e-9))
    return np.array(fields, np.float32)


def session_noise(encoder: SubjectEncoder, n_trials: int, rng: np.random.Generator) -> np.ndarray:
    """[n, V] noise: spatially smooth components, independent voxel noise, a session offset and a
    slow drift (the offset is what per-session z-scoring removes)."""
    n_voxels = encoder.ncsnr.shape[0]
    smooth = (
        rng.standard_normal((n_trials, encoder.noise_basis.shape[0])).astype(np.float32)
        @ encoder.noise_basis
    )
    independent = rng.standard_normal((n_trials, n_voxels)).astype(np.float32) * np.sqrt(0.5)
    offset = rng.normal(0, 0.7, n_voxels).astype(np.float32)
    drift = np.outer(np.linspace(-0.5, 0.5, n_trials), rng.normal(0, 0.3, n_voxels)).astype(
        np.float32
    )
    return smooth + independent + offset + drift
