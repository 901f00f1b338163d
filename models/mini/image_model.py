"""Image side of the mini family, standing in for OpenCLIP ViT-bigG + SDXL unCLIP:
an image encoder (spatial tokens + pooled embedding), a caption encoder to train it against,
a latent autoencoder, and a diffusion decoder that turns tokens back into the latent."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .diffusion import timestep_embedding


@dataclass(frozen=True)
class ImageConfig:
    image_size: int = 64  # S
    patch: int = 8  # T = (S / patch)^2 tokens
    width: int = 96  # encoder transformer width
    layers: int = 3
    heads: int = 4
    token_dim: int = 64  # D
    embed_dim: int = 128  # E
    vocab: int = 128  # caption words (bag of words)
    latent_channels: int = 4  # C
    latent_size: int = 16  # h = w
    ae_width: int = 64
    unet_width: int = 48
    unet_heads: int = 4

    @property
    def tokens(self) -> int:
        return (self.image_size // self.patch) ** 2


class Block(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, width: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def standardize(x: torch.Tensor) -> torch.Tensor:
    """LayerNorm without parameters, written out: torch 1.13 exports an affine-free LayerNorm as an
    invalid ONNX node."""
    centred = x - x.mean(-1, keepdim=True)
    return centred / torch.sqrt(centred.pow(2).mean(-1, keepdim=True) + 1e-5)


class ImageEncoder(nn.Module):
    """ViT: tokens [B,T,D] (layer-normalised, so diffusion over them starts at unit scale) and a
    pooled embedding [B,E]. A patch-reconstruction head keeps low-level detail in the tokens."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.cfg = cfg
        self.patchify = nn.Conv2d(3, cfg.width, cfg.patch, stride=cfg.patch)
        self.position = nn.Parameter(torch.randn(1, cfg.tokens, cfg.width) * 0.02)
        self.blocks = nn.Sequential(*[Block(cfg.width, cfg.heads) for _ in range(cfg.layers)])
        self.norm = nn.LayerNorm(cfg.width)
        self.to_tokens = nn.Linear(cfg.width, cfg.token_dim)
        self.to_embedding = nn.Linear(cfg.width, cfg.embed_dim)
        self.patch_decoder = nn.Linear(cfg.token_dim, cfg.patch * cfg.patch * 3)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.patchify(image * 2 - 1).flatten(2).transpose(1, 2) + self.position
        x = self.norm(self.blocks(x))
        return standardize(self.to_tokens(x)), self.to_embedding(x.mean(1))

    def reconstruct_patches(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B,T,D] -> image [B,3,S,S] (the auxiliary low-level objective)."""
        b, p, g = tokens.shape[0], self.cfg.patch, self.cfg.image_size // self.cfg.patch
        patches = self.patch_decoder(tokens).view(b, g, g, 3, p, p)
        return patches.permute(0, 3, 1, 4, 2, 5).reshape(b, 3, g * p, g * p)


class CaptionEncoder(nn.Module):
    """Bag of caption words -> embedding [B,E]; the text side of the contrastive objective."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.words = nn.EmbeddingBag(cfg.vocab, cfg.embed_dim, mode="mean")
        self.mlp = nn.Sequential(nn.GELU(), nn.Linear(cfg.embed_dim, cfg.embed_dim))

    def forward(self, words: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.words(words, offsets))


def _conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.SiLU())


class Autoencoder(nn.Module):
    """3 x S x S <-> C x h x w (4x downsampling). Every convolution runs at the latent's resolution
    (patchify in, transposed-conv patches out), which keeps training cheap on a CPU."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        w = cfg.ae_width
        self.encoder = nn.Sequential(
            nn.Conv2d(3, w, 4, stride=4), nn.SiLU(), _conv_block(w, w), _conv_block(w, w),
            nn.Conv2d(w, cfg.latent_channels, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(cfg.latent_channels, w, 3, padding=1), nn.SiLU(), _conv_block(w, w), _conv_block(w, w),
            nn.ConvTranspose2d(w, w // 2, 2, stride=2), nn.SiLU(), nn.Conv2d(w // 2, w // 2, 3, padding=1), nn.SiLU(),
            nn.ConvTranspose2d(w // 2, 3, 2, stride=2))

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return self.encoder(image * 2 - 1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(latent))


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, time_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(time_dim, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, time: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x))) + self.time(time)[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class CrossAttention(nn.Module):
    """Latent positions attend to the conditioning tokens (how unCLIP sees the image tokens)."""

    def __init__(self, channels: int, token_dim: int, heads: int):
        super().__init__()
        self.norm = nn.GroupNorm(8, channels)
        self.attn = nn.MultiheadAttention(channels, heads, kdim=token_dim, vdim=token_dim, batch_first=True)

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.norm(x).flatten(2).transpose(1, 2)
        out = self.attn(q, tokens, tokens, need_weights=False)[0]
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class TokenDecoder(nn.Module):
    """UNet over the latent (16 -> 8 -> 16) with cross-attention to the tokens; predicts v."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        w, td = cfg.unet_width, cfg.token_dim
        self.time_dim = 4 * w
        self.time_mlp = nn.Sequential(nn.Linear(w, self.time_dim), nn.SiLU(), nn.Linear(self.time_dim, self.time_dim))
        self.token_proj = nn.Sequential(nn.LayerNorm(td), nn.Linear(td, td))
        self.stem = nn.Conv2d(cfg.latent_channels, w, 3, padding=1)
        self.down1 = ResBlock(w, w, self.time_dim)
        self.attn1 = CrossAttention(w, td, cfg.unet_heads)
        self.downsample = nn.Conv2d(w, 2 * w, 3, stride=2, padding=1)
        self.mid1 = ResBlock(2 * w, 2 * w, self.time_dim)
        self.mid_attn = CrossAttention(2 * w, td, cfg.unet_heads)
        self.mid2 = ResBlock(2 * w, 2 * w, self.time_dim)
        self.upsample = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * w, w, 3, padding=1))
        self.up1 = ResBlock(2 * w, w, self.time_dim)
        self.attn2 = CrossAttention(w, td, cfg.unet_heads)
        self.out = nn.Sequential(nn.GroupNorm(8, w), nn.SiLU(), nn.Conv2d(w, cfg.latent_channels, 3, padding=1))
        self.width = w

    def forward(self, z_t: torch.Tensor, t: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        time = self.time_mlp(timestep_embedding(t, self.width))
        tokens = self.token_proj(tokens)
        h1 = self.attn1(self.down1(self.stem(z_t), time), tokens)
        h = self.mid2(self.mid_attn(self.mid1(self.downsample(h1), time), tokens), time)
        h = self.attn2(self.up1(torch.cat([self.upsample(h), h1], 1), time), tokens)
        return self.out(h)
