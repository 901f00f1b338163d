"""The configs: shared sizes derived and checked, and the stage keys that name the checkpoints (and
the shipped image side's manifest) unchanged by how the configs are written."""
import json
from pathlib import Path

import pytest

from models.mini.config import BrainConfig, ImageConfig, get_config
from models.mini.image_model import CaptionEncoder, ImageEncoder, TokenDecoder, TokenRenderer
from models.mini.train import Log, Stage, decoder_settings, image_settings
from models.tests.app import ROOT

SHIPPED_IMAGE_SIDE = json.loads((ROOT / "public/models/mini-image/image-side.json").read_text())


def test_the_brain_side_takes_its_shared_sizes_from_the_image_side():
    image = ImageConfig(patch=16, token_dim=32)
    brain = BrainConfig.of(image)
    assert (brain.tokens, brain.token_dim, brain.embed_dim) == (16, 32, image.embed_dim)
    brain.check_matches(image)
    with pytest.raises(ValueError, match=r"tokens 64 \(image side 16\), token_dim 64"):
        BrainConfig.of(ImageConfig()).check_matches(image)


def test_an_image_config_whose_latent_is_not_the_image_is_refused():
    with pytest.raises(ValueError, match="latent_channels 48 must be 3"):
        ImageConfig(latent_size=32)


def test_the_brain_config_records_what_the_cpu_checkpoints_recorded():
    """Its fields are what a brain stage's key hashes (.cache/train-cpu's brain checkpoints)."""
    assert BrainConfig.of(ImageConfig()).__dict__ == {
        "hidden": 256,
        "blocks": 4,
        "dropout": 0.15,
        "tokens": 64,
        "token_dim": 64,
        "embed_dim": 128,
        "latent_channels": 48,
        "latent_size": 16,
        "lowlevel_channels": 32,
        "prior_width": 128,
        "prior_layers": 4,
        "prior_heads": 4,
    }


def test_the_image_stages_keep_the_keys_the_shipped_image_side_was_exported_from(tmp_path: Path):
    cfg, icfg = get_config("cpu"), ImageConfig()
    log = Log(tmp_path / "log.jsonl")
    modules = {"encoder": ImageEncoder(icfg), "captions": CaptionEncoder(icfg)}
    encoder = Stage(
        "image-encoder",
        {**modules, "renderer": TokenRenderer(icfg)},
        cfg.encoder_steps,
        cfg.image_lr,
        cfg,
        tmp_path,
        log,
        image_settings(cfg, icfg),
    )
    decoder = Stage(
        "decoder",
        {"decoder": TokenDecoder(icfg)},
        cfg.decoder_steps,
        cfg.image_lr / 2,
        cfg,
        tmp_path,
        log,
        decoder_settings(cfg, icfg, encoder.key),
    )
    assert {"image-encoder": encoder.key, "decoder": decoder.key} == SHIPPED_IMAGE_SIDE["keys"]
