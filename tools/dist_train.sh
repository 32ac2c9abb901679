#!/usr/bin/env bash
# Multi-process training with torchrun (one process per GPU; gloo on CPU-only machines).
#   bash tools/dist_train.sh CONFIG NUM_PROCESSES [train.py options]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT as for torchrun; PYTHON picks the
# interpreter (default: python on PATH, e.g. the activated .venv).
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
