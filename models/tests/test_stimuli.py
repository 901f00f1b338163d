import numpy as np

from models.dataset.stimuli import CATEGORY_NAMES, caption
from models.dataset.synthetic import ImageKey, SyntheticNSD


def test_scenes_are_reproducible_and_distinct(smoke: SyntheticNSD):
    key = ImageKey(0, 3)
    assert smoke.scene(key) == smoke.scene(key)
    # a second generator of the same profile, so its render cache holds nothing yet
    assert np.array_equal(smoke.image(key), SyntheticNSD(smoke.profile).image(key))
    assert smoke.scene(ImageKey(0, 4)) != smoke.scene(key)
    assert smoke.scene(ImageKey(1, 3)) != smoke.scene(key)  # a subject's training image is its own


def test_scene_graph_and_caption_describe_the_image(smoke: SyntheticNSD):
    for index in range(30):
        scene = smoke.scene(ImageKey(0, index))
        assert 1 <= len(scene["objects"]) <= 3
        text = caption(scene)
        for obj in scene["objects"]:
            assert obj["category"] in CATEGORY_NAMES
            assert obj["category"] in text and obj["colour"] in text
        image = smoke.image(ImageKey(0, index))
        assert image.shape == (smoke.profile.image_px, smoke.profile.image_px, 3)
        assert image.std() > 10  # not a blank canvas


def test_objects_change_the_pixels_where_they_are_placed(smoke: SyntheticNSD):
    scene = smoke.scene(ImageKey(0, 0))
    from models.dataset.stimuli import render

    bare = {**scene, "objects": []}
    px = smoke.profile.image_px
    difference = np.abs(render(scene, px).astype(int) - render(bare, px).astype(int)).sum(-1)
    obj = scene["objects"][0]
    row, col = int(obj["y"] * px), int(obj["x"] * px)
    half = int(obj["size"] * px / 2)
    assert difference[row - half : row + half, col - half : col + half].mean() > difference.mean()
