"""Generation profiles. One block of plain values per profile; everything else derives from the
seed."""
from __future__ import annotations

from dataclasses import dataclass, replace

SUBJECTS = tuple(f"subj{i:02d}" for i in range(1, 9))
REPEATS = 3  # each image is shown three times, as in NSD
ROI_LABELS = {1: "V1", 2: "V2", 3: "V3+", 4: "ventral"}
STIMULUS_DEG = 8.4  # NSD images subtend 8.4 degrees of visual angle


@dataclass(frozen=True)
class Profile:
    name: str
    voxel_mm: float  # functional voxel size
    grid: tuple[int, int, int]  # functional grid (NSD func1pt8mm is 81 x 104 x 83)
    mask_voxels: tuple[int, int]  # range of the per-subject mask size at this voxel size
    image_px: int  # rendered stimulus size
    sessions: int  # sessions generated for subjects that have betas
    trials_per_session: int
    test_per_session: int  # distinct shared test images per session (each shown REPEATS times)
    n_test_images: int  # size of the shared test set
    shipped_test_images: int  # test images whose betas go into the bundle
    calibration_images: int  # images used to normalise each voxel's signal
    clipart_per_category: int  # cap on clip-art exemplars per category (0 = all)
    betas_subjects: tuple[str, ...] = ("subj01", "subj02", "subj05", "subj07")
    single_trial_subjects: tuple[str, ...] = ("subj01",)  # others ship the mean of their repeats
    seed: int = 0

    @property
    def train_per_session(self) -> int:
        return self.trials_per_session // 3 - self.test_per_session


PROFILES: dict[str, Profile] = {
    # real code path at a small size: 3.6 mm voxels, 64 px images, a few short sessions
    "smoke": Profile(
        name="smoke",
        voxel_mm=3.6,
        grid=(41, 52, 42),
        mask_voxels=(1500, 2250),
        image_px=64,
        sessions=4,
        trials_per_session=180,
        test_per_session=12,
        n_test_images=48,
        shipped_test_images=48,
        calibration_images=64,
        clipart_per_category=6,
    ),
    # what ships in public/datasets/synthetic-nsd: the sessions that hold the first 300 test images
    "demo": Profile(
        name="demo",
        voxel_mm=1.8,
        grid=(81, 104, 83),
        mask_voxels=(12000, 18000),
        image_px=256,
        sessions=12,
        trials_per_session=750,
        test_per_session=25,
        n_test_images=1000,
        shipped_test_images=300,
        calibration_images=400,
        clipart_per_category=0,
    ),
    # NSD scale: 40 sessions of 750 trials per subject (10000 images, 1000 shared); for training
    "full": Profile(
        name="full",
        voxel_mm=1.8,
        grid=(81, 104, 83),
        mask_voxels=(12000, 18000),
        image_px=256,
        sessions=40,
        trials_per_session=750,
        test_per_session=25,
        n_test_images=1000,
        shipped_test_images=1000,
        calibration_images=400,
        clipart_per_category=0,
        betas_subjects=SUBJECTS,
        single_trial_subjects=SUBJECTS,
    ),
}


def get_profile(name: str, **overrides: object) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    base = PROFILES[name]
    unknown = set(overrides) - set(Profile.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown profile settings: {', '.join(sorted(unknown))}")
    return replace(base, **overrides)  # type: ignore[arg-type]
