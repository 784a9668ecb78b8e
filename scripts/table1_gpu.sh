#!/usr/bin/env bash
# Table 1's MNIST row on one GPU, in one command: the five seeds trained at once as one stacked network (the
# Trainer's CUDA-graph step), each to the book's stopping rule (an evaluation every epoch; stop after 30 without
# a new best validation estimate, at most 300 epochs), one result file per seed.
#
# Needs only PyTorch, numpy, scipy and tqdm (no Jupyter, no network): run it from the repository root with the
# four MNIST files in $GANLIB_DATA (default ./data, as <dir>/MNIST/raw/ or <dir>/mnist/). Writes
# $RESULTS/seed<S>.json (default results/table1-gpu); its state goes to $STATE (default /tmp/table1-gpu-state),
# so the same command resumes a run that was stopped. Extra arguments go to `python -m ganlib reproduce mnist`,
# e.g. `--protocol fast --device cpu` for the miniature the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" -m ganlib reproduce mnist --stacked --seeds 0 1 2 3 4 \
    --data-dir "${GANLIB_DATA:-data}" --results "${RESULTS:-results/table1-gpu}" \
    --state-dir "${STATE:-/tmp/table1-gpu-state}" --quiet "$@"
