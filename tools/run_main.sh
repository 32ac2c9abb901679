#!/usr/bin/env bash
# The README's main command: sets up the environment (idempotent), then runs the main job on
# the embedded synthetic dataset: generate it (data/synthetic/, Human3.6M layout), build the
# pooled pseudo-3D labels of its training split from the detected 2D keypoints without
# extrinsics (work_dirs/synthetic/), and print the label benchmark (paper loop against this
# plugin's per-frame and pooled modes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EPIPOLAR_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
DATA=data/synthetic
OUT=work_dirs/synthetic
mkdir -p "$OUT"
"$VENV/bin/python" tools/make_synthetic.py "$DATA"
"$VENV/bin/python" tools/make_pseudo_labels.py "$DATA/annotation_body3d/fps10/h36m_train_multiview_2d.npz" \
    "$OUT/pseudo_labels_train.npz" --mode pooled
"$VENV/bin/python" tools/benchmark_pseudo_labels.py --frames 2000
