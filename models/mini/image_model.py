"""Image side of the mini family, standing in for OpenCLIP ViT-bigG + SDXL unCLIP:
an image encoder (spatial tokens + pooled embedding), a caption encoder to train it against,
a token renderer that rebuilds the image from the tokens, and a diffusion decoder that turns tokens
back into the image (in a space-to-depth pixel latent)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ImageConfig
from .diffusion import timestep_embedding
from .layers import Attention, Block, standardize


class ImageEncoder(nn.Module):
    """Conv stem (S -> S/patch) + ViT: tokens [B,T,D] on the patch grid (standardised per token, so
    diffusion over them starts at unit scale) and a pooled embedding [B,E].

    The tokens are trained to be complete (TokenRenderer rebuilds the image from them)
    as well as semantic (the embedding is trained against the captions): MindEye2's bigG tokens have
    both properties, and the decoder can only give back what the tokens hold. A strided conv stem
    keeps edges that a linear patch embedding of 8x8x3 pixels into the width would lose."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        stem: list[nn.Module] = []
        channels, size = 3, cfg.image_size
        while size > cfg.grid:
            out = w if size // 2 == cfg.grid else max(32, w // (size // 2 // cfg.grid))
            stem += [nn.Conv2d(channels, out, 3, stride=2, padding=1), nn.SiLU()]
            channels, size = out, size // 2
        self.stem = nn.Sequential(*stem[:-1])
        self.position = nn.Parameter(torch.randn(1, cfg.tokens, w) * 0.02)
        self.blocks = nn.Sequential(*[Block(w, cfg.heads, cfg.tokens) for _ in range(cfg.layers)])
        self.norm = nn.LayerNorm(w)
        self.to_tokens = nn.Linear(w, cfg.token_dim)
        self.to_embedding = nn.Linear(w, cfg.embed_dim)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (
            self.stem(image * 2 - 1).reshape(-1, self.cfg.width, self.cfg.tokens).transpose(1, 2)
            + self.position
        )
        x = self.norm(self.blocks(x))
        return standardize(self.to_tokens(x)), self.to_embedding(x.mean(1))


class CaptionEncoder(nn.Module):
    """Bag of caption words -> embedding [B,E]; the text side of the contrastive objective."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.words = nn.EmbeddingBag(cfg.vocab, cfg.embed_dim, mode="mean")
        self.mlp = nn.Sequential(nn.GELU(), nn.Linear(cfg.embed_dim, cfg.embed_dim))

    def forward(self, words: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.words(words, offsets))


class ConvBlock(nn.Module):
    """Residual 3x3 conv pair without normalisation (the renderer is small and deterministic;
    no batch statistics to carry into ONNX)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1)
        )
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.skip(x) + self.body(x))


def _upsample(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, padding=1), nn.SiLU()
    )


