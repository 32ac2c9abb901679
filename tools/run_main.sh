#!/usr/bin/env bash
# The README's main command: sets up the environment (idempotent), then runs the main job on
# the embedded synthetic rig: pseudo-3D labels from multi-view 2D detections without
# extrinsics, written to work_dirs/synthetic_rig/, and the label benchmark (paper loop
# against this plugin's per-frame and pooled modes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EPIPOLAR_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
OUT=work_dirs/synthetic_rig
mkdir -p "$OUT"
"$VENV/bin/python" tools/make_synthetic_keypoints.py "$OUT/keypoints_2d.npz" --frames 2000
"$VENV/bin/python" tools/make_pseudo_labels.py "$OUT/keypoints_2d.npz" "$OUT/pseudo_labels.npz" \
    --mode pooled
"$VENV/bin/python" tools/benchmark_pseudo_labels.py --frames 2000
