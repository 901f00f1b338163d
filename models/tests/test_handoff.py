"""The gpu profile's handoff (models.mini.handoff) must fit what the GPU machine can send back."""
import json
from pathlib import Path

import torch

from models.mini.brain_model import BrainModel, Prior
from models.mini.config import PRETRAIN_SUBJECTS, TARGET_SUBJECT, BrainConfig, ImageConfig
from models.mini.config import get_config
from models.mini.export import BRAIN_BUNDLES
from models.mini.handoff import read_handoff, write_handoff
from models.mini.image_model import ImageEncoder, PixelLatent, TokenDecoder
from models.mini.trained import Brain, ImageSide

DATASET = Path(__file__).resolve().parents[2] / "public" / "datasets" / "synthetic-nsd"
MIB = 2**20
# the device tool's limits on what comes back from $OUT: files, bytes per file, bytes in all
RETURN_FILES, RETURN_FILE_BYTES, RETURN_BYTES = 8, 16 * MIB, 64 * MIB


def test_the_gpu_profiles_handoff_fits_what_the_gpu_machine_can_send_back(tmp_path):
    voxels = {
        s["id"]: s["voxelCount"]
        for s in json.loads((DATASET / "dataset.json").read_text())["subjects"]
    }
    icfg = ImageConfig()
    bcfg = BrainConfig.of(icfg)
    image_side = ImageSide(
        icfg,
        ImageEncoder(icfg),
        PixelLatent(icfg),
        1.0,
        {"image-encoder": "key"},
        {"image-encoder": 1.0},
        TokenDecoder(icfg),
    )

    def brain(subjects: tuple[str, ...]) -> Brain:
        model = BrainModel(bcfg, {s: voxels[s] for s in subjects})
        return Brain(model, Prior(bcfg), bcfg, "key", {"stage": 1.0})

    brains = {
        BRAIN_BUNDLES["pretrain"]: brain(PRETRAIN_SUBJECTS),
        BRAIN_BUNDLES["finetune"]: brain((TARGET_SUBJECT,)),
        BRAIN_BUNDLES["alone"]: brain((TARGET_SUBJECT,)),
    }
    parts = write_handoff(tmp_path, get_config("gpu"), image_side, brains, "an H100")
    sizes = [p.stat().st_size for p in parts]
    log = 2 * MIB  # train-log.jsonl beside the parts, generously
    assert len(parts) + 1 <= RETURN_FILES and max(sizes) <= RETURN_FILE_BYTES
    assert sum(sizes) + log <= RETURN_BYTES, f"{sum(sizes) / MIB:.1f} MiB"

    cfg, side, back, hardware = read_handoff(tmp_path)
    assert cfg.profile == "gpu" and hardware == "an H100"
    # only the adapters of subjects whose bundles ship travel
    assert set(back[BRAIN_BUNDLES["pretrain"]].model.adapters) == {"subj02", "subj05", "subj07"}
    original = brains[BRAIN_BUNDLES["finetune"]].model.state_dict()
    for name, weight in back[BRAIN_BUNDLES["finetune"]].model.state_dict().items():
        assert torch.allclose(weight, original[name], rtol=1e-3, atol=1e-4), name
    for name, weight in side.trained_decoder().state_dict().items():
        assert torch.allclose(weight, image_side.decoder.state_dict()[name], rtol=1e-3, atol=1e-4)
