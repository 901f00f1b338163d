"""The smoke profile runs the whole training path (data, image side, brain stages, export, eval)."""
import json
from pathlib import Path

import onnx
import pytest

from models.mini.config import get_config
from models.mini.train import run

EXPECTED_FILES = {
    "mini-image": {"image-encoder.onnx", "vae-decoder.onnx", "decoder.onnx"},
    "mini-multisubject": {"adapter-subj02.onnx", "adapter-subj05.onnx", "adapter-subj07.onnx", "backbone.onnx", "prior.onnx", "model.json"},
    "mini-subj01-finetuned": {"adapter-subj01.onnx", "backbone.onnx", "prior.onnx", "model.json"},
    "mini-subj01-alone": {"adapter-subj01.onnx", "backbone.onnx", "prior.onnx", "model.json"},
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("train")
    run(get_config("smoke"), root / "out", root / "work")
    return root / "out", root / "work"


def test_smoke_training_exports_every_bundle_with_parity_fixtures(trained):
    out, _ = trained
    for bundle, files in EXPECTED_FILES.items():
        present = {p.name for p in (out / bundle).iterdir() if p.is_file()}
        assert files <= present, (bundle, present)
        for file in files - {"model.json"}:
            model = onnx.load(str(out / bundle / file))
            assert model.opset_import[0].version <= 17
            assert not any(i.type.tensor_type.elem_type == onnx.TensorProto.INT64 for i in model.graph.input)
            assert (out / bundle / "parity" / f"{file}.json").exists()


def test_model_json_declares_the_contract_and_scores(trained):
    out, _ = trained
    manifest = json.loads((out / "mini-subj01-finetuned" / "model.json").read_text())
    assert manifest["format"] == "mindeye-web/models@1"
    assert manifest["subjects"]["subj01"]["voxelOrder"] == "c"
    assert len(manifest["decoder"]["alphasCumprod"]) == manifest["decoder"]["trainSteps"]
    assert manifest["decoder"]["img2imgStrength"] == get_config("smoke").img2img_strength
    sampler = json.loads((out / "mini-subj01-finetuned" / "parity" / "sampler.json").read_text())
    assert sampler["decoder"]["img2imgStrength"] == manifest["decoder"]["img2imgStrength"]
    assert sampler["decoder"]["start"]["shape"] == sampler["decoder"]["noise"]["shape"]
    assert manifest["quantization"]["adapter-subj01.onnx"]["weights"] == "int8"
    assert manifest["quantization"]["../mini-image/decoder.onnx"]["weights"] == "fp32"
    rows = manifest["scores"]["subj01"]["rows"]
    assert {"reconstruction", "low-level (blurry)", "without prior", "reconstruction, fp32 weights"} <= set(rows)
    assert any(r["name"].startswith("ridge") for r in manifest["scores"]["subj01"]["extraRows"])


def test_a_rerun_resumes_from_the_checkpoints_instead_of_training_again(trained, capsys):
    out, work = trained
    run(get_config("smoke"), out, work)
    log = capsys.readouterr().out
    for stage in ("image-encoder", "autoencoder", "decoder", "pretrain", "finetune", "alone"):
        assert f'"message": "{stage}: resumed"' in log


def test_a_changed_setting_retrains_that_stage_and_the_stages_after_it(trained, tmp_path, capsys):
    _, work = trained
    run(get_config("smoke", {"finetune_steps": "12"}), tmp_path / "out", work)
    log = capsys.readouterr().out
    for stage in ("image-encoder", "autoencoder", "decoder", "pretrain"):
        assert f'"message": "{stage}: resumed"' in log
    for stage in ("finetune", "alone"):
        assert f'"message": "{stage}: settings changed, training again"' in log
        assert f'"message": "{stage}", "step": 12' in log
