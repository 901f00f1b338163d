"""The image side's ONNX files are its checkpoint: weights load back exactly, or loading says why
not."""
import json

import pytest
import torch

from models.mini.brain_model import Backbone
from models.mini.export import Wrapper, export_image_side, export_onnx, load_decoder
from models.mini.config import BrainConfig, ImageConfig, get_config
from models.mini.image_model import ImageEncoder, PixelLatent, TokenDecoder
from models.mini.onnx_weights import load_exported
from models.mini.quantize import fake_quantize_linears
from models.mini.trained import ImageSide


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    torch.manual_seed(0)
    cfg = ImageConfig()
    decoder = TokenDecoder(cfg).eval()
    for p in decoder.parameters():
        # the zero-initialised output conv too, so every weight shows
        torch.nn.init.normal_(p, std=0.05)
    folder = tmp_path_factory.mktemp("bundle")
    side = ImageSide(
        cfg, ImageEncoder(cfg), PixelLatent(cfg), 1.0, {"image-encoder": "k"}, {}, decoder
    )
    export_image_side(side, get_config("smoke"), folder, "test")
    return decoder, folder


def test_every_weight_loads_back_exactly_from_the_condition_and_step_files(exported):
    """Each file holds part of the decoder (the step's q and the condition's k/v biases share one
    parameter); together they hold all of it, through the exporter's rewrites."""
    decoder, folder = exported
    loaded = TokenDecoder(decoder.renderer.cfg)
    load_decoder(loaded, folder)
    for (name, a), b in zip(decoder.named_parameters(), loaded.parameters()):
        assert torch.equal(a, b), name


def test_a_file_that_does_not_reproduce_its_fixture_is_refused(exported, tmp_path):
    decoder, folder = exported
    (tmp_path / "parity").mkdir()
    for file in ("decoder-condition.onnx", "decoder-step.onnx"):
        (tmp_path / file).write_bytes((folder / file).read_bytes())
        fixture = (folder / "parity" / f"{file}.json").read_text()
        (tmp_path / "parity" / f"{file}.json").write_text(fixture)
    fixture = json.loads((folder / "parity" / "decoder-step.onnx.json").read_text())
    fixture["outputs"] = {
        "x0": {**fixture["outputs"]["x0"], "data": fixture["inputs"]["z_t"]["data"]}
    }
    (tmp_path / "parity" / "decoder-step.onnx.json").write_text(json.dumps(fixture))
    with pytest.raises(ValueError, match="decoder-step.onnx.json: x0 .* differs from the fixture"):
        load_decoder(TokenDecoder(decoder.renderer.cfg), tmp_path)


def test_a_missing_part_is_named(exported, tmp_path):
    """The step file alone lacks the key and value weights (and the k/v parts of the biases)."""
    decoder, folder = exported
    with pytest.raises(ValueError, match="no weights found for parts.0.attn1.attn.in_proj_bias, "):
        load_exported(Wrapper(decoder.step, decoder), folder / "decoder-step.onnx")


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