class PixelLatent(nn.Module):
    """The decoder's latent is the image itself, rearranged: 3 x S x S <-> C x h x w with
    C = 3 (S/h)^2 (space-to-depth, pixels in [-1, 1]), as DALL-E 2's unCLIP decoder diffuses 64 px
    pixels.

    The first image side's learned 4 x 16 x 16 autoencoder latent was blurry (the decoder on true
    tokens reached PixCorr .41), and a sharp one needs convolutions at 32 and 64 px that 2 CPU cores
    cannot train in the budget (measured: 2.8 s a batch of 64 for the smallest we tried). This
    latent is exact, so the ceiling is set by the tokens and the decoder alone, and every
    convolution still runs at h x w."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.cfg = cfg
        self.block = cfg.image_size // cfg.latent_size

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        b, h = self.block, self.cfg.latent_size
        x = (image * 2 - 1).reshape(-1, 3, h, b, h, b).permute(0, 1, 3, 5, 2, 4)
        return x.reshape(-1, self.cfg.latent_channels, h, h)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        b, h, s = self.block, self.cfg.latent_size, self.cfg.image_size
        x = latent.reshape(-1, 3, b, b, h, h).permute(0, 1, 4, 2, 5, 3).reshape(-1, 3, s, s)
        return torch.clamp((x + 1) / 2, 0, 1)


class TokenRenderer(nn.Module):
    """tokens [B,T,D] -> latent [B,C,h,w]: the deterministic map from the token grid back to the
    image. Trained with the encoder (it is what makes the tokens complete), then the
    decoder's starting point: its x0 is this rendering plus what diffusion adds."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.renderer_width
        layers: list[nn.Module] = [
            nn.Conv2d(cfg.token_dim, w, 3, padding=1),
            nn.SiLU(),
            ConvBlock(w, w),
        ]
        size = cfg.grid
        while size < cfg.latent_size:
            layers += [_upsample(w, w), ConvBlock(w, w)]
            size *= 2
        layers += [ConvBlock(w, w), nn.Conv2d(w, cfg.latent_channels, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        g = self.cfg.grid
        return self.net(tokens.transpose(1, 2).reshape(-1, self.cfg.token_dim, g, g))


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

    def forward(self, x: torch.Tensor, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Given the tokens' keys and values (self.attn.keys_values)."""
        c, s = self.channels, self.size
        q = self.norm(x).reshape(-1, c, s * s).transpose(1, 2)
        return x + self.attn.attend(q, keys, values).transpose(1, 2).reshape(-1, c, s, s)


DECODER_PARAMETERIZATION = "x0"  # what TokenDecoder predicts (model.json decoder.parameterization)


class TokenDecoder(nn.Module):
    """The unCLIP stand-in: predicts the clean latent x0 from z_t, t and the tokens.

    x0 = renderer(tokens) + UNet(z_t, renderer(tokens), t, tokens): the token grid conditions the
    UNet spatially (the rendering is concatenated to z_t) and through cross-attention, and the
    UNet's last convolution starts at zero, so training begins from the renderer's deterministic
    reconstruction and diffusion only learns what the tokens leave open.

    forward = step(condition(tokens)): what depends on the tokens alone (the rendering, the
    cross-attention keys and values) is `condition`, computed once per reconstruction, and each
    denoising step runs `step` (the exported bundle has one ONNX file of each)."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        w, td, size, tokens, c = (
            cfg.unet_width,
            cfg.token_dim,
            cfg.latent_size,
            cfg.tokens,
            cfg.latent_channels,
        )
        self.renderer = TokenRenderer(cfg)
        self.time_dim = 4 * w
        self.time_mlp = nn.Sequential(
            nn.Linear(w, self.time_dim), nn.SiLU(), nn.Linear(self.time_dim, self.time_dim)
        )
        self.token_proj = nn.Sequential(nn.LayerNorm(td), nn.Linear(td, td))
        self.stem = nn.Conv2d(2 * c, w, 3, padding=1)
        half = size // 2
        self.down1 = ResBlock(w, w, self.time_dim, size)
        self.attn1 = CrossAttention(w, td, cfg.unet_heads, size, tokens)
        self.downsample = nn.Conv2d(w, 2 * w, 3, stride=2, padding=1)
        self.mid1 = ResBlock(2 * w, 2 * w, self.time_dim, half)
        self.mid_attn = CrossAttention(2 * w, td, cfg.unet_heads, half, tokens)
        self.mid2 = ResBlock(2 * w, 2 * w, self.time_dim, half)
        self.upsample = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * w, w, 3, padding=1)
        )
        self.up1 = ResBlock(2 * w, w, self.time_dim, size)
        self.attn2 = CrossAttention(w, td, cfg.unet_heads, size, tokens)
        self.out = nn.Sequential(GroupNorm(8, w, size), nn.SiLU(), nn.Conv2d(w, c, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)
        self.width = w

    def condition(self, tokens: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """tokens [B,T,D] -> what every step needs of them, named by CONDITION_OUTPUTS."""
        context = self.token_proj(tokens)
        keys_values = [
            kv
            for attn in (self.attn1, self.mid_attn, self.attn2)
            for kv in attn.attn.keys_values(context)
        ]
        return (self.renderer(tokens), *keys_values)

    def step(
        self,
        z_t: torch.Tensor,
        t: torch.Tensor,
        base: torch.Tensor,
        keys1: torch.Tensor,
        values1: torch.Tensor,
        mid_keys: torch.Tensor,
        mid_values: torch.Tensor,
        keys2: torch.Tensor,
        values2: torch.Tensor,
    ) -> torch.Tensor:
        """One denoising step: x0 for z_t at t, given condition(tokens)."""
        time = self.time_mlp(timestep_embedding(t, self.width))
        h1 = self.attn1(self.down1(self.stem(torch.cat([z_t, base], 1)), time), keys1, values1)
        h = self.mid_attn(self.mid1(self.downsample(h1), time), mid_keys, mid_values)
        h = self.attn2(
            self.up1(torch.cat([self.upsample(self.mid2(h, time)), h1], 1), time), keys2, values2
        )
        return base + self.out(h)

    def forward(self, z_t: torch.Tensor, t: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.step(z_t, t, *self.condition(tokens))


# The names of TokenDecoder.condition's outputs: the outputs of decoder-condition.onnx and, besides
# z_t and t, the inputs of decoder-step.onnx (step's parameter names)
CONDITION_OUTPUTS = ("base", "keys1", "values1", "mid_keys", "mid_values", "keys2", "values2")
