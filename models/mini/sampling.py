"""The reconstruction chain's sampling steps in PyTorch, shared by evaluation and the parity
fixtures (src/inference/pipeline.ts is the app's twin)."""
from __future__ import annotations

import torch

from .config import TrainConfig
from .diffusion import cosine_alphas_cumprod, ddim_sample, guided
from .image_model import DECODER_PARAMETERIZATION
from .trained import ImageSide


@torch.no_grad()
def sample_tokens(
    prior: torch.nn.Module, cond: torch.Tensor, noise: torch.Tensor, cfg: TrainConfig
) -> torch.Tensor:
    """The prior's refined tokens for the backbone's `cond` tokens."""
    return ddim_sample(
        lambda x, t: prior(x, t, cond),
        noise,
        cosine_alphas_cumprod(cfg.prior_train_steps),
        cfg.prior_sample_steps,
        "x0",
    )


@torch.no_grad()
def sample_latent(
    image_side: ImageSide,
    tokens: torch.Tensor,
    noise: torch.Tensor,
    cfg: TrainConfig,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """The decoder's latent (scaled, as the sampler returns it) for `tokens`, with guidance; from
    `start` (the backbone's blurry latent) at cfg.img2img_strength when given. What depends on
    the tokens alone is computed once (TokenDecoder.condition), as the app does."""
    decoder = image_side.trained_decoder()
    return ddim_sample(
        guided(lambda x, t, c: decoder.step(x, t, *c), tokens, cfg.cfg_scale, decoder.condition),
        noise,
        cosine_alphas_cumprod(cfg.decoder_train_steps),
        cfg.decoder_sample_steps,
        DECODER_PARAMETERIZATION,
        start,
        cfg.img2img_strength,
    )


@torch.no_grad()
def decode_latent(image_side: ImageSide, latent: torch.Tensor) -> torch.Tensor:
    return image_side.latent.decode(latent / image_side.latent_scale)


def blend_blurry(decoded: torch.Tensor, low_level: torch.Tensor, share: float) -> torch.Tensor:
    """The shown image: `share` of the low-level image, the rest the decoder's (pipeline.ts's
    twin)."""
    return (1 - share) * decoded + share * low_level
