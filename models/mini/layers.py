"""Layers both sides of the mini family use, written for the ONNX exporter: every reshape has
constant sizes, and nothing exports to a node that torch 1.13 or opset 17 gets wrong."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    """Multi-head attention with the parameters of nn.MultiheadAttention (so its state dicts load)
    but with every reshape written with constant sizes: the exported graph then has no shape
    arithmetic, which onnxruntime's WebGPU engine would otherwise run on the CPU."""

    def __init__(
        self, width: int, heads: int, query_length: int, key_length: int, key_dim: int | None = None
    ):
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

    def _projections(self) -> tuple[torch.Tensor, ...]:
        """wq, wk, wv, bq, bk, bv."""
        w = self.width
        if self.separate:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        else:
            wq, wk, wv = (
                self.in_proj_weight[:w],
                self.in_proj_weight[w : 2 * w],
                self.in_proj_weight[2 * w :],
            )
        bq, bk, bv = self.in_proj_bias[:w], self.in_proj_bias[w : 2 * w], self.in_proj_bias[2 * w :]
        return wq, wk, wv, bq, bk, bv

    def forward(self, query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        wq, wk, wv, bq, bk, bv = self._projections()
        q = self._split(F.linear(query, wq, bq), self.query_length)
        k = self._split(F.linear(context, wk, bk), self.key_length)
        v = self._split(F.linear(context, wv, bv), self.key_length)
        return self._attend(q, k, v)

    def keys_values(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The context's keys and values [B, heads, key_length, head_dim]: what `attend` needs of
        the context, computed once when many queries attend to the same context (the decoder's
        denoising steps)."""
        _, wk, wv, _, bk, bv = self._projections()
        k = self._split(F.linear(context, wk, bk), self.key_length)
        return k, self._split(F.linear(context, wv, bv), self.key_length)

    def attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """forward(query, context) given keys_values(context)."""
        wq, _, _, bq, _, _ = self._projections()
        return self._attend(self._split(F.linear(query, wq, bq), self.query_length), keys, values)

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(q @ k.transpose(2, 3) * self.head_dim**-0.5, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(-1, self.query_length, self.width)
        return self.out_proj(out)


class Block(nn.Module):
    """Pre-norm transformer block over a fixed number of tokens."""

    def __init__(self, width: int, heads: int, length: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads, length, length)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h)
        return x + self.mlp(self.norm2(x))


def standardize(x: torch.Tensor) -> torch.Tensor:
    """LayerNorm without parameters, written out: torch 1.13 exports an affine-free LayerNorm as an
    invalid ONNX node."""
    centred = x - x.mean(-1, keepdim=True)
    return centred / torch.sqrt(centred.pow(2).mean(-1, keepdim=True) + 1e-5)
