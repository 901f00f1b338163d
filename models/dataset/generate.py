"""Build a synthetic dataset bundle: python3 -m models.dataset.generate --profile demo --out DIR"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from .bundle import write_bundle
from .config import PROFILES, get_profile
from .synthetic import SyntheticNSD


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.time()
    profile = get_profile(args.profile, seed=args.seed)
    write_bundle(
        SyntheticNSD(profile),
        args.out,
        log=lambda message: print(f"[{time.time() - start:6.1f}s] {message}", flush=True),
    )
    seconds = time.time() - start
    print(f"wrote {args.out} ({profile.name} profile, seed {profile.seed}) in {seconds:.0f}s")


if __name__ == "__main__":
    main()
