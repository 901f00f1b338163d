"""npm run convert on tiny trees in NSD's and MindEye2's layouts (models.convert.fake): every
planted value, trial and image in place, resumable, bad input refused naming the file; the TS
validator accepts what it writes."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import h5py
import nibabel as nib
import numpy as np
import pytest
import scipy.io
import zarr
from PIL import Image

from models.convert import pipeline
from models.convert.__main__ import main
from models.convert.fake import (
    Layout,
    image_colour,
    write_mindeye2_tree,
    write_nsd_tree,
    write_stimuli,
)
from models.convert.nsd import BETAS_VERSION, betas_path, design_path, stimuli_path, zscore
from models.convert.progress import Progress
from models.convert.subject import func_folder

REPO = Path(__file__).resolve().parents[2]
LAYOUT = Layout(grid=(7, 8, 6), voxels=40, image_px=16)
SESSIONS = 2
PLANTED = (1, 123)  # (0-based session, trial) of the planted spike
SKIPPED_ROWS = (5, 751)  # trials no MindEye2 shard describes


def betas_file(root: Path, subject: str, session: int) -> Path:
    return betas_path(root, subject, session, BETAS_VERSION)


def nsd_voxel(root: Path, subject: str) -> tuple[int, int, int]:
    """The planted voxel: the 7th nsdgeneral voxel in C order."""
    roi = np.asarray(nib.load(str(func_folder(root, subject) / "roi/nsdgeneral.nii.gz")).dataobj)
    return tuple(int(c[6]) for c in np.nonzero(roi == 1))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def nsd_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nsd")
    write_nsd_tree(root, ("subj01", "subj02"), SESSIONS, LAYOUT)
    path = betas_file(root, "subj01", PLANTED[0] + 1)  # plant a spike nibabel's way
    image = nib.load(str(path))
    data = np.asarray(image.dataobj).copy()
    data[nsd_voxel(root, "subj01") + (PLANTED[1],)] = 30000
    nib.save(nib.Nifti1Image(data, image.affine, image.header), str(path))
    return root


def design(root: Path) -> dict[str, np.ndarray]:
    return scipy.io.loadmat(str(design_path(root)))


def convert(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def run_validator(bundle: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["npx", "tsx", "src/cli/validate.ts", str(bundle)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def expected_nsd_betas(root: Path, subject: str) -> np.ndarray:
    """nibabel's array, nsdgeneral voxels in C order, / 300, z-scored per voxel per session."""
    mask = np.asarray(nib.load(str(func_folder(root, subject) / "roi/nsdgeneral.nii.gz")).dataobj)
    sessions = []
    for session in range(1, SESSIONS + 1):
        data = nib.load(str(betas_file(root, subject, session))).get_fdata()
        values = data[mask == 1].T / 300  # [750, V]
        sessions.append((values - values.mean(0)) / values.std(0))
    return np.concatenate(sessions)


