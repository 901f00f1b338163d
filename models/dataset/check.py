"""Does the simulated data carry the signal it should?
python3 -m models.dataset.check --profile demo

Prints, per subject with betas, V_s, trials and noise-ceiling quartiles; a ridge-regression decoder
(betas -> pixels and -> category vector) scored on the shared test images by two-way identification
and top-1 retrieval, with the same decoder on shuffled image labels as the chance reference; and the
retinotopy sanity check (left-field voxels prefer scenes with objects on the left).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

from models.metrics import retrieval_accuracy, two_way_identification

from .config import PROFILES, REPEATS, get_profile
from .encoding import semantic_features
from .stimuli import CATEGORY_NAMES
from .synthetic import ImageKey, Session, SyntheticNSD

PIXEL_PX = 32
RETRIEVAL_POOL = 300  # MindEye2 scores retrieval top-1 among 300 test samples


def noise_ceiling(sessions: list[Session]) -> np.ndarray:
    """NSD's noise ceiling (percent) for the mean of REPEATS trials, from within-image variance of
    the z-scored betas: ncsnr = sqrt(1 - noise var) / sqrt(noise var)."""
    by_image: dict[tuple[int, ImageKey], list[np.ndarray]] = {}
    for run in sessions:
        for t, key in enumerate(run.images):
            by_image.setdefault((run.session, key), []).append(run.betas[t])
    variances = [
        np.var(np.stack(rows), axis=0, ddof=1) for rows in by_image.values() if len(rows) > 1
    ]
    noise_var = np.mean(variances, axis=0)
    ncsnr = np.sqrt(np.clip(1 - noise_var, 0, None)) / np.sqrt(noise_var)
    return 100 * ncsnr**2 / (ncsnr**2 + 1 / REPEATS)


def average_repeats(sessions: list[Session]) -> tuple[list[ImageKey], np.ndarray]:
    sums: dict[ImageKey, np.ndarray] = {}
    counts: dict[ImageKey, int] = {}
    for run in sessions:
        for t, key in enumerate(run.images):
            sums[key] = sums.get(key, 0) + run.betas[t]
            counts[key] = counts.get(key, 0) + 1
    keys = sorted(sums, key=lambda k: (k.subject, k.index))
    return keys, np.stack([sums[k] / counts[k] for k in keys])


def _correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = (a - a.mean(1, keepdims=True)) / (a.std(1, keepdims=True) + 1e-9)
    b = (b - b.mean(1, keepdims=True)) / (b.std(1, keepdims=True) + 1e-9)
    return a @ b.T / a.shape[1]


@dataclass(frozen=True)
class Ridge:
    """Kernel (dual) ridge regression: with fewer samples than voxels, solving n x n is cheap."""

    x_mean: np.ndarray
    x_sd: np.ndarray
    y_mean: np.ndarray
    weights: np.ndarray
    alpha: float

    @staticmethod
    def fit(x: np.ndarray, y: np.ndarray, alphas=(1e2, 1e3, 3e3, 1e4, 3e4, 1e5, 1e6)) -> "Ridge":
        x_mean, x_sd = x.mean(0), x.std(0) + 1e-6
        xs = (x - x_mean) / x_sd
        y_mean = y.mean(0)
        held = np.arange(len(x)) % 10 == 0  # every tenth sample chooses alpha
        best = max(
            alphas,
            key=lambda a: _score(
                xs[held] @ _solve(xs[~held], y[~held] - y_mean, a), y[held] - y_mean
            ),
        )
        return Ridge(x_mean, x_sd, y_mean, _solve(xs, y - y_mean, best), best)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (x - self.x_mean) / self.x_sd @ self.weights + self.y_mean


def _solve(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    gram = x @ x.T
    return x.T @ np.linalg.solve(gram + alpha * np.eye(len(x)), y)


def _score(predicted: np.ndarray, true: np.ndarray) -> float:
    return float(np.mean(np.diag(_correlation(predicted, true))))


def targets(ds: SyntheticNSD, keys: list[ImageKey]) -> dict[str, np.ndarray]:
    pixels, categories = [], []
    for key in keys:
        image = ds.image(key).astype(np.float32) / 255
        block = image.shape[0] // PIXEL_PX
        pixels.append(image.reshape(PIXEL_PX, block, PIXEL_PX, block, 3).mean((1, 3)).ravel())
        categories.append(semantic_features(ds.scene(key))[: len(CATEGORY_NAMES)])
    return {"pixels": np.array(pixels), "categories": np.array(categories)}


def decode(ds: SyntheticNSD, sessions: list[Session], shuffle: bool = False, seed: int = 0) -> dict:
    keys, betas = average_repeats(sessions)
    train = np.array([k.split == "train" for k in keys])
    train_keys = [k for k, t in zip(keys, train) if t]
    test_keys = [k for k, t in zip(keys, train) if not t]
    rng = np.random.default_rng(seed)
    if shuffle:  # pair each training response with another image: any decoding must collapse
        train_keys = [train_keys[i] for i in rng.permutation(len(train_keys))]
    train_targets, test_targets = targets(ds, train_keys), targets(ds, test_keys)
    results = {"train_images": len(train_keys), "test_images": len(test_keys)}
    for name in train_targets:
        model = Ridge.fit(betas[train], train_targets[name])
        predicted = model.predict(betas[~train])
        retrieval = retrieval_accuracy(predicted, test_targets[name], RETRIEVAL_POOL, seed=seed)
        results[name] = {
            "two_way": two_way_identification(predicted, test_targets[name]),
            "top1": retrieval["image"],
            "alpha": model.alpha,
        }
    results["chance"] = {"two_way": 0.5, "top1": 1 / min(RETRIEVAL_POOL, len(test_keys))}
    return results


def retinotopy_effect(ds: SyntheticNSD, subject: str, sessions: list[Session]) -> dict:
    """Mean beta of left-field and right-field voxels for scenes whose objects are all on the left
    minus scenes whose objects are all on the right."""
    prf = ds.encoder(subject).prf
    left_voxels = (prf[:, 0] < -1) & (np.abs(prf[:, 0]) + prf[:, 2] < 4.2)
    right_voxels = (prf[:, 0] > 1) & (np.abs(prf[:, 0]) + prf[:, 2] < 4.2)
    left_trials, right_trials = [], []
    for run in sessions:
        for t, key in enumerate(run.images):
            xs = [o["x"] for o in ds.scene(key)["objects"]]
            if max(xs) < 0.45:
                left_trials.append(run.betas[t])
            elif min(xs) > 0.55:
                right_trials.append(run.betas[t])
    left, right = np.array(left_trials), np.array(right_trials)
    return {
        "left_scenes": len(left),
        "right_scenes": len(right),
        "left_field_voxels": int(left_voxels.sum()),
        "right_field_voxels": int(right_voxels.sum()),
        "left_field_preference": float(left[:, left_voxels].mean() - right[:, left_voxels].mean()),
        "right_field_preference": float(
            left[:, right_voxels].mean() - right[:, right_voxels].mean()
        ),
    }


def bundle_matches(bundle: Path, subject: str, sessions: list[Session]) -> bool:
    """The shipped single-trial test betas equal the regenerated ones (up to int8 quantisation)."""
    entry = next(
        s
        for s in json.loads((bundle / "dataset.json").read_text())["subjects"]
        if s["id"] == subject
    )
    shipped = (
        zarr.open_array(str(bundle / entry["betas"]["path"]), mode="r")[:].astype(np.float32)
        * entry["betas"]["scale"]
    )
    trials = json.loads((bundle / entry["trials"]).read_text())
    rows = {
        (s, r, img): i
        for i, (s, r, img) in enumerate(zip(trials["session"], trials["repeat"], trials["image"]))
    }
    errors = [
        np.abs(
            shipped[rows[(run.session, int(run.repeat[t]), key.index)]]
            - np.clip(run.betas[t], -3.97, 3.97)
        ).max()
        for run in sessions
        for t, key in enumerate(run.images)
        if key.split == "test" and (run.session, int(run.repeat[t]), key.index) in rows
    ]
    return bool(errors) and max(errors) <= entry["betas"]["scale"] / 2 + 1e-6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--bundle", type=Path, help="also check that this bundle holds the regenerated betas"
    )
    parser.add_argument(
        "--nc-sessions", type=int, default=3, help="sessions per subject for noise ceilings"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    start = time.time()
    ds = SyntheticNSD(get_profile(args.profile, seed=args.seed))
    p = ds.profile
    report: dict = {"profile": p.name, "seed": p.seed, "subjects": {}}
    decoded_subject = p.betas_subjects[0]
    for subject in p.betas_subjects:
        count = p.sessions if subject == decoded_subject else min(args.nc_sessions, p.sessions)
        sessions = [ds.session(subject, s) for s in range(count)]
        nc = noise_ceiling(sessions)
        true_snr = ds.encoder(subject).ncsnr
        true_nc = 100 * true_snr**2 / (true_snr**2 + 1 / REPEATS)
        report["subjects"][subject] = {
            "voxels": int(nc.size),
            "trials_generated": count * p.trials_per_session,
            "sessions_used": count,
            "noise_ceiling_quartiles": np.percentile(nc, [25, 50, 75]).round(1).tolist(),
            "noise_ceiling_range": [round(float(nc.min()), 1), round(float(nc.max()), 1)],
            "true_noise_ceiling_median": round(float(np.median(true_nc)), 1),
        }
        if subject == decoded_subject:
            report["ridge"] = {
                "subject": subject,
                "trained_on": "repeat-averaged training betas",
                "real": decode(ds, sessions),
                "shuffled_labels": decode(ds, sessions, shuffle=True),
            }
            report["retinotopy"] = retinotopy_effect(ds, subject, sessions)
            if args.bundle:
                report["bundle_matches_generator"] = bundle_matches(args.bundle, subject, sessions)
    report["seconds"] = round(time.time() - start, 1)
    print(json.dumps(report, indent=1) if args.json else format_report(report))


def format_report(report: dict) -> str:
    lines = [
        f"synthetic NSD check — profile {report['profile']}, seed {report['seed']} "
        "(simulated data)",
        "",
        "subject   V_s    trials  NC quartiles (%)     NC range    true NC median",
    ]
    for subject, s in report["subjects"].items():
        q, (low, high) = s["noise_ceiling_quartiles"], s["noise_ceiling_range"]
        lines.append(
            f"{subject}  {s['voxels']:6d}  {s['trials_generated']:6d}  "
            f"{q[0]:5.1f} {q[1]:5.1f} {q[2]:5.1f}    {low:4.1f}-{high:4.1f}   "
            f"{s['true_noise_ceiling_median']:5.1f}"
        )
    ridge = report["ridge"]
    real, shuffled = ridge["real"], ridge["shuffled_labels"]
    lines += [
        "",
        f"ridge decoder, {ridge['subject']}, {real['train_images']} training images "
        f"({ridge['trained_on']}), {real['test_images']} test images",
        f"target      two-way   top-1 (among {min(RETRIEVAL_POOL, real['test_images'])})   "
        "shuffled two-way  shuffled top-1",
    ]
    for name in ("pixels", "categories"):
        lines.append(
            f"{name:10s}  {real[name]['two_way']:7.3f}   {real[name]['top1']:7.3f}            "
            f"{shuffled[name]['two_way']:7.3f}           {shuffled[name]['top1']:7.3f}"
        )
    lines.append(f"chance      {real['chance']['two_way']:7.3f}   {real['chance']['top1']:7.3f}")
    r = report["retinotopy"]
    lines += [
        "",
        "retinotopy: objects-left minus objects-right scenes "
        f"({r['left_scenes']} vs {r['right_scenes']} trials)",
        f"  left-field voxels ({r['left_field_voxels']}):  {r['left_field_preference']:+.3f} z",
        f"  right-field voxels ({r['right_field_voxels']}): {r['right_field_preference']:+.3f} z",
    ]
    if "bundle_matches_generator" in report:
        lines.append(f"\nbundle holds the regenerated betas: {report['bundle_matches_generator']}")
    lines.append(f"\n({report['seconds']} s)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
