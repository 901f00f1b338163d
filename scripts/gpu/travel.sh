#!/usr/bin/env bash
# The device tool sends the tracked files and the untracked ones git does not ignore, 64 MiB at most;
# the shipped bundles alone (public/datasets, public/models) are ~78 MB, and the GPU machine needs
# neither (it hands its run off to be exported and scored here). `light` takes them out of the index
# and ignores them (the files stay on disk), `restore` puts them back. Never commit while light.
set -euo pipefail
cd "$(dirname "$0")/../.."
heavy=(public/datasets public/models)
exclude=.git/info/exclude
marker="# scripts/gpu/travel.sh light"
case "${1:-}" in
  light)
    git diff --cached --quiet || { echo "the index holds staged changes: commit them first" >&2; exit 1; }
    git rm -r -q --cached "${heavy[@]}"
    { echo "$marker"; for path in "${heavy[@]}"; do echo "/$path/"; done; } >>"$exclude"
    echo "light: ${heavy[*]} untracked and ignored; run 'bash scripts/gpu/travel.sh restore' after the device calls"
    ;;
  restore)
    git reset -q -- "${heavy[@]}"
    awk -v marker="$marker" -v n=${#heavy[@]} '$0 == marker { skip = n + 1 } skip-- > 0 { next } { print }' \
      "$exclude" >"$exclude.tmp" && mv "$exclude.tmp" "$exclude"
    git diff --cached --quiet && echo "restored: ${heavy[*]} tracked again"
    ;;
  *) echo "usage: $0 light|restore" >&2; exit 2 ;;
esac
