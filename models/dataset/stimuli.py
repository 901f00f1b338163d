"""Stimuli: scenes of one to three public-domain clip-art objects on varied backgrounds.

A scene is a small JSON-able graph (background, objects with category, exemplar, position, size,
colour) drawn from a per-image random stream, so any image can be regenerated on its own.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

# Debian's openclipart-png; a machine without Debian's packages names a copy (scripts/gpu/pack.sh)
CLIPART_DIR = Path(os.environ.get("MINDEYE_CLIPART_DIR", "/usr/share/openclipart/png"))

# category -> openclipart folders (recursive). Broad groups matter to the ventral encoding model.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "mammal": ("animals/mammals",),
    "bird": ("animals/birds",),
    "insect": ("animals/bugs",),
    "fish": ("animals/fish",),
    "face": ("people/smilies",),
    "person": ("people/stickmen",),
    "fruit": ("food/fruit", "food/vegetables"),
    "dessert": ("food/desserts", "food/breads_and_carbs"),
    "drink": ("food/beverages",),
    "flower": ("plants/flowers",),
    "tree": ("plants/trees",),
    "vehicle": ("transportation/vehicles",),
    "boat": ("transportation/boating",),
    "house": ("buildings/homes",),
    "instrument": ("recreation/music",),
    "ball game": ("recreation/sports",),
    "tool": ("tools",),
}
CATEGORY_NAMES = tuple(CATEGORIES)
ANIMATE = ("mammal", "bird", "insect", "fish", "face", "person")
BACKGROUNDS = ("sky and ground", "plain", "gradient", "stripes", "checkerboard", "dots")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (200, 40, 40),
    "orange": (235, 140, 30),
    "yellow": (235, 215, 60),
    "green": (60, 160, 70),
    "teal": (40, 150, 150),
    "blue": (50, 90, 200),
    "purple": (130, 60, 170),
    "pink": (235, 130, 170),
    "brown": (130, 85, 45),
    "grey": (128, 128, 128),
    "black": (25, 25, 25),
    "white": (240, 240, 240),
}
SKY = ("blue", "white", "orange", "purple", "grey")
GROUND = ("green", "brown", "yellow", "grey", "teal")


MANIFEST = Path(__file__).with_name("clipart.json")


@dataclass(frozen=True)
class ClipartLibrary:
    """Exemplar files per category, from the committed manifest (scanning the package takes
    ~1 min)."""

    files: dict[str, tuple[str, ...]]

    @staticmethod
    def load(per_category: int = 0) -> "ClipartLibrary":
        if not CLIPART_DIR.is_dir():
            raise FileNotFoundError(
                f"{CLIPART_DIR} is missing: install Debian's openclipart-png package"
            )
        manifest = json.loads(MANIFEST.read_text())
        files = {
            name: tuple(manifest[name][:per_category] if per_category else manifest[name])
            for name in CATEGORIES
        }
        missing = [f for names in files.values() for f in names if not (CLIPART_DIR / f).exists()]
        if missing:
            raise FileNotFoundError(
                f"{MANIFEST.name} names {len(missing)} files absent from "
                f"{CLIPART_DIR} (first: {missing[0]}); rebuild it with "
                "`python3 -m models.dataset.stimuli`"
            )
        return ClipartLibrary(files)


def scan_clipart() -> dict[str, list[str]]:
    """Every usable exemplar of each category, in sorted order."""
    return {
        name: [
            f
            for f in sorted(
                str(p.relative_to(CLIPART_DIR))
                for folder in folders
                for p in (CLIPART_DIR / folder).rglob("*.png")
            )
            if _usable(CLIPART_DIR / f)
        ]
        for name, folders in CATEGORIES.items()
    }


def _usable(path: Path) -> bool:
    """An object cut-out: a transparent background and a reasonably compact opaque shape."""
    with Image.open(path) as image:
        if (
            not 48 <= min(image.size)
            or max(image.size) > 4 * min(image.size)
            or image.width * image.height > 4e6
        ):
            return False
        alpha = np.asarray(image.convert("RGBA").resize((32, 32)))[..., 3]
    opaque = (alpha > 128).mean()
    return 0.15 < opaque < 0.9


@lru_cache(maxsize=4096)
def _cutout(relative: str, size: int) -> Image.Image:
    """The exemplar trimmed to its opaque box and scaled so its longer side is `size` pixels."""
    with Image.open(CLIPART_DIR / relative) as source:
        image = source.convert("RGBA")
    image = image.crop(image.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox())
    scale = size / max(image.size)
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS
    )


def _colour_name(rgb: np.ndarray) -> str:
    names = list(COLOURS)
    palette = np.array([COLOURS[n] for n in names], dtype=np.float32)
    return names[int(np.argmin(((palette - rgb) ** 2).sum(1)))]


def sample_scene(library: ClipartLibrary, rng: np.random.Generator) -> dict:
    background = str(rng.choice(BACKGROUNDS))
    palette = list(COLOURS)
    if background == "sky and ground":
        colours = [str(rng.choice(SKY)), str(rng.choice(GROUND))]
    else:
        colours = [str(c) for c in rng.choice(palette, size=2, replace=False)]
    scene = {
        "background": {
            "kind": background,
            "colours": colours,
            "horizon": round(float(rng.uniform(0.45, 0.75)), 3),
            "angle": round(float(rng.uniform(0, 180)), 1),
        },
        "objects": [],
    }
    n_objects = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    categories = rng.choice(CATEGORY_NAMES, size=n_objects, replace=False)
    slots = rng.permutation(3)[:n_objects]  # left, centre, right thirds keep objects apart
    for category, slot in zip(categories, slots):
        exemplars = library.files[str(category)]
        size = float(rng.uniform(0.45, 0.7) if n_objects == 1 else rng.uniform(0.28, 0.45))
        centre_x = (slot + 0.5) / 3 if n_objects > 1 else float(rng.uniform(0.3, 0.7))
        scene["objects"].append(
            {
                "category": str(category),
                "exemplar": exemplars[int(rng.integers(len(exemplars)))],
                "x": round(
                    float(np.clip(centre_x + rng.normal(0, 0.05), size / 2, 1 - size / 2)), 3
                ),
                "y": round(float(rng.uniform(0.3, 0.7)), 3),
                "size": round(size, 3),
                "flip": bool(rng.random() < 0.5),
            }
        )
        scene["objects"][-1]["colour"] = _dominant_colour(scene["objects"][-1]["exemplar"])
    return scene


def _dominant_colour(exemplar: str) -> str:
    rgba = np.asarray(_cutout(exemplar, 64), np.float32)
    opaque = rgba[..., 3] > 128
    return _colour_name(rgba[opaque, :3].mean(0)) if opaque.any() else "grey"


def _background(scene: dict, px: int) -> Image.Image:
    spec = scene["background"]
    first, second = (np.array(COLOURS[c], np.float32) for c in spec["colours"])
    v, u = np.mgrid[0:px, 0:px].astype(np.float32) / px
    kind = spec["kind"]
    if kind == "sky and ground":
        sky = first[None, None] * (0.75 + 0.25 * v[..., None] / spec["horizon"])
        weight = (v > spec["horizon"]).astype(np.float32)
    elif kind == "plain":
        sky, weight = first[None, None] * np.ones((px, px, 1)), np.zeros((px, px))
    else:
        angle = np.deg2rad(spec["angle"])
        along = u * np.cos(angle) + v * np.sin(angle)
        sky = first[None, None] * np.ones((px, px, 1))
        if kind == "gradient":
            weight = np.clip(along / (abs(np.cos(angle)) + abs(np.sin(angle))), 0, 1)
        elif kind == "stripes":
            weight = (np.floor(along * 8) % 2).astype(np.float32)
        elif kind == "checkerboard":
            weight = ((np.floor(u * 6) + np.floor(v * 6)) % 2).astype(np.float32)
        else:  # dots
            weight = (((u * 7) % 1 - 0.5) ** 2 + ((v * 7) % 1 - 0.5) ** 2 < 0.06).astype(np.float32)
    pixels = sky * (1 - weight[..., None]) + second[None, None] * weight[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def render(scene: dict, px: int) -> np.ndarray:
    """The scene as uint8 [px, px, 3]."""
    canvas = _background(scene, px)
    for obj in scene["objects"]:
        cutout = _cutout(obj["exemplar"], max(4, round(obj["size"] * px)))
        if obj["flip"]:
            cutout = cutout.transpose(Image.FLIP_LEFT_RIGHT)
        left = round(obj["x"] * px - cutout.width / 2)
        top = round(obj["y"] * px - cutout.height / 2)
        canvas.paste(cutout, (left, top), cutout)
    return np.asarray(canvas)


def caption(scene: dict) -> str:
    def place(obj: dict) -> str:
        return (
            "on the left"
            if obj["x"] < 0.4
            else "on the right"
            if obj["x"] > 0.6
            else "in the middle"
        )

    def size(obj: dict) -> str:
        return "large" if obj["size"] > 0.5 else "small" if obj["size"] < 0.34 else ""

    parts = []
    for obj in scene["objects"]:
        words = " ".join(w for w in (size(obj), obj["colour"], obj["category"]) if w)
        article = "an" if words[0] in "aeiou" else "a"
        parts.append(f"{article} {words} {place(obj)}")
    background = scene["background"]
    if background["kind"] == "sky and ground":
        setting = f"under a {background['colours'][0]} sky on {background['colours'][1]} ground"
    elif background["kind"] == "plain":
        setting = f"on a plain {background['colours'][0]} background"
    else:
        first, second = background["colours"][:2]
        setting = f"on a {first} and {second} {background['kind']} background"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed}, {setting}"


if __name__ == "__main__":
    MANIFEST.write_text(json.dumps(scan_clipart(), indent=1) + "\n")
    print(f"wrote {MANIFEST}")
