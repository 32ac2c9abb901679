#!/usr/bin/env bash
# The README's main command: sets up the environment (idempotent), then on the embedded
# synthetic dataset: generate it (data/synthetic/, Human3.6M layout; kept if present), build the
# pooled pseudo-3D labels from the detected 2D keypoints of all views (no extrinsics, no 3D
# ground truth), fit the PSS clusters, train the self-supervised model and the supervised
# baseline with the same backbone and schedule, train the refinement unit (a lifter from the
# detected 2D) on the pseudo labels, and print the evaluation table with
# 3D skeleton pictures (work_dirs/synthetic_report/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EPIPOLAR_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
PY="$VENV/bin/python"
DATA=data/synthetic
ANN=$DATA/annotation_body3d/fps10
if [ ! -f "$DATA/synthetic_meta.json" ]; then
    "$PY" tools/make_synthetic.py "$DATA"
fi
for SPLIT in train test; do   # test-split labels are only drawn in the pictures, never trained on
    "$PY" tools/make_pseudo_labels.py "$ANN/h36m_${SPLIT}_multiview_2d.npz" \
        "$ANN/h36m_${SPLIT}_pseudo_labels.npz"
done
"$PY" tools/make_pss_clusters.py "$ANN/h36m_train.npz" "$DATA/pss_clusters.npz" --k 50 100
for CONFIG in epipolar_synthetic supervised_synthetic; do
    "$PY" tools/train.py "configs/$CONFIG.py" --work-dir "work_dirs/$CONFIG"
done
# the refinement unit: MMPose's PoseLifter on the detected 2D, trained on the pseudo labels only
"$PY" tools/train.py configs/refine_synthetic.py --work-dir work_dirs/refine_synthetic
"$PY" tools/report_synthetic.py --data-root "$DATA" --out work_dirs/synthetic_report
