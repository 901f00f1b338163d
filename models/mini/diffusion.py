"""Noise schedules and the DDIM sampler shared by the prior and the decoder.

The sampler is the one docs/model-format.md specifies; src/inference/ddim.ts is its TypeScript twin.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import torch


def cosine_alphas_cumprod(steps: int, s: float = 0.008) -> torch.Tensor:
    """Nichol & Dhariwal's cosine schedule, clipped away from 0 so that x0 stays recoverable."""
    t = torch.arange(steps + 1, dtype=torch.float64) / steps
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    alphas = torch.clamp(f[1:] / f[:-1], 0.001, 0.9999)
    return torch.cumprod(alphas, 0).float()


def add_noise(
    x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, alphas_cumprod: torch.Tensor
) -> torch.Tensor:
    a = alphas_cumprod.to(x0.device)[t].view(-1, *[1] * (x0.dim() - 1))
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def ddim_timesteps(train_steps: int, steps: int) -> list[int]:
    return [round((train_steps - 1) * (1 - i / (steps - 1))) for i in range(steps)]


def to_x0_eps(
    out: torch.Tensor, x: torch.Tensor, a: float, parameterization: str
) -> tuple[torch.Tensor, torch.Tensor]:
    sa, s1a = math.sqrt(a), math.sqrt(1 - a)
    if parameterization == "x0":
        return out, (x - sa * out) / s1a
    if parameterization == "eps":
        return (x - s1a * out) / sa, out
    if parameterization == "v":
        return sa * x - s1a * out, s1a * x + sa * out
    raise ValueError(f"unknown parameterization {parameterization!r}")


def img2img_skip(steps: int, strength: float) -> int:
    """How many of the first DDIM timesteps img2img skips: strength 1 runs them all, from pure
    noise."""
    return min(steps - 1, max(0, round((1 - strength) * steps)))


@torch.no_grad()
def ddim_sample(
    denoise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    noise: torch.Tensor,
    alphas_cumprod: torch.Tensor,
    steps: int,
    parameterization: str,
    start: torch.Tensor | None = None,
    strength: float = 1.0,
) -> torch.Tensor:
    """Deterministic DDIM from `noise`; `denoise(x, t)` returns the model output for float t [B].

    With `start` (img2img), the first img2img_skip(steps, strength) timesteps are skipped and the
    sampler begins at the next one, from `start` noised to it with `noise`."""
    timesteps = ddim_timesteps(len(alphas_cumprod), steps)
    x = noise
    if start is not None:
        timesteps = timesteps[img2img_skip(steps, strength) :]
        a = float(alphas_cumprod[timesteps[0]])
        x = math.sqrt(a) * start + math.sqrt(1 - a) * noise
    x0 = x
    for i, t in enumerate(timesteps):
        a = float(alphas_cumprod[t])
        out = denoise(x, torch.full((x.shape[0],), float(t), device=x.device))
        x0, eps = to_x0_eps(out, x, a, parameterization)
        if i + 1 < len(timesteps):
            a_next = float(alphas_cumprod[timesteps[i + 1]])
            x = math.sqrt(a_next) * x0 + math.sqrt(1 - a_next) * eps
    return x0


def guided(
    denoise: Callable[[torch.Tensor, torch.Tensor, Any], torch.Tensor],
    tokens: torch.Tensor,
    scale: float,
    condition: Callable[[torch.Tensor], Any] = lambda tokens: tokens,
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Classifier-free guidance with all-zero unconditional tokens. `denoise(x, t, c)` takes what
    `condition` makes of the tokens (the tokens themselves, or TokenDecoder.condition's outputs),
    computed here once for every step; with guidance, of the batch [tokens; zeros]."""
    if scale == 1.0:
        conditioning = condition(tokens)
        return lambda x, t: denoise(x, t, conditioning)
    conditioning = condition(torch.cat([tokens, torch.zeros_like(tokens)]))

    def run(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        both = denoise(torch.cat([x, x]), torch.cat([t, t]), conditioning)
        conditional, unconditional = both.chunk(2)
        return unconditional + scale * (conditional - unconditional)

    return run


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of float timesteps [B] -> [B, dim]."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half
    )
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], 1)
