import numpy as np
import pytest

from models.dataset.check import decode, noise_ceiling, retinotopy_effect
from models.dataset.synthetic import SyntheticNSD
from models.metrics import retrieval_accuracy, two_way_identification


@pytest.fixture(scope="module")
def sessions(smoke: SyntheticNSD):
    return [smoke.session("subj01", s) for s in range(smoke.profile.sessions)]


def test_identification_metrics_on_known_cases():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(40, 16))
    assert two_way_identification(truth, truth) == 1.0
    assert retrieval_accuracy(truth, truth, 300) == {"image": 1.0, "brain": 1.0, "poolSize": 40}
    assert abs(two_way_identification(rng.normal(size=(40, 16)), truth) - 0.5) < 0.1


def test_noise_ceilings_resemble_visual_cortex(sessions):
    nc = noise_ceiling(sessions)
    assert 15 <= np.median(nc) <= 40
    assert nc.min() < 5 and 50 < nc.max() <= 95


def test_ridge_decodes_far_above_chance_and_collapses_with_shuffled_labels(
    smoke: SyntheticNSD, sessions
):
    real = decode(smoke, sessions)
    shuffled = decode(smoke, sessions, shuffle=True)
    chance = real["chance"]["top1"]
    for target in ("pixels", "categories"):
        assert real[target]["two_way"] > 0.75, real
        assert real[target]["top1"] > 4 * chance, real
        assert abs(shuffled[target]["two_way"] - 0.5) < 0.1, shuffled
        assert shuffled[target]["top1"] < 3 * chance, shuffled


def test_left_field_voxels_prefer_objects_on_the_left(smoke: SyntheticNSD, sessions):
    effect = retinotopy_effect(smoke, "subj01", sessions)
    assert effect["left_field_preference"] > effect["right_field_preference"] + 0.05
