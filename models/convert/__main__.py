"""Convert the Natural Scenes Dataset or MindEye2's preprocessed files into a dataset bundle.

  npm run convert -- nsd <NSD root> --subject subj01 [--subject ...] --out <dir> [--sessions N]
  npm run convert -- mindeye2 <dir> --nsd <NSD root> --images <hdf5> --subject subj01 --out <dir>

(npm run convert is /usr/bin/python3 -m models.convert.) Bad input is refused with a message that
names the file; an interrupted conversion resumes when run again with the same arguments."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from models.dataset.bundle import BETA_DTYPES

from .errors import ConvertError
from .mindeye2 import mindeye2_subject
from .nsd import BETAS_VERSION, nsd_subject, stimuli_path
from .pipeline import Meta, Options, convert
from .stimuli import Stimuli
from .subject import SUBJECT_SESSIONS, SubjectPlan

NSD_URL = "https://naturalscenesdataset.org"
MINDEYE2_URL = "https://huggingface.co/datasets/pscotti/mindeyev2"
NSD_LICENSE = "LicenseRef-NSD-Terms-and-Conditions"
NSD_ATTRIBUTION = {
    "source": "Natural Scenes Dataset (Allen et al., 2022, Nature Neuroscience); stimuli from "
    "Microsoft COCO",
    "license": "NSD Terms and Conditions (data access agreement)",
    "url": NSD_URL,
}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="npm run convert --",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    sources = main.add_subparsers(dest="source", required=True)
    nsd = sources.add_parser(
        "nsd", help="NSD's own files (nsddata, nsddata_betas, nsddata_stimuli)"
    )
    nsd.add_argument("root", type=Path, help="the NSD root (holds nsddata/, nsddata_betas/, ...)")
    nsd.add_argument(
        "--betas", default=BETAS_VERSION, help=f"betas version (default {BETAS_VERSION})"
    )
    nsd.add_argument(
        "--images", type=Path, help="stimuli HDF5 (default: the root's nsd_stimuli.hdf5)"
    )
    me2 = sources.add_parser(
        "mindeye2", help="MindEye2's betas_all_subjXX_fp32_renorm.hdf5 and wds/"
    )
    me2.add_argument(
        "root", type=Path, help="the folder with betas_all_subjXX_fp32_renorm.hdf5, wds/"
    )
    me2.add_argument(
        "--nsd", type=Path, required=True, help="the NSD root, for anatomy and the nsdgeneral ROI"
    )
    me2.add_argument(
        "--images",
        type=Path,
        required=True,
        help="nsd_stimuli.hdf5 (imgBrick) or coco_images_224_float16.hdf5 (images)",
    )
    for sub in (nsd, me2):
        sub.add_argument(
            "--subject", action="append", required=True, choices=sorted(SUBJECT_SESSIONS)
        )
        sub.add_argument("--out", type=Path, required=True, help="the bundle folder to write")
        sub.add_argument("--sessions", type=int, help="convert the first N sessions (default all)")
        sub.add_argument(
            "--dtype",
            choices=BETA_DTYPES,
            default="int16",
            help="stored betas (default int16: steps of 1/1024 z, range +-32)",
        )
        sub.add_argument("--chunk-rows", type=int, default=10, help="betas rows per Zarr chunk")
        sub.add_argument("--webp-quality", type=int, default=82)
        sub.add_argument(
            "--restart", action="store_true", help="discard an interrupted conversion in --out"
        )
    return main


def plans_and_meta(args: argparse.Namespace) -> tuple[list[SubjectPlan], Path, Meta]:
    subjects = list(dict.fromkeys(args.subject))
    names = ", ".join(subjects)
    if args.source == "nsd":
        plans = []
        for subject in subjects:
            sessions = args.sessions or SUBJECT_SESSIONS[subject]
            plans.append(nsd_subject(args.root, subject, sessions, args.betas))
        meta = Meta(
            id="nsd",
            name=f"Natural Scenes Dataset ({names})",
            description=(
                f"NSD single-trial betas ({args.betas}, 1.8 mm), {names}: "
                f"{', '.join(f'{p.id} {p.sessions.max() + 1} sessions' for p in plans)}; "
                "percent signal change z-scored per voxel within each session; voxels of the "
                "nsdgeneral ROI; test split = the 1000 shared images. Converted by npm run "
                "convert; NSD's terms apply to this bundle and its images."
            ),
            license=NSD_LICENSE,
            attribution=[NSD_ATTRIBUTION],
        )
        return plans, args.images or stimuli_path(args.root), meta
    plans = [mindeye2_subject(args.root, s, args.nsd, args.sessions) for s in subjects]
    meta = Meta(
        id="nsd-mindeye2",
        name=f"Natural Scenes Dataset, MindEye2's betas ({names})",
        description=(
            f"MindEye2's preprocessed NSD betas (betas_all_subjXX_fp32_renorm.hdf5), {names}: "
            f"{', '.join(f'{p.id} {len(p.images)} trials' for p in plans)}; z-scored per voxel "
            "on training-set statistics by MindEye2; voxels of the nsdgeneral ROI; test split = "
            "shared1000. Converted by npm run convert; NSD's terms apply."
        ),
        license=NSD_LICENSE,
        attribution=[
            NSD_ATTRIBUTION,
            {
                "source": "MindEye2's preprocessed NSD files (Scotti et al., 2024; "
                "pscotti/mindeyev2)",
                "license": "as the Natural Scenes Dataset (derived data)",
                "url": MINDEYE2_URL,
            },
        ],
    )
    return plans, args.images, meta


def from_caller(path: Path) -> Path:
    """npm runs scripts in the package folder; relative paths are meant from the caller's."""
    caller = os.environ.get("INIT_CWD")
    return path if path.is_absolute() or not caller else Path(caller) / path


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for name, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, name, from_caller(value))
    if args.sessions is not None and args.sessions < 1:
        parser().error("--sessions must be at least 1")
    if args.chunk_rows < 1:
        parser().error("--chunk-rows must be at least 1")
    started = time.monotonic()
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in sorted(vars(args).items())}
    settings.pop("restart")
    try:
        plans, images, meta = plans_and_meta(args)
        stimuli = Stimuli(images)
        options = Options(
            dtype=args.dtype, chunk_rows=args.chunk_rows, webp_quality=args.webp_quality
        )
        timings = convert(plans, stimuli, args.out, meta, options, settings, args.restart)
        stimuli.close()
    except ConvertError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: run the same command again to resume {args.out}", file=sys.stderr)
        return 130
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = timings["trials"] / timings["betas_s"] if timings["betas_s"] > 0 else float("nan")
    print(
        f"done in {time.monotonic() - started:.1f}s: betas {timings['betas_s']:.1f}s "
        f"({rate:.0f} trials/s; CPU {timings['betas_cpu_s']:.1f}s), images "
        f"{timings['images_s']:.1f}s (CPU {timings['images_cpu_s']:.1f}s), "
        f"peak RSS {peak_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
