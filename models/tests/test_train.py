"""The smoke profile runs the whole training path (data, image side, brain stages, export, eval)."""
import json
import shutil
from pathlib import Path

import onnx
import pytest
import torch

from models.mini import handoff
from models.mini.config import get_config
from models.mini.export import rebuild
from models.mini.onnx_io import tensor_from_json
from models.mini.train import run
from models.tests.app import parity_suite, validate_dataset, validate_models

EXPECTED_FILES = {
    "mini-image": {
        "image-encoder.onnx",
        "vae-decoder.onnx",
        "decoder-condition.onnx",
        "decoder-step.onnx",
        "image-side.json",
    },
    "mini-multisubject": {
        "adapter-subj02.onnx",
        "adapter-subj05.onnx",
        "adapter-subj07.onnx",
        "backbone.onnx",
        "prior.onnx",
        "model.json",
    },
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
        for file in files - {"model.json", "image-side.json"}:
            model = onnx.load(str(out / bundle / file))
            assert model.opset_import[0].version <= 17
            assert not any(
                i.type.tensor_type.elem_type == onnx.TensorProto.INT64 for i in model.graph.input
            )
            assert (out / bundle / "parity" / f"{file}.json").exists()


def test_the_app_validates_the_exported_bundles_and_the_test_dataset(trained):
    out, _ = trained
    # the smoke profile's test bundle (evaluate.test_bundle)
    dataset = out.parent / "out-test-dataset"
    result = validate_dataset(dataset)
    assert result.returncode == 0, result.stdout + result.stderr
    result = validate_models(out, dataset)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid: mini-multisubject, mini-subj01-alone, mini-subj01-finetuned" in result.stdout


def test_the_typescript_parity_suite_passes_on_the_fresh_export(trained):
    out, _ = trained
    result = parity_suite(out)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = [line for line in result.stdout.splitlines() if line.lstrip().startswith("✓")]
    for bundle in EXPECTED_FILES:
        check = f"{out / bundle} > runs every ONNX file on its fixture within tolerance"
        assert any(check in line for line in passed), (check, result.stdout)
    sampler = (
        f"{out / 'mini-subj01-finetuned'} > reproduces the Python DDIM samplers through onnxruntime"
    )
    assert any(sampler in line for line in passed), (sampler, result.stdout)


def test_export_rebuilds_a_bundle_from_its_checkpoint_alone(trained, tmp_path):
    """Before the reruns below, which train and export other finetune stages."""
    out, work = trained
    shutil.copytree(out / "mini-image", tmp_path / "mini-image")
    [checkpoint] = work.glob("finetune-*.pt")
    manifest = rebuild(checkpoint, tmp_path)
    bundle, again = out / "mini-subj01-finetuned", tmp_path / "mini-subj01-finetuned"
    for file in ("adapter-subj01.onnx", "backbone.onnx", "prior.onnx"):
        assert (again / file).read_bytes() == (bundle / file).read_bytes(), file
        assert (again / "parity" / f"{file}.json").read_bytes() == (
            bundle / "parity" / f"{file}.json"
        ).read_bytes()
    sampler = [json.loads((b / "parity" / "sampler.json").read_text()) for b in (bundle, again)]
    for part in ("prior", "decoder"):
        for name, value in sampler[0][part].items():
            if isinstance(value, dict):
                expected, got = (tensor_from_json(s[part][name]) for s in sampler)
                assert torch.allclose(got, expected, atol=1e-5), (part, name)
    trained_manifest = json.loads((bundle / "model.json").read_text())
    # other commits may land between the two exports
    manifest["provenance"]["codeVersion"] = trained_manifest["provenance"]["codeVersion"]
    assert {**manifest, "scores": trained_manifest["scores"]} == trained_manifest


def test_a_checkpoint_without_its_config_needs_the_profile_it_was_trained_with(trained, tmp_path):
    """Checkpoints written before they saved their config (.cache/train-cpu's) still rebuild."""
    out, work = trained
    shutil.copytree(out / "mini-image", tmp_path / "mini-image")
    state = torch.load(next(work.glob("alone-*.pt")))
    del state["config"], state["hardware"]
    old = tmp_path / "alone-old.pt"
    torch.save(state, old)
    with pytest.raises(SystemExit, match="records no training config"):
        rebuild(old, tmp_path)
    with pytest.raises(SystemExit, match="not trained with profile cpu: dataset_profile 'smoke'"):
        rebuild(old, tmp_path, profile="cpu")
    manifest = rebuild(old, tmp_path, profile="smoke")
    assert manifest["provenance"]["hardware"] == "not recorded"


def test_a_run_handed_off_elsewhere_exports_and_scores_here(trained, tmp_path, monkeypatch):
    """The gpu profile trains on a GPU machine and is exported here (models.mini.handoff)."""
    out, work = trained
    monkeypatch.setattr(handoff, "PART_BYTES", 2**20)  # so that the smoke run needs several parts
    remote = tmp_path / "remote"
    run(get_config("smoke"), remote, work, handoff=remote)  # the same checkpoints: nothing trains
    parts = sorted(remote.glob("trained.pt.part*"))
    assert len(parts) > 1 and all(p.stat().st_size <= 2**20 for p in parts)
    assert not (remote / "mini-image").exists()  # nothing exported there
    here = tmp_path / "here"
    with pytest.raises(SystemExit, match="trained with profile smoke, not cpu"):
        run(get_config("cpu"), here, tmp_path / "unused", stage="export", handoff=remote)
    run(get_config("smoke"), here, tmp_path / "unused", stage="export", handoff=remote)
    for bundle, files in EXPECTED_FILES.items():
        assert files <= {p.name for p in (here / bundle).iterdir()}, bundle
    result = validate_models(here, here.parent / "here-test-dataset")
    assert result.returncode == 0, result.stdout + result.stderr
    direct, handed = (
        json.loads((o / "mini-subj01-finetuned" / "model.json").read_text()) for o in (out, here)
    )
    assert handed["provenance"]["hardware"] == direct["provenance"]["hardware"]
    assert (
        handed["provenance"]["notes"]["stageSeconds"]
        == direct["provenance"]["notes"]["stageSeconds"]
    )
    for metric, value in direct["scores"]["subj01"]["rows"]["reconstruction"].items():
        # fp16 weights: the same model within rounding
        assert abs(handed["scores"]["subj01"]["rows"]["reconstruction"][metric] - value) < 0.02
    log = (here / "train-log.jsonl").read_text()
    assert '"message": "handed off"' in log and '"message": "export: a handoff"' in log
    parts[-1].unlink()
    with pytest.raises(SystemExit, match="do not read back"):
        run(get_config("smoke"), here, tmp_path / "unused", stage="export", handoff=remote)


def test_model_json_declares_the_contract_and_scores(trained):
    out, _ = trained
    manifest = json.loads((out / "mini-subj01-finetuned" / "model.json").read_text())
    assert manifest["format"] == "mindeye-web/models@1"
    assert manifest["subjects"]["subj01"]["voxelOrder"] == "c"
    assert len(manifest["decoder"]["alphasCumprod"]) == manifest["decoder"]["trainSteps"]
    assert manifest["decoder"]["img2imgStrength"] == get_config("smoke").img2img_strength
    assert manifest["decoder"]["blurryBlend"] == get_config("smoke").blurry_blend
    sampler = json.loads((out / "mini-subj01-finetuned" / "parity" / "sampler.json").read_text())
    assert sampler["decoder"]["img2imgStrength"] == manifest["decoder"]["img2imgStrength"]
    assert sampler["decoder"]["start"]["shape"] == sampler["decoder"]["noise"]["shape"]
    assert manifest["quantization"]["adapter-subj01.onnx"]["weights"] == "int8"
    assert manifest["quantization"]["../mini-image/decoder-step.onnx"]["weights"] == "fp32"
    image_side = json.loads((out / "mini-image" / "image-side.json").read_text())
    assert manifest["provenance"]["notes"]["imageSide"] == {
        k: image_side[k] for k in ("id", "version", "key")
    }
    assert (
        manifest["decoder"]["parameterization"] == image_side["decoder"]["parameterization"] == "x0"
    )
    assert {"pixCorr", "ssim", "twoWay"} <= set(image_side["scores"]["ceiling"])
    rows = manifest["scores"]["subj01"]["rows"]
    assert {
        "reconstruction",
        "decoder alone (before the low-level blend)",
        "low-level (blurry)",
        "without prior",
        "reconstruction, fp32 weights",
    } <= set(rows)
    assert any(r["name"].startswith("ridge") for r in manifest["scores"]["subj01"]["extraRows"])


def test_a_rerun_resumes_from_the_checkpoints_instead_of_training_again(trained, capsys):
    out, work = trained
    run(get_config("smoke"), out, work)
    log = capsys.readouterr().out
    for stage in ("image-encoder", "decoder", "pretrain", "finetune", "alone"):
        assert f'"message": "{stage}: resumed"' in log


def test_a_changed_setting_retrains_that_stage_and_the_stages_after_it(trained, tmp_path, capsys):
    _, work = trained
    run(get_config("smoke", {"finetune_steps": "12"}), tmp_path / "out", work)
    log = capsys.readouterr().out
    for stage in ("image-encoder", "decoder", "pretrain"):
        assert f'"message": "{stage}: resumed"' in log
    for stage in ("finetune", "alone"):
        assert f'"message": "{stage}: settings changed, training again"' in log
        assert f'"message": "{stage}", "step": 12' in log


def test_the_brain_stage_reuses_the_image_side_and_never_trains_it(trained, tmp_path, capsys):
    out, work = trained
    before = {
        f: (out / "mini-image" / f).read_bytes() for f in ("decoder-step.onnx", "image-side.json")
    }
    run(get_config("smoke", {"finetune_steps": "11"}), out, work, stage="brain")
    log = capsys.readouterr().out
    assert '"message": "image-encoder: resumed"' in log and '"message": "decoder: resumed"' in log
    assert '"message": "finetune", "step": 11' in log
    assert before == {f: (out / "mini-image" / f).read_bytes() for f in before}
    with pytest.raises(SystemExit, match="train the image side first"):
        run(get_config("smoke"), tmp_path / "out", tmp_path / "empty-work", stage="brain")


def test_without_checkpoints_the_brain_stage_loads_the_exported_image_side(
    trained, tmp_path, capsys
):
    """A fresh machine trains brain models on the shipped ONNX files instead of a new image side."""
    out, _ = trained
    shutil.copytree(out / "mini-image", tmp_path / "out" / "mini-image")
    run(get_config("smoke"), tmp_path / "out", tmp_path / "fresh-work", stage="brain")
    log = capsys.readouterr().out
    assert '"message": "image-encoder: loaded from the exported image side"' in log
    assert '"message": "decoder: loaded from the exported image side"' in log
    assert (tmp_path / "out" / "mini-subj01-finetuned" / "model.json").exists()


def test_the_subject_stage_fine_tunes_on_the_shipped_backbone_alone(trained, tmp_path, capsys):
    """On a fresh machine with the shipped bundles, subject 01's two models retrain without the
    pretraining subjects' data or checkpoints; the multi-subject bundle and its scores stay."""
    out, _ = trained
    for bundle in ("mini-image", "mini-multisubject"):
        shutil.copytree(out / bundle, tmp_path / "out" / bundle)
    shutil.copy(out / "eval.json", tmp_path / "out" / "eval.json")
    shipped = (tmp_path / "out" / "mini-multisubject" / "backbone.onnx").read_bytes()
    run(get_config("smoke"), tmp_path / "out", tmp_path / "fresh-work", stage="subject")
    log = capsys.readouterr().out
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    data = next(r for r in records if r["message"] == "data")
    assert list(data["trials"]) == ["subj01"]
    assert '"message": "pretrain: the shipped backbone"' in log
    assert '"message": "pretrain", "step"' not in log
    assert '"message": "finetune", "step": 20' in log and '"message": "alone", "step": 20' in log
    assert (tmp_path / "out" / "mini-multisubject" / "backbone.onnx").read_bytes() == shipped
    finetuned = json.loads((tmp_path / "out" / "mini-subj01-finetuned" / "model.json").read_text())
    assert finetuned["scores"]["subj01"]["rows"]["reconstruction"]
    report = json.loads((tmp_path / "out" / "eval.json").read_text())
    assert set(report["bundles"]) == {
        "mini-multisubject",
        "mini-subj01-finetuned",
        "mini-subj01-alone",
    }
