"""The trained networks as training hands them to export and evaluation."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .brain_model import BrainModel, Prior
from .config import BrainConfig, ImageConfig
from .image_model import ImageEncoder, PixelLatent, TokenDecoder


@dataclass
class ImageSide:
    """The frozen image side every brain model trains against and reconstructs with."""

    config: ImageConfig
    encoder: ImageEncoder
    latent: PixelLatent
    latent_scale: float  # the decoder works on PixelLatent's latent times this (unit variance)
    keys: dict[str, str]  # each image-side stage's checkpoint key
    seconds: dict[str, float | None]  # each stage's training time (None: not recorded)
    decoder: TokenDecoder | None = None  # trained after the encoder, on its tokens

    @property
    def key(self) -> str:
        """The image side's identity: the encoder's key (brain models depend on nothing else)."""
        return self.keys["image-encoder"]

    def trained_decoder(self) -> TokenDecoder:
        if self.decoder is None:
            raise ValueError(f"image side {self.key}: the decoder is not trained yet")
        return self.decoder


@dataclass
class EncodedImages:
    """Every training image through the frozen encoder: what the brain models train on."""

    tokens: torch.Tensor  # float16 [N, T, D]
    embeddings: torch.Tensor  # [N, E]
    latents: torch.Tensor  # [N, C, h, w], unscaled


@dataclass
class Brain:
    """One brain model with its prior."""

    model: BrainModel
    prior: Prior
    config: BrainConfig
    key: str  # its stage's checkpoint key
    seconds: dict[str, float | None]  # training time of its stage and the stages it started from
