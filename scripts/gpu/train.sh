#!/usr/bin/env bash
# Runs on the GPU machine (device tool, as root, in the repository's copy): trains the `gpu`
# profile, data generated there, and hands the trained networks off to $OUT/gpu to be exported and
# scored on the build machine (models/mini/handoff.py). Resumable: the generated sessions and the
# stages' checkpoints stay in .cache/ while the machine is warm, so a run cut by the command's time
# limit continues where it stopped when started again.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d .device/clipart ] || { echo ".device/ is missing: run scripts/gpu/pack.sh here and carry .device" >&2; exit 1; }
export MINDEYE_CLIPART_DIR="$PWD/.device/clipart" MINDEYE_TEMPLATE_DIR="$PWD/.device/templates"
export PYTHONUNBUFFERED=1
# one BLAS thread in each of the 16 processes that generate sessions (16 x 16 threads otherwise);
# training sets its own torch threads
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
profile=${PROFILE:-gpu}  # PROFILE=smoke tries the script on the build machine
run=".cache/gpu-run-$profile"
mkdir -p "$run" "$OUT/gpu"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available())"
if [ "$profile" = gpu ]; then
  # the smoke profile on CUDA with bf16 first (a minute; done at once when the call is repeated): a
  # fault of the GPU code path shows before the gpu profile's minutes are spent
  python3 -m models.mini.train --profile smoke --set device=cuda bf16=true \
    --out .cache/gpu-run-check --work .cache/train-check --handoff .cache/gpu-run-check
fi
status=0
python3 -m models.mini.train --profile "$profile" --out "$run" --work ".cache/train-$profile" --handoff "$run" "$@" || status=$?
cp "$run"/train-log.jsonl "$OUT/gpu/" 2>/dev/null || true
cp "$run"/trained.pt.part* "$OUT/gpu/" 2>/dev/null || true
ls -la "$OUT/gpu"
exit $status
