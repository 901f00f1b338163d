"""SyntheticNSD: the whole simulated experiment, any piece of which can be regenerated on its own.

Every random draw comes from a stream keyed by (seed, purpose, ...), so a session, an image or a
subject never depends on what else was generated before it. Stream purposes:
1 anatomy, 2 scenes, 3 calibration scenes, 4 trial order, 5 category patches, 6 encoder, 7 noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from .anatomy import SubjectAnatomy, Template, load_template, make_subject
from .config import REPEATS, Profile
from .encoding import SubjectEncoder, low_level_maps, make_encoder, semantic_features, session_noise
from .stimuli import ClipartLibrary, render, sample_scene


@dataclass(frozen=True)
class ImageKey:
    """A stimulus: one of the shared test images (subject 0) or one subject's training image."""

    subject: int
    index: int

    @property
    def split(self) -> str:
        return "test" if self.subject == 0 else "train"

    @property
    def id(self) -> str:
        return (
            f"test-{self.index:04d}"
            if self.subject == 0
            else f"subj{self.subject:02d}-train-{self.index:05d}"
        )


@dataclass(frozen=True)
class Session:
    subject: str
    session: int
    images: list[ImageKey]  # per trial
    repeat: np.ndarray  # 0..REPEATS-1 per trial
    betas: np.ndarray  # float32 [trials, V], z-scored per voxel within the session


class SyntheticNSD:
    def __init__(self, profile: Profile):
        self.profile = profile

    @cached_property
    def template(self) -> Template:
        return load_template()

    @cached_property
    def library(self) -> ClipartLibrary:
        return ClipartLibrary.load(self.profile.clipart_per_category)

    def scene(self, key: ImageKey) -> dict:
        return sample_scene(
            self.library, np.random.default_rng([self.profile.seed, 2, key.subject, key.index])
        )

    # a session's images are rendered once for its responses and read again by whoever stores
    # them (the training cache, the bundle): kept for one session's worth, read-only
    @lru_cache(maxsize=256)
    def image(self, key: ImageKey) -> np.ndarray:
        pixels = render(self.scene(key), self.profile.image_px)
        pixels.setflags(write=False)
        return pixels

    @lru_cache(maxsize=None)
    def anatomy(self, subject: str) -> SubjectAnatomy:
        return make_subject(self.template, self.profile, subject)

    @cached_property
    def _calibration(self) -> tuple[np.ndarray, np.ndarray]:
        scenes = [
            sample_scene(self.library, np.random.default_rng([self.profile.seed, 3, k]))
            for k in range(self.profile.calibration_images)
        ]
        images = np.stack([render(s, self.profile.image_px) for s in scenes])
        return low_level_maps(images), np.stack([semantic_features(s) for s in scenes])

    @lru_cache(maxsize=2)
    def encoder(self, subject: str) -> SubjectEncoder:
        return make_encoder(self.anatomy(subject), self.profile, *self._calibration)

    def session_images(self, subject: str, session: int) -> list[ImageKey]:
        """The images of one session: its share of the shared test set and of the subject's own
        training images, each shown REPEATS times in a random order."""
        p = self.profile
        test = [ImageKey(0, session * p.test_per_session + k) for k in range(p.test_per_session)]
        train = [
            ImageKey(int(subject[-2:]), session * p.train_per_session + k)
            for k in range(p.train_per_session)
        ]
        return test + train

    def session(self, subject: str, session: int) -> Session:
        p = self.profile
        if not 0 <= session < p.sessions:
            raise ValueError(
                f"session {session} is outside 0..{p.sessions - 1} for profile {p.name}"
            )
        keys = self.session_images(subject, session)
        order = np.random.default_rng([p.seed, 4, int(subject[-2:]), session]).permutation(
            len(keys) * REPEATS
        )
        image_of_trial = order % len(keys)
        repeat = np.zeros(len(order), np.int64)
        seen = np.zeros(len(keys), np.int64)
        for t, i in enumerate(image_of_trial):
            repeat[t], seen[i] = seen[i], seen[i] + 1
        maps = low_level_maps(np.stack([self.image(k) for k in keys]))
        semantics = np.stack([semantic_features(self.scene(k)) for k in keys])
        encoder = self.encoder(subject)
        signal = encoder.signal(maps, semantics)
        noise = session_noise(
            encoder, len(order), np.random.default_rng([p.seed, 7, int(subject[-2:]), session])
        )
        betas = signal[image_of_trial] + noise
        betas = (betas - betas.mean(0)) / (betas.std(0) + 1e-6)
        return Session(
            subject, session, [keys[i] for i in image_of_trial], repeat, betas.astype(np.float32)
        )
