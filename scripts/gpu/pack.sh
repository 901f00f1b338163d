#!/usr/bin/env bash
# Packs what the GPU machine needs to generate the training data and is not in the repository:
# the clip art the generator draws (models/dataset/clipart.json, from Debian's openclipart-png) and
# the Colin27 templates (Debian's mricron-data), into .device/ (git-ignored; name it in `carry`).
# That machine has no Debian packages and no internet; it has PyTorch, numpy, scipy and Pillow.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .device
mkdir -p .device/clipart .device/templates
/usr/bin/python3 - <<'PY'
import json, shutil
from pathlib import Path
source, target = Path("/usr/share/openclipart/png"), Path(".device/clipart")
for files in json.loads(Path("models/dataset/clipart.json").read_text()).values():
    for relative in files:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target / relative)
PY
cp /usr/share/mricron/templates/ch2bet.nii.gz /usr/share/mricron/templates/brodmann.nii.gz .device/templates/
echo ".device/: $(du -sm .device | cut -f1) MB ($(find .device -type f | wc -l) files)"
