import hashlib
import json
from pathlib import Path

import nibabel as nib
import numpy as np
import zarr

from models.dataset.bundle import write_bundle
from models.dataset.config import REPEATS, SUBJECTS, get_profile
from models.dataset.synthetic import SyntheticNSD
from models.tests.app import validate_dataset


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_generator_rebuilds_the_bundle_byte_for_byte(smoke_bundle: Path, tmp_path: Path):
    again = tmp_path / "again"
    write_bundle(SyntheticNSD(get_profile("smoke")), again, log=lambda _: None)
    assert digest(again) == digest(smoke_bundle)


def test_the_app_validates_the_bundle(smoke_bundle: Path):
    result = validate_dataset(smoke_bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{smoke_bundle.resolve()}: valid" in result.stdout


def test_another_seed_gives_another_dataset(smoke_bundle: Path, tmp_path: Path):
    other = tmp_path / "other"
    write_bundle(SyntheticNSD(get_profile("smoke", seed=1)), other, log=lambda _: None)
    assert digest(other)["subj01/roi.nii.gz"] != digest(smoke_bundle)["subj01/roi.nii.gz"]


def test_bundle_is_consistent_with_its_description(smoke_bundle: Path):
    dataset = json.loads((smoke_bundle / "dataset.json").read_text())
    assert dataset["format"] == "mindeye-web/dataset@1" and dataset["synthetic"] is True
    assert [s["id"] for s in dataset["subjects"]] == list(SUBJECTS)
    for subject in dataset["subjects"]:
        roi = np.asarray(nib.load(str(smoke_bundle / subject["roi"])).dataobj)
        anatomy = nib.load(str(smoke_bundle / subject["anatomy"]))
        assert anatomy.shape == roi.shape
        assert np.isin(roi, subject["maskLabels"]).sum() == subject["voxelCount"]
        if "betas" not in subject:
            continue
        betas = zarr.open_array(str(smoke_bundle / subject["betas"]["path"]), mode="r")
        trials = json.loads((smoke_bundle / subject["trials"]).read_text())
        assert betas.shape == (len(trials["image"]), subject["voxelCount"])
        assert betas.dtype == np.int8
        encoding = zarr.open_array(str(smoke_bundle / subject["encoding"]["path"]), mode="r")
        assert encoding.shape == (subject["voxelCount"], len(subject["encoding"]["columns"]))
        for row, image in enumerate(trials["image"]):
            assert row in dataset["images"][image]["trials"][subject["id"]]
    single = dataset["subjects"][0]
    trials = json.loads((smoke_bundle / single["trials"]).read_text())
    assert single["betas"]["rows"] == "single-trial"
    assert len(trials["image"]) == REPEATS * len(dataset["images"])
    assert dataset["subjects"][1]["betas"]["rows"] == "repeat-average"


def test_shipped_test_betas_are_z_scores_with_signal(smoke_bundle: Path):
    dataset = json.loads((smoke_bundle / "dataset.json").read_text())
    subject = dataset["subjects"][0]
    betas = (
        zarr.open_array(str(smoke_bundle / subject["betas"]["path"]), mode="r")[:]
        * subject["betas"]["scale"]
    )
    assert 0.7 < betas.std() < 1.3
    # repeats of the same image agree more than different images do
    repeats = betas.reshape(-1, REPEATS, betas.shape[1])
    same = np.mean([np.corrcoef(r[0], r[1])[0, 1] for r in repeats])
    other = np.mean(
        [np.corrcoef(repeats[i, 0], repeats[i + 1, 1])[0, 1] for i in range(len(repeats) - 1)]
    )
    assert same > other + 0.05