@pytest.fixture(scope="module")
def nsd_bundle(nsd_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "nsd"
    assert convert("nsd", nsd_root, "--subject", "subj01", "--subject", "subj02",
                   "--sessions", SESSIONS, "--dtype", "float32", "--out", out) == 0  # fmt: skip
    return out


def load(bundle: Path) -> dict:
    return json.loads((bundle / "dataset.json").read_text())


def test_nsd_trials_images_and_splits_follow_the_1_based_design(nsd_root: Path, nsd_bundle: Path):
    dataset = load(nsd_bundle)
    values = design(nsd_root)
    master = values["masterordering"].ravel().astype(int)
    subjectim = values["subjectim"].astype(int)
    for s, subject in enumerate(dataset["subjects"]):
        trials = json.loads((nsd_bundle / subject["trials"]).read_text())
        rows = SESSIONS * 750
        assert len(trials["image"]) == rows
        ids = [dataset["images"][i]["id"] for i in trials["image"]]
        assert ids == [f"nsd{subjectim[s, m - 1]:05d}" for m in master[:rows]]
        assert trials["split"] == ["test" if m <= 1000 else "train" for m in master[:rows]]
        assert trials["session"] == [t // 750 for t in range(rows)]
        first = {}
        for row, image in enumerate(trials["image"]):
            assert trials["repeat"][row] == first.setdefault(image, []).__len__()
            first[image].append(row)
            assert row in dataset["images"][image]["trials"][subject["id"]]
    test_ids = {im["id"] for im in dataset["images"] if im["split"] == "test"}
    assert test_ids <= {f"nsd{i:05d}" for i in values["sharedix"].ravel().astype(int)}
    assert [im["id"] for im in dataset["images"]] == sorted(im["id"] for im in dataset["images"])


def test_nsd_betas_are_divided_by_300_and_z_scored_per_session(nsd_root: Path, nsd_bundle: Path):
    subject = load(nsd_bundle)["subjects"][0]
    assert subject["voxelOrder"] == "c" and subject["voxelCount"] == LAYOUT.voxels
    assert subject["betas"] == {"path": "subj01/betas.zarr", "dtype": "float32",
                                "rows": "single-trial", "zscored": "session"}  # fmt: skip
    betas = zarr.open_array(str(nsd_bundle / subject["betas"]["path"]), mode="r")[:]
    np.testing.assert_allclose(betas, expected_nsd_betas(nsd_root, "subj01"), atol=2e-5)
    # the planted spike is where its voxel and trial say
    roi = np.asarray(nib.load(str(nsd_bundle / subject["roi"])).dataobj)
    voxel = nsd_voxel(nsd_root, "subj01")
    column = int(np.searchsorted(np.flatnonzero(roi == 1), np.ravel_multi_index(voxel, roi.shape)))
    assert column == 6 and betas[:, 6].argmax() == PLANTED[0] * 750 + PLANTED[1]
    assert betas[:, 6].max() > 20


def test_nsd_volumes_keep_the_grid_and_drop_the_minus_one_label(nsd_root: Path, nsd_bundle: Path):
    subject = load(nsd_bundle)["subjects"][1]
    source = nib.load(str(func_folder(nsd_root, "subj02") / "roi/nsdgeneral.nii.gz"))
    roi = nib.load(str(nsd_bundle / subject["roi"]))
    assert (np.asarray(source.dataobj) == -1).any()
    np.testing.assert_array_equal(np.asarray(roi.dataobj), np.asarray(source.dataobj) == 1)
    np.testing.assert_allclose(roi.affine, source.affine)
    assert subject["roiLabels"] == {"1": "nsdgeneral"} and subject["maskLabels"] == [1]
    assert load(nsd_bundle)["voxelSize"] == [1.8, 1.8, 1.8]


def test_nsd_images_are_the_subjects_own_stimuli(nsd_bundle: Path):
    dataset = load(nsd_bundle)
    assert len(list((nsd_bundle / "images").iterdir())) == len(dataset["images"])
    for image in dataset["images"][:: max(1, len(dataset["images"]) // 25)]:
        index = int(image["id"][3:]) - 1
        pixels = np.asarray(Image.open(nsd_bundle / image["file"]).convert("RGB"), np.float32)
        assert np.abs(pixels.mean((0, 1)) - image_colour(index)).max() < 4, image["id"]


def test_the_app_paints_the_planted_trial_at_the_planted_voxel(nsd_root: Path, nsd_bundle: Path):
    row = PLANTED[0] * 750 + PLANTED[1]
    result = subprocess.run(
        ["npx", "tsx", "scripts/read-betas-row.ts", str(nsd_bundle), str(row)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["peakVoxel"] == list(nsd_voxel(nsd_root, "subj01"))
    assert read["voxels"] == LAYOUT.voxels and read["rows"] == SESSIONS * 750


def test_int_betas_report_what_they_clip(nsd_root: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert convert("nsd", nsd_root, "--subject", "subj01", "--sessions", SESSIONS,
                   "--dtype", "int8", "--out", out) == 0  # fmt: skip
    assert "subj01 session 2: " in capsys.readouterr().out  # the spike, at least
    subject = load(out)["subjects"][0]
    assert subject["betas"]["dtype"] == "int8" and subject["betas"]["scale"] == 1 / 32
    betas = zarr.open_array(str(out / subject["betas"]["path"]), mode="r")[:] / 32
    exact = np.clip(expected_nsd_betas(nsd_root, "subj01"), -127 / 32, 127 / 32)
    np.testing.assert_allclose(betas, exact, atol=1 / 64 + 1e-6)


def test_the_validator_accepts_the_converted_bundles(nsd_bundle: Path, mindeye2_bundle: Path):
    for bundle in (nsd_bundle, mindeye2_bundle):
        result = run_validator(bundle)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "valid" in result.stdout


# --- MindEye2 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mindeye2_tree(nsd_root: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("mindeye2")
    values = design(nsd_root)
    master = values["masterordering"].ravel().astype(int)
    trial_images = values["subjectim"].astype(int)[:, master - 1] - 1
    shared = set(values["sharedix"].ravel().astype(int).tolist())
    betas = write_mindeye2_tree(folder, trial_images, shared, "subj01", SESSIONS, LAYOUT.voxels,
                                skip_rows=SKIPPED_ROWS)  # fmt: skip
    coco = folder / "coco_images_224_float16.hdf5"
    write_stimuli(coco, trial_images[0, : SESSIONS * 750], LAYOUT.image_px, True, False)
    return folder, betas, trial_images[0], shared, coco


@pytest.fixture(scope="module")
def mindeye2_bundle(nsd_root: Path, mindeye2_tree, tmp_path_factory) -> Path:
    folder, _, _, _, coco = mindeye2_tree
    out = tmp_path_factory.mktemp("bundle") / "mindeye2"
    assert convert("mindeye2", folder, "--nsd", nsd_root, "--images", coco, "--subject", "subj01",
                   "--dtype", "float32", "--out", out) == 0  # fmt: skip
    return out


def test_mindeye2_rows_are_the_described_trials_values_kept(mindeye2_tree, mindeye2_bundle: Path):
    _, betas, images, shared, _ = mindeye2_tree
    dataset = load(mindeye2_bundle)
    subject = dataset["subjects"][0]
    assert subject["betas"]["zscored"] == "train" and subject["voxelOrder"] == "c"
    kept = [r for r in range(SESSIONS * 750) if r not in SKIPPED_ROWS]
    stored = zarr.open_array(str(mindeye2_bundle / subject["betas"]["path"]), mode="r")[:]
    np.testing.assert_array_equal(stored, betas[kept])  # row = (session - 1) * 750 + trial
    trials = json.loads((mindeye2_bundle / subject["trials"]).read_text())
    ids = [dataset["images"][i]["id"] for i in trials["image"]]
    assert ids == [f"nsd{images[r] + 1:05d}" for r in kept]
    assert trials["session"] == [r // 750 for r in kept]
    assert trials["split"] == ["test" if images[r] + 1 in shared else "train" for r in kept]
    behaviour = trials["behaviour"]  # behav.npy's columns, -1 (missing) as null
    assert behaviour["run"] == [r % 750 // 63 + 1 for r in kept]
    assert behaviour["trial"] == [r % 750 for r in kept]
    assert behaviour["rt"] == [None if r % 7 == 0 else 500 + r % 700 for r in kept]
    assert set(behaviour["isold"]) == {None}


def test_mindeye2_float16_coco_images_become_webp(mindeye2_bundle: Path):
    for image in load(mindeye2_bundle)["images"][::40]:
        pixels = np.asarray(Image.open(mindeye2_bundle / image["file"]).convert("RGB"), np.float32)
        assert np.abs(pixels.mean((0, 1)) - image_colour(int(image["id"][3:]) - 1)).max() < 4


# --- resuming ---------------------------------------------------------------------------------


def test_an_interrupted_conversion_resumes_where_it_stopped(
    nsd_root: Path, nsd_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "out"
    argv = ["nsd", nsd_root, "--subject", "subj01", "--subject", "subj02", "--sessions", SESSIONS,
            "--dtype", "float32", "--out", out]  # fmt: skip
    sessions_read = []
    real_write_subject = pipeline.write_subject

    def write_subject(plan, *args):
        read = plan.read_session

        def read_session(session):
            if plan.id == "subj02" and session == 1 and not sessions_read.count(("stop",)):
                sessions_read.append(("stop",))
                raise KeyboardInterrupt  # killed in the middle of subj02's second session
            sessions_read.append((plan.id, session))
            return read(session)

        plan.read_session = read_session
        return real_write_subject(plan, *args)

    monkeypatch.setattr(pipeline, "write_subject", write_subject)
    assert convert(*argv) == 130
    assert not (out / "dataset.json").exists()
    assert sorted(p.name for p in (out / ".convert").iterdir() if p.name != "settings.json") == [
        "subj01.session01", "subj01.session02", "subj01.volumes", "subj02.session01",
        "subj02.volumes"]  # fmt: skip
    # a different setting is refused rather than mixed into the half-written bundle
    assert convert(*argv[:-4], "--dtype", "int8", "--out", out) == 1
    assert convert(*argv) == 0
    assert sessions_read[-1:] == [("subj02", 1)]  # only the interrupted session was read again
    assert not (out / ".convert").exists()
    for subject in ("subj01", "subj02"):
        again = zarr.open_array(str(out / subject / "betas.zarr"), mode="r")[:]
        first = zarr.open_array(str(nsd_bundle / subject / "betas.zarr"), mode="r")[:]
        np.testing.assert_array_equal(again, first)
    assert load(out) == load(nsd_bundle)


def test_images_resume_and_a_finished_bundle_is_left_alone(
    nsd_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    out = tmp_path / "out"
    argv = ["nsd", nsd_root, "--subject", "subj01", "--sessions", 1, "--out", out]
    written = []
    real = pipeline.write_image

    def write_image(path, *args):
        if len(written) == 30:
            raise KeyboardInterrupt
        written.append(path)
        real(path, *args)

    monkeypatch.setattr(pipeline, "write_image", write_image)
    assert convert(*argv) == 130
    assert len(list((out / "images").glob("*.webp"))) == 30
    assert not list((out / "images").glob(".*"))  # no partial files left
    written.clear()
    monkeypatch.setattr(pipeline, "write_image", real)
    assert convert(*argv) == 0
    assert len(list((out / "images").glob("*.webp"))) == len(load(out)["images"])
    capsys.readouterr()
    assert convert(*argv) == 1
    assert "a complete bundle and not a conversion in progress" in capsys.readouterr().err


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def nsd_copy(nsd_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "nsd"
    shutil.copytree(nsd_root, root)
    return root


def refusal(capsys, *argv) -> str:
    capsys.readouterr()
    assert convert(*argv) == 1
    return capsys.readouterr().err


def nsd_args(root: Path, out: Path) -> list:
    return ["nsd", root, "--subject", "subj01", "--sessions", SESSIONS, "--out", out]


def test_a_missing_session_is_refused_naming_the_file(nsd_copy: Path, tmp_path: Path, capsys):
    betas_file(nsd_copy, "subj01", 2).unlink()
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{betas_file(nsd_copy, 'subj01', 2)}: not found" in err
    assert not (tmp_path / "out").exists()


def test_a_truncated_session_is_refused_and_the_bundle_stays_incomplete(
    nsd_copy: Path, tmp_path: Path, capsys
):
    path = betas_file(nsd_copy, "subj01", 2)
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[: len(raw) // 2]))  # a whole gzip stream, short data
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{path}: truncated: holds 374 whole trial volumes of the 750" in err
    assert not (tmp_path / "out" / "dataset.json").exists()
    path.write_bytes(path.read_bytes()[:5000])  # a cut gzip stream
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out2"))
    assert f"{path}: truncated or corrupt" in err


def test_a_truncated_roi_is_refused_naming_it(nsd_copy: Path, tmp_path: Path, capsys):
    path = func_folder(nsd_copy, "subj01") / "roi/nsdgeneral.nii.gz"
    path.write_bytes(path.read_bytes()[:-40])
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{path}: not a readable NIfTI file, truncated or corrupt" in err


def test_volumes_on_another_grid_are_refused_naming_both(nsd_copy: Path, tmp_path: Path, capsys):
    anatomy = func_folder(nsd_copy, "subj01") / "T1_to_func1pt8mm.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((7, 8, 5), np.float32), LAYOUT.affine), str(anatomy))
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{anatomy}: not on the grid of {func_folder(nsd_copy, 'subj01')}/roi/nsdgeneral" in err


def test_a_design_file_without_its_keys_is_refused(nsd_copy: Path, tmp_path: Path, capsys):
    scipy.io.savemat(str(design_path(nsd_copy)), {"masterordering": np.ones((1, 30000))})
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{design_path(nsd_copy)}: has no subjectim, sharedix" in err


def test_stimuli_without_an_image_key_are_refused(nsd_copy: Path, tmp_path: Path, capsys):
    with h5py.File(stimuli_path(nsd_copy), "w") as f:
        f["pictures"] = np.zeros((2, 2))
    err = refusal(capsys, *nsd_args(nsd_copy, tmp_path / "out"))
    assert f"{stimuli_path(nsd_copy)}: has no dataset imgBrick or images" in err


def mindeye2_args(tree, nsd_root: Path, out: Path) -> list:
    folder, *_, coco = tree
    return ["mindeye2", folder, "--nsd", nsd_root, "--images", coco, "--subject", "subj01",
            "--out", out]  # fmt: skip


@pytest.fixture
def mindeye2_copy(mindeye2_tree, tmp_path: Path):
    folder = tmp_path / "mindeye2"
    shutil.copytree(mindeye2_tree[0], folder)
    return (folder,) + tuple(mindeye2_tree[1:-1]) + (folder / mindeye2_tree[-1].name,)


def test_betas_of_another_mask_are_refused(mindeye2_copy, nsd_root: Path, tmp_path: Path, capsys):
    path = mindeye2_copy[0] / "betas_all_subj01_fp32_renorm.hdf5"
    with h5py.File(path, "w") as f:
        f["betas"] = np.zeros((1500, LAYOUT.voxels + 3), np.float32)
    err = refusal(capsys, *mindeye2_args(mindeye2_copy, nsd_root, tmp_path / "out"))
    assert f"{path}: betas has {LAYOUT.voxels + 3} voxels per row, but " in err
    assert f"nsdgeneral.nii.gz has {LAYOUT.voxels} voxels labelled 1" in err


def test_an_hdf5_without_betas_is_refused(mindeye2_copy, nsd_root: Path, tmp_path: Path, capsys):
    path = mindeye2_copy[0] / "betas_all_subj01_fp32_renorm.hdf5"
    with h5py.File(path, "w") as f:
        f["voxels"] = np.zeros((1500, LAYOUT.voxels), np.float32)
    err = refusal(capsys, *mindeye2_args(mindeye2_copy, nsd_root, tmp_path / "out"))
    assert f"{path}: has no dataset betas (it holds voxels)" in err


def test_shards_that_disagree_are_refused(mindeye2_copy, nsd_root: Path, tmp_path: Path, capsys):
    shard = mindeye2_copy[0] / "wds/subj01/test/0.tar"
    shard.write_bytes(shard.read_bytes()[:700])
    err = refusal(capsys, *mindeye2_args(mindeye2_copy, nsd_root, tmp_path / "out"))
    assert f"{shard}: not a readable tar shard, truncated or corrupt" in err


def test_progress_gives_a_rate_and_an_estimate():
    now = [0.0]
    lines = []

    class Stream:
        def write(self, text):
            lines.append(text.strip())

        def flush(self):
            pass

    progress = Progress("betas", 3000, "trials", Stream(), every_s=5, clock=lambda: now[0])
    progress.skip(750)
    now[0] = 10.0
    progress.advance(750, "subj01 session 2")
    assert lines == ["betas: 1500/3000 trials, 75 trials/s, 10s elapsed, about 20s left "
                     "(subj01 session 2)"]  # fmt: skip


def test_z_scoring_leaves_a_constant_voxel_at_zero():
    values = np.array([[1.0, 5.0], [3.0, 5.0]], np.float32)
    np.testing.assert_array_equal(zscore(values), [[-1.0, 0.0], [1.0, 0.0]])


def test_the_scale_generator_writes_the_converters_bundle_with_its_planted_row_code(tmp_path: Path):
    from models.convert import scale

    out = tmp_path / "scale"
    scale.main(["--out", str(out), "--sessions", "2", "--voxels", "60"])
    dataset = load(out)
    assert dataset["synthetic"] is True
    subject = dataset["subjects"][0]
    stored = zarr.open_array(str(out / subject["betas"]["path"]), mode="r")
    assert stored.shape == (1500, 60) and stored.chunks == (10, 60) and stored.dtype == np.int16
    rows = np.array([0, 749, 750, 1499])
    values = stored.get_orthogonal_selection((rows, slice(0, 2))) * subject["betas"]["scale"]
    np.testing.assert_array_equal(values, scale.planted_code(rows))
    trials = json.loads((out / subject["trials"]).read_text())
    assert trials["session"] == [0] * 750 + [1] * 750
    assert {len(column) for column in trials["behaviour"].values()} == {1500}
    assert trials["behaviour"]["isold"] == [int(r > 0) for r in trials["repeat"]]
