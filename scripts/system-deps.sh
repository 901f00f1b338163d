#!/usr/bin/env bash
# Installs the Debian packages the tests and the dataset generator need, if any are missing.
# Runs before `npm test`; as root (or with passwordless sudo) it installs, otherwise it says what to run.
set -euo pipefail
packages=(
  chromium fonts-dejavu-core                 # Playwright drives Debian's browser (no downloads)
  python3-numpy python3-scipy python3-nibabel python3-pil python3-zarr python3-pytest
  python3-h5py                               # npm run convert: NSD's and MindEye2's HDF5 files
  python3-torch python3-onnx                 # training and ONNX export of the mini models
  black python3-flake8                       # npm run lint:py (in npm test)
  mricron-data                               # Colin27 brain and Brodmann atlas (BSD-3-Clause)
  openclipart-png                            # public-domain clip art for the stimuli
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
