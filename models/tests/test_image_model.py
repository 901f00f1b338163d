import torch

from models.mini.config import ImageConfig
from models.mini.diffusion import timestep_embedding
from models.mini.export import Wrapper, decoder_condition
from models.mini.image_model import CONDITION_OUTPUTS, GroupNorm, TokenDecoder
from models.mini.layers import Attention
from models.mini.onnx_io import to_onnx


def test_attention_loads_and_matches_torch_multihead_attention():
    torch.manual_seed(0)
    for key_dim in (None, 24):
        reference = torch.nn.MultiheadAttention(32, 4, kdim=key_dim, vdim=key_dim, batch_first=True)
        ours = Attention(32, 4, query_length=10, key_length=6, key_dim=key_dim)
        ours.load_state_dict(reference.state_dict())
        query, context = torch.randn(3, 10, 32), torch.randn(3, 6, key_dim or 32)
        expected = reference(query, context, context, need_weights=False)[0]
        assert torch.allclose(ours(query, context), expected, atol=1e-5)


def test_attention_from_precomputed_keys_and_values_is_attention():
    torch.manual_seed(0)
    for key_dim in (None, 24):
        attn = Attention(32, 4, query_length=10, key_length=6, key_dim=key_dim)
        torch.nn.init.normal_(attn.in_proj_bias)
        query, context = torch.randn(3, 10, 32), torch.randn(3, 6, key_dim or 32)
        assert torch.equal(attn.attend(query, *attn.keys_values(context)), attn(query, context))


def unsplit_forward(decoder: TokenDecoder, z_t, t, tokens):
    """TokenDecoder.forward as it was before the split (everything at every step): the reference
    the split must reproduce."""
    base = decoder.renderer(tokens)
    time = decoder.time_mlp(timestep_embedding(t, decoder.width))
    context = decoder.token_proj(tokens)

    def cross(block, x):
        c, s = block.channels, block.size
        q = block.norm(x).reshape(-1, c, s * s).transpose(1, 2)
        return x + block.attn(q, context).transpose(1, 2).reshape(-1, c, s, s)

    h1 = cross(decoder.attn1, decoder.down1(decoder.stem(torch.cat([z_t, base], 1)), time))
    h = decoder.mid2(cross(decoder.mid_attn, decoder.mid1(decoder.downsample(h1), time)), time)
    h = cross(decoder.attn2, decoder.up1(torch.cat([decoder.upsample(h), h1], 1), time))
    return base + decoder.out(h)


def test_the_split_decoder_gives_the_unsplit_x0():
    """condition once, then step at each timestep (unconditional zeros too, as guidance runs it)
    gives the x0 of the decoder that recomputed the tokens' part at every step."""
    torch.manual_seed(0)
    cfg = ImageConfig()
    decoder = TokenDecoder(cfg).eval()
    for p in decoder.parameters():
        torch.nn.init.normal_(p, std=0.05)
    tokens = torch.randn(2, cfg.tokens, cfg.token_dim)
    tokens = torch.cat([tokens, torch.zeros_like(tokens)])
    with torch.no_grad():
        condition = decoder.condition(tokens)
        assert len(condition) == len(CONDITION_OUTPUTS)
        for t in (999.0, 500.0, 0.0):
            z = torch.randn(4, cfg.latent_channels, cfg.latent_size, cfg.latent_size)
            expected = unsplit_forward(decoder, z, torch.full((4,), t), tokens)
            got = decoder.step(z, torch.full((4,), t), *condition)
            assert torch.allclose(got, expected, atol=1e-5, rtol=1e-5), t
            assert torch.allclose(decoder(z, torch.full((4,), t), tokens), expected, atol=1e-5)


def test_group_norm_matches_torch():
    torch.manual_seed(0)
    reference = torch.nn.GroupNorm(8, 32)
    torch.nn.init.normal_(reference.weight)
    ours = GroupNorm(8, 32, size=6)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(2, 32, 6, 6)
    assert torch.allclose(ours(x), reference(x), atol=1e-5)


def test_exported_decoder_has_no_shape_arithmetic():
    """Shape/Gather nodes would run on the CPU in onnxruntime's WebGPU engine: in neither the
    condition file nor the step file."""
    cfg = ImageConfig()
    decoder = TokenDecoder(cfg).eval()
    tokens = torch.randn(2, cfg.tokens, cfg.token_dim)
    z = torch.randn(2, cfg.latent_channels, cfg.latent_size, cfg.latent_size)
    step_inputs = {"z_t": z, "t": torch.tensor([5.0, 900.0]), **decoder_condition(decoder, tokens)}
    for module, inputs, outputs in (
        (Wrapper(decoder.condition, decoder), {"tokens": tokens}, list(CONDITION_OUTPUTS)),
        (Wrapper(decoder.step, decoder), step_inputs, ["x0"]),
    ):
        ops = {n.op_type for n in to_onnx(module, inputs, outputs).graph.node}
        assert not ops & {"Shape", "Gather", "GroupNormalization"}, ops
