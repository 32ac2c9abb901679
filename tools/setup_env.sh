#!/usr/bin/env bash
# Create (or check) the project's virtual environment with the pinned stack and the plugin.
#
#   bash tools/setup_env.sh            # creates ./.venv (about 15 min the first time, seconds after)
#   EPIPOLAR_VENV=/path/venv bash tools/setup_env.sh
#   PYTHON=python3.11 bash tools/setup_env.sh
#
# Idempotent: a stamp in the venv records a hash of this script, setup.py and requirements/;
# when it matches and the stack imports, nothing is installed again.
# Recipe (see README "Installation"):
#   1. torch 2.13.0 + torchvision 0.28.0 from PyPI (the local "+cpu" torch wheel is excluded because
#      PyPI's torchvision does not load next to it; torch >= 2.14 breaks the mmcv build: C++20 headers)
#   2. setuptools<70 (mmcv 2.1.0's setup.py needs pkg_resources)
#   3. runtime dependencies of the OpenMMLab packages (requirements/runtime.txt)
#   4. mmengine 0.10.7, mmdet 3.3.0, mmpose 1.3.2 without dependencies (mmpose's chumpy does not
#      build; mmengine and mmpose ask for opencv-python, which would replace the headless cv2)
#   5. full mmcv 2.1.0 compiled from source with CPU ops, without dependencies (mmpose.models
#      imports mmdet and mmcv.ops)
#   6. test requirements and the plugin itself in editable mode
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EPIPOLAR_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-}"
STAMP="$VENV/.epipolar-setup-stamp"

TORCH_SPEC="torch==2.13.0,!=2.13.0+cpu"
TORCHVISION_SPEC="torchvision==0.28.0"
MMCV_SPEC="mmcv==2.1.0"
OPENMMLAB_SPECS=("mmengine==0.10.7" "mmdet==3.3.0" "mmpose==1.3.2")

log() { printf '[setup_env] %s\n' "$*"; }

# Run one named step; on failure stop with a message naming the step.
step() {
    local name="$1"; shift
    log "step: $name"
    local start=$SECONDS
    if ! "$@"; then
        log "FAILED at step '$name' (command: $*)" >&2
        exit 1
    fi
    log "done: $name ($((SECONDS - start)) s)"
}

stamp_value() {
    cat "$ROOT/tools/setup_env.sh" "$ROOT/setup.py" "$ROOT"/requirements/*.txt | sha256sum | cut -d' ' -f1
    printf '%s\n' "$ROOT"
}

verify_stack() {
    "$VENV/bin/python" - <<'EOF'
import mmcv
import mmcv.ops  # noqa: F401  (compiled ops: mmpose.models needs them)
import mmengine
import mmdet
import mmpose
import torch
import torchvision  # noqa: F401  (mmpose.visualization imports it)
from importlib import metadata
from mmpose.utils import register_all_modules
import epipolar_plugin

try:
    metadata.version('opencv-python')
except metadata.PackageNotFoundError:
    pass
else:
    raise SystemExit('opencv-python (GUI build) is installed beside opencv-python-headless and '
                     'shadows it: pip uninstall -y opencv-python opencv-python-headless, then rerun')

register_all_modules()
print(f'torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, '
      f'mmdet {mmdet.__version__}, mmpose {mmpose.__version__}, '
      f'epipolar_plugin {epipolar_plugin.__version__}')
EOF
}

find_python() {
    if [[ -n "$PYTHON" ]]; then
        command -v "$PYTHON" >/dev/null || { log "PYTHON=$PYTHON not found" >&2; return 1; }
        return 0
    fi
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            PYTHON="$candidate"
            return 0
        fi
    done
    log "Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

# Fast path: everything already installed by this very recipe.
if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_value)" ]] && verify_stack; then
    log "environment up to date: $VENV"
    exit 0
fi

step "find Python 3.11" find_python
if [[ ! -x "$VENV/bin/python" ]]; then
    step "create virtual environment $VENV" "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet)

step "install torch and torchvision ($TORCH_SPEC, $TORCHVISION_SPEC)" \
    "${PIP[@]}" install "$TORCH_SPEC" "$TORCHVISION_SPEC"
step "install setuptools<70 and wheel" "${PIP[@]}" install "setuptools<70" wheel
step "install runtime requirements" "${PIP[@]}" install -r "$ROOT/requirements/runtime.txt"

# opencv-python (GUI build) shares the cv2 package with the headless build and breaks it when
# both are installed (another package's dependency may have brought it in): keep headless only.
remove_opencv_gui() {
    if "$VENV/bin/python" -m pip show opencv-python >/dev/null 2>&1; then
        "${PIP[@]}" uninstall -y opencv-python \
            && "${PIP[@]}" install --force-reinstall --no-deps \
                "$(grep '^opencv-python-headless' "$ROOT/requirements/runtime.txt")"
    fi
}
step "keep only opencv-python-headless" remove_opencv_gui

build_mmcv() {
    if "$VENV/bin/python" -c 'import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != "2.1.0")' 2>/dev/null; then
        log "mmcv 2.1.0 with ops already installed"
        return 0
    fi
    log "building mmcv 2.1.0 with CPU ops from source (about 10 min on 2 cores; cached by pip afterwards)"
    MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}" \
        "${PIP[@]}" install --no-build-isolation --no-deps "$MMCV_SPEC"
}
# Before mmcv: mmcv depends on mmengine, whose wheel requires opencv-python (the GUI build,
# which would overwrite the headless cv2); all OpenMMLab packages are installed without deps.
step "install mmengine, mmdet, mmpose (no deps)" "${PIP[@]}" install --no-deps "${OPENMMLAB_SPECS[@]}"
step "install full mmcv 2.1.0" build_mmcv
step "install test requirements" "${PIP[@]}" install -r "$ROOT/requirements/tests.txt"
step "install epipolar-plugin (editable)" \
    "${PIP[@]}" install --no-deps --no-build-isolation -e "$ROOT"
step "verify the stack imports" verify_stack
stamp_value > "$STAMP"
log "environment ready: $VENV (activate with: source $VENV/bin/activate)"
