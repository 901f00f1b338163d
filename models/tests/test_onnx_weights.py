"""The image side's ONNX files are its checkpoint: weights load back exactly, or loading says why
not."""
import json

import pytest
import torch

from models.mini.brain_model import Backbone
from models.mini.export import export_onnx
from models.mini.config import BrainConfig, ImageConfig
from models.mini.image_model import TokenDecoder
from models.mini.onnx_weights import load_exported
from models.mini.quantize import fake_quantize_linears


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    torch.manual_seed(0)
    cfg = ImageConfig()
    decoder = TokenDecoder(cfg).eval()
    for p in decoder.parameters():
        # the zero-initialised output conv too, so every weight shows
        torch.nn.init.normal_(p, std=0.05)
    path = tmp_path_factory.mktemp("bundle") / "decoder.onnx"
    inputs = {
        "z_t": torch.randn(2, cfg.latent_channels, cfg.latent_size, cfg.latent_size),
        "t": torch.tensor([999.0, 10.0]),
        "tokens": torch.randn(2, cfg.tokens, cfg.token_dim),
    }
    export_onnx(decoder, inputs, ["x0"], path, quantize=False)
    return decoder, path


def test_every_weight_loads_back_exactly_through_the_exporters_rewrites(exported):
    decoder, path = exported
    loaded = TokenDecoder(decoder.renderer.cfg)
    load_exported(loaded, path)
    for (name, a), b in zip(decoder.named_parameters(), loaded.parameters()):
        assert torch.equal(a, b), name


def test_a_file_that_does_not_reproduce_its_fixture_is_refused(exported, tmp_path):
    decoder, path = exported
    (tmp_path / "parity").mkdir()
    (tmp_path / "decoder.onnx").write_bytes(path.read_bytes())
    fixture = json.loads((path.parent / "parity" / "decoder.onnx.json").read_text())
    fixture["outputs"] = {
        "x0": {**fixture["outputs"]["x0"], "data": fixture["inputs"]["z_t"]["data"]}
    }
    (tmp_path / "parity" / "decoder.onnx.json").write_text(json.dumps(fixture))
    with pytest.raises(ValueError, match="differs from the fixture"):
        load_exported(TokenDecoder(decoder.renderer.cfg), tmp_path / "decoder.onnx")


def test_an_int8_file_loads_back_as_its_dequantized_weights(tmp_path):
    """A brain bundle's backbone ships with int8 weights: `train --stage subject` fine-tunes from
    it, so its weights must come back as the values the file computes with."""
    torch.manual_seed(0)
    cfg = BrainConfig.of(ImageConfig())
    backbone = Backbone(cfg).eval()
    for p in backbone.parameters():  # no two alike (the exporter shares equal initializers)
        torch.nn.init.normal_(p, std=0.05)
    path = tmp_path / "backbone.onnx"
    export_onnx(
        backbone,
        {"shared": torch.randn(2, cfg.hidden)},
        ["clip_tokens", "retrieval", "blurry_latent"],
        path,
        quantize=True,
    )
    fake_quantize_linears(backbone)
    loaded = Backbone(cfg)
    load_exported(loaded, path)
    for (name, a), b in zip(backbone.named_parameters(), loaded.parameters()):
        assert torch.allclose(a, b, atol=1e-7, rtol=0), name
