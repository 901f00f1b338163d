import io

import onnx
import torch

from models.mini.config import ImageConfig
from models.mini.image_model import GroupNorm, TokenDecoder
from models.mini.layers import Attention


def test_attention_loads_and_matches_torch_multihead_attention():
    torch.manual_seed(0)
    for key_dim in (None, 24):
        reference = torch.nn.MultiheadAttention(32, 4, kdim=key_dim, vdim=key_dim, batch_first=True)
        ours = Attention(32, 4, query_length=10, key_length=6, key_dim=key_dim)
        ours.load_state_dict(reference.state_dict())
        query, context = torch.randn(3, 10, 32), torch.randn(3, 6, key_dim or 32)
        expected = reference(query, context, context, need_weights=False)[0]
        assert torch.allclose(ours(query, context), expected, atol=1e-5)


def test_group_norm_matches_torch():
    torch.manual_seed(0)
    reference = torch.nn.GroupNorm(8, 32)
    torch.nn.init.normal_(reference.weight)
    ours = GroupNorm(8, 32, size=6)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(2, 32, 6, 6)
    assert torch.allclose(ours(x), reference(x), atol=1e-5)


def test_exported_decoder_has_no_shape_arithmetic():
    """Shape/Gather nodes would run on the CPU in onnxruntime's WebGPU engine."""
    cfg = ImageConfig()
    decoder = TokenDecoder(cfg).eval()
    z = torch.randn(2, cfg.latent_channels, cfg.latent_size, cfg.latent_size)
    args = (z, torch.tensor([5.0, 900.0]), torch.randn(2, cfg.tokens, cfg.token_dim))
    buffer = io.BytesIO()
    torch.onnx.export(
        decoder,
        args,
        buffer,
        input_names=["z_t", "t", "tokens"],
        output_names=["x0"],
        dynamic_axes={n: {0: "B"} for n in ("z_t", "t", "tokens", "x0")},
        opset_version=17,
    )
    ops = {n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node}
    assert not ops & {"Shape", "Gather", "GroupNormalization"}, ops
