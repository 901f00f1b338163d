import nibabel as nib
import numpy as np
import pytest

from models.dataset.anatomy import TEMPLATE_DIR, read_template_volume
from models.dataset.config import SUBJECTS
from models.dataset.synthetic import SyntheticNSD


def test_subjects_have_their_own_masks_within_the_profile_range(smoke: SyntheticNSD):
    low, high = smoke.profile.mask_voxels
    sizes = [len(smoke.anatomy(s).voxels) for s in SUBJECTS]
    assert all(low <= n <= high for n in sizes), sizes
    assert len(set(sizes)) == len(SUBJECTS)


def test_every_roi_label_is_present_and_on_the_anatomy_grid(smoke: SyntheticNSD):
    anatomy = smoke.anatomy("subj01")
    assert anatomy.t1.shape == anatomy.roi.shape == smoke.profile.grid
    counts = np.bincount(anatomy.roi.ravel(), minlength=5)
    assert (counts[1:5] > 0.1 * counts[1:5].sum()).all(), counts
    # mask voxels sit in the brain, not in the background
    assert anatomy.t1[anatomy.roi > 0].min() > 40


def test_voxel_vector_enumerates_the_mask_in_c_order(smoke: SyntheticNSD):
    anatomy = smoke.anatomy("subj02")
    flat = np.ravel_multi_index(tuple(anatomy.voxels.T), anatomy.roi.shape, order="C")
    assert (np.diff(flat) > 0).all()
    assert (anatomy.roi[tuple(anatomy.voxels.T)] == anatomy.area).all()


def test_retinotopy_is_contralateral_and_inverted_with_eccentricity_rising_anteriorly(
    smoke: SyntheticNSD,
):
    anatomy = smoke.anatomy("subj01")
    prf = smoke.encoder("subj01").prf
    x, y, z = anatomy.template_mm.T
    v1 = anatomy.area == 1
    left_hemisphere = v1 & (x < -5)
    right_hemisphere = v1 & (x > 5)
    assert np.mean(prf[left_hemisphere, 0] > 0) > 0.95  # left hemisphere sees the right field
    assert np.mean(prf[right_hemisphere, 0] < 0) > 0.95
    eccentricity = np.hypot(prf[:, 0], prf[:, 1])
    assert np.corrcoef(y[v1], eccentricity[v1])[0, 1] > 0.5
    early = anatomy.area < 4
    # pRFs grow with eccentricity
    assert np.corrcoef(eccentricity[early], prf[early, 2])[0, 1] > 0.5


def test_the_templates_read_without_nibabel_as_nibabel_reads_them(tmp_path):
    """read_template_volume stands in for nibabel on the GPU machine (numpy 2)."""
    for name in ("ch2bet.nii.gz", "brodmann.nii.gz"):
        path = TEMPLATE_DIR / name
        voxels, affine = read_template_volume(path)
        image = nib.load(str(path))
        assert np.array_equal(voxels, np.asarray(image.dataobj)), name
        assert np.array_equal(affine, image.affine), name
    scaled = nib.Nifti1Image(np.ones((2, 2, 2), np.int16), np.eye(4))
    scaled.header.set_slope_inter(2.0, 0.0)
    nib.save(scaled, str(tmp_path / "scaled.nii"))
    with pytest.raises(ValueError, match="scaled.nii: no sform, or scaled intensities"):
        read_template_volume(tmp_path / "scaled.nii")
