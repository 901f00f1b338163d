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


class Attention(nn.Module):
    """Multi-head attention with the parameters of nn.MultiheadAttention (so its state dicts load)
    but with every reshape written with constant sizes: the exported graph then has no shape
    arithmetic, which onnxruntime's WebGPU engine would otherwise run on the CPU."""

    def __init__(self, width: int, heads: int, query_length: int, key_length: int, key_dim: int | None = None):
        super().__init__()
        self.width, self.heads, self.head_dim = width, heads, width // heads
        self.query_length, self.key_length = query_length, key_length
        self.separate = key_dim is not None and key_dim != width
        if self.separate:
            self.q_proj_weight = nn.Parameter(torch.empty(width, width))
            self.k_proj_weight = nn.Parameter(torch.empty(width, key_dim))
            self.v_proj_weight = nn.Parameter(torch.empty(width, key_dim))
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                nn.init.xavier_uniform_(weight)
        else:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
            nn.init.xavier_uniform_(self.in_proj_weight)
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.zeros_(self.out_proj.bias)

    def _split(self, x: torch.Tensor, length: int) -> torch.Tensor:
        return x.reshape(-1, length, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        w = self.width
        if self.separate:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        else:
            wq, wk, wv = self.in_proj_weight[:w], self.in_proj_weight[w:2 * w], self.in_proj_weight[2 * w:]
        bq, bk, bv = self.in_proj_bias[:w], self.in_proj_bias[w:2 * w], self.in_proj_bias[2 * w:]
        q = self._split(F.linear(query, wq, bq), self.query_length)
        k = self._split(F.linear(context, wk, bk), self.key_length)
        v = self._split(F.linear(context, wv, bv), self.key_length)
        weights = torch.softmax(q @ k.transpose(2, 3) * self.head_dim ** -0.5, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(-1, self.query_length, w)
        return self.out_proj(out)


class Block(nn.Module):
    """Pre-norm transformer block over a fixed number of tokens."""

    def __init__(self, width: int, heads: int, length: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads, length, length)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h)
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
        self.blocks = nn.Sequential(*[Block(cfg.width, cfg.heads, cfg.tokens) for _ in range(cfg.layers)])
        self.norm = nn.LayerNorm(cfg.width)
        self.to_tokens = nn.Linear(cfg.width, cfg.token_dim)
        self.to_embedding = nn.Linear(cfg.width, cfg.embed_dim)
        self.patch_decoder = nn.Linear(cfg.token_dim, cfg.patch * cfg.patch * 3)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.patchify(image * 2 - 1).reshape(-1, self.cfg.width, self.cfg.tokens).transpose(1, 2) + self.position
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


class GroupNorm(nn.GroupNorm):
    """GroupNorm over a fixed spatial size, written with constant reshapes (see Attention); ONNX
    below opset 18 has no GroupNormalization either."""

    def __init__(self, groups: int, channels: int, size: int):
        super().__init__(groups, channels)
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, s = self.num_channels, self.size
        grouped = x.reshape(-1, self.num_groups, c // self.num_groups * s * s)
        centred = grouped - grouped.mean(-1, keepdim=True)
        normed = centred / torch.sqrt(centred.pow(2).mean(-1, keepdim=True) + self.eps)
        return normed.reshape(-1, c, s, s) * self.weight[:, None, None] + self.bias[:, None, None]


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, time_dim: int, size: int):
        super().__init__()
        self.norm1 = GroupNorm(8, cin, size)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(time_dim, cout)
        self.norm2 = GroupNorm(8, cout, size)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, time: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x))) + self.time(time)[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class CrossAttention(nn.Module):
    """Latent positions attend to the conditioning tokens (how unCLIP sees the image tokens)."""

    def __init__(self, channels: int, token_dim: int, heads: int, size: int, tokens: int):
        super().__init__()
        self.channels, self.size = channels, size
        self.norm = GroupNorm(8, channels, size)
        self.attn = Attention(channels, heads, size * size, tokens, key_dim=token_dim)

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        c, s = self.channels, self.size
        q = self.norm(x).reshape(-1, c, s * s).transpose(1, 2)
        return x + self.attn(q, tokens).transpose(1, 2).reshape(-1, c, s, s)


class TokenDecoder(nn.Module):
    """UNet over the latent (16 -> 8 -> 16) with cross-attention to the tokens; predicts v."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        w, td, size, tokens = cfg.unet_width, cfg.token_dim, cfg.latent_size, cfg.tokens
        self.time_dim = 4 * w
        self.time_mlp = nn.Sequential(nn.Linear(w, self.time_dim), nn.SiLU(), nn.Linear(self.time_dim, self.time_dim))
        self.token_proj = nn.Sequential(nn.LayerNorm(td), nn.Linear(td, td))
        self.stem = nn.Conv2d(cfg.latent_channels, w, 3, padding=1)
        half = size // 2
        self.down1 = ResBlock(w, w, self.time_dim, size)
        self.attn1 = CrossAttention(w, td, cfg.unet_heads, size, tokens)
        self.downsample = nn.Conv2d(w, 2 * w, 3, stride=2, padding=1)
        self.mid1 = ResBlock(2 * w, 2 * w, self.time_dim, half)
        self.mid_attn = CrossAttention(2 * w, td, cfg.unet_heads, half, tokens)
        self.mid2 = ResBlock(2 * w, 2 * w, self.time_dim, half)
        self.upsample = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * w, w, 3, padding=1))
        self.up1 = ResBlock(2 * w, w, self.time_dim, size)
        self.attn2 = CrossAttention(w, td, cfg.unet_heads, size, tokens)
        self.out = nn.Sequential(GroupNorm(8, w, size), nn.SiLU(), nn.Conv2d(w, cfg.latent_channels, 3, padding=1))
        self.width = w

    def forward(self, z_t: torch.Tensor, t: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        time = self.time_mlp(timestep_embedding(t, self.width))
        tokens = self.token_proj(tokens)
        h1 = self.attn1(self.down1(self.stem(z_t), time), tokens)
        h = self.mid2(self.mid_attn(self.mid1(self.downsample(h1), time), tokens), time)
        h = self.attn2(self.up1(torch.cat([self.upsample(h), h1], 1), time), tokens)
        return self.out(h)
