#!/usr/bin/env bash
# The test command of the README: sets up the environment (idempotent), then runs the suite on CPU.
#   bash tools/run_tests.sh [pytest options]
# Exit status: pytest's, except that "no tests collected" (pytest's 5) is a failure too.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EPIPOLAR_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
set +e
CUDA_VISIBLE_DEVICES="" "$VENV/bin/python" -m pytest tests "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "run_tests: no tests were collected: this counts as a failure" >&2
    exit 1
fi
exit $status
