"""Brain side of the mini family, shaped like MindEye2: one linear adapter per subject into a shared
latent H, a residual MLP backbone, token / retrieval / low-level heads, and a diffusion prior that
refines the predicted tokens toward the image encoder's."""
from __future__ import annotations

import torch
import torch.nn as nn

from .config import BrainConfig
from .diffusion import timestep_embedding
from .layers import Block, standardize


class Reshape(nn.Module):
    """[B, prod(shape)] -> [B, *shape] with constant sizes (nn.Unflatten does not export at opset
    17)."""

    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(-1, *self.shape)


class Backbone(nn.Module):
    """shared [B,H] -> clip_tokens [B,T,D], retrieval [B,E], blurry_latent [B,C,h,w]."""

    def __init__(self, cfg: BrainConfig):
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden
        self.blocks = nn.ModuleList(
            [
                nn.Sequential(
                    nn.LayerNorm(h),
                    nn.Linear(h, h),
                    nn.GELU(),
                    nn.Dropout(cfg.dropout),
                    nn.Linear(h, h),
                )
                for _ in range(cfg.blocks)
            ]
        )
        self.token_head = nn.Linear(h, cfg.tokens * cfg.token_dim)
        self.retrieval_head = nn.Sequential(
            nn.LayerNorm(h), nn.GELU(), nn.Linear(h, h), nn.GELU(), nn.Linear(h, cfg.embed_dim)
        )
        # MindEye2's low-level head: a Linear to a small feature grid, then convolutions up to the
        # latent
        grid = cfg.latent_size // 2
        self.lowlevel_head = nn.Sequential(
            nn.LayerNorm(h),
            nn.Linear(h, cfg.lowlevel_channels * grid * grid),
            Reshape(cfg.lowlevel_channels, grid, grid),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(cfg.lowlevel_channels, cfg.lowlevel_channels, 3, padding=1),
            nn.SiLU(),
            nn.Conv2d(cfg.lowlevel_channels, cfg.latent_channels, 3, padding=1),
        )

    def forward(self, shared: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = shared
        for block in self.blocks:
            x = x + block(x)
        c = self.cfg
        tokens = self.token_head(x).view(-1, c.tokens, c.token_dim)
        return tokens, self.retrieval_head(x), self.lowlevel_head(x)


class BrainModel(nn.Module):
    """Per-subject adapters (voxels -> H) in front of one shared backbone."""

    def __init__(self, cfg: BrainConfig, voxel_counts: dict[str, int]):
        super().__init__()
        self.cfg = cfg
        self.adapters = nn.ModuleDict(
            {s: nn.Linear(v, cfg.hidden) for s, v in voxel_counts.items()}
        )
        self.backbone = Backbone(cfg)

    @classmethod
    def from_weights(cls, cfg: BrainConfig, weights: dict[str, torch.Tensor]) -> BrainModel:
        """The model whose state dict `weights` is: one adapter for each subject it holds."""
        voxel_counts = {
            name.split(".")[1]: int(w.shape[1])
            for name, w in weights.items()
            if name.startswith("adapters.") and name.endswith(".weight")
        }
        model = cls(cfg, voxel_counts)
        model.load_state_dict(weights)
        return model

    def forward(self, subject: str, voxels: torch.Tensor):
        return self.backbone(self.adapters[subject](voxels))


class Prior(nn.Module):
    """DALL-E 2 style prior: a transformer over [cond tokens, time token, noisy tokens] that
    predicts the clean tokens (x0-parameterisation, as MindEye2's prior).

    Two things make it use the backbone's tokens (`cond`) as well as a short training allows:
    - each noisy token also gets its own cond token at its input: tokens are image patches, so cond
      token i says most about token i, and finding it through attention over position embeddings
      alone takes far more steps than the cpu profile has (the prior then threw away much of what
      the cond tokens knew, the more so the better they were);
    - cond is standardised per token, as the image encoder's tokens are: on unseen, repeat-averaged
      betas the backbone's tokens shrink toward the mean more than on the trials it trained on, and
      a prior trained on the latter then misreads the former."""

    def __init__(self, cfg: BrainConfig):
        super().__init__()
        w = cfg.prior_width
        self.width = w
        self.cond_in = nn.Linear(cfg.token_dim, w)
        self.x_in = nn.Linear(cfg.token_dim, w)
        self.cond_x = nn.Linear(cfg.token_dim, w)  # cond token i, added to noisy token i
        self.time = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w))
        self.position = nn.Parameter(torch.randn(1, 2 * cfg.tokens + 1, w) * 0.02)
        self.blocks = nn.Sequential(
            *[Block(w, cfg.prior_heads, 2 * cfg.tokens + 1) for _ in range(cfg.prior_layers)]
        )
        self.norm = nn.LayerNorm(w)
        self.out = nn.Linear(w, cfg.token_dim)
        self.tokens = cfg.tokens

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        time = self.time(timestep_embedding(t, self.width))[:, None]
        cond = standardize(cond)
        h = (
            torch.cat([self.cond_in(cond), time, self.x_in(x_t) + self.cond_x(cond)], 1)
            + self.position
        )
        return self.out(self.norm(self.blocks(h))[:, -self.tokens :])
