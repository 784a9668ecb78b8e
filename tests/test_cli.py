"""`python -m ganlib`: trains a named configuration, resumes it, and rejects bad arguments."""
import json
import os
import shlex
import subprocess
import sys

import pytest
import torch

from ganlib.core.checkpoint import CheckpointError, load_checkpoint


def run(*args):
    return subprocess.run([sys.executable, "-m", "ganlib", *args], capture_output=True, text=True, timeout=300)


def test_train_writes_checkpoint_and_history_then_resumes(tmp_path):
    out = tmp_path / "run"
    first = run("train", "toy1d", "--iterations", "200", "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    history = json.loads((out / "history.json").read_text())
    assert history["history"]["iteration"][-1] == 200 and history["config"]["iterations"] == 200
    second = run("train", "toy1d", "--iterations", "300", "--out", str(out), "--quiet")
    assert second.returncode == 0 and "resuming" in second.stderr and "iteration 200" in second.stderr
    assert load_checkpoint(out / "checkpoint.pt")["iteration"] == 300


def test_bad_arguments_exit_2_with_a_one_line_message(tmp_path):
    for args in (["train", "cifar"], ["train", "toy1d", "--set", "k=0"], ["train", "toy1d", "--set", "nope=1"]):
        result = run(*args, "--out", str(tmp_path))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "error:" in result.stderr, args
    assert "k must be an integer >= 1" in run("train", "toy1d", "--set", "k=0").stderr


def test_crafted_pickle_checkpoint_is_refused(tmp_path):
    """A checkpoint whose unpickling would run a shell command is refused before anything runs."""
    marker = tmp_path / "code-ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {shlex.quote(str(marker))}",))

    path = tmp_path / "evil.pt"
    torch.save({"G": Evil()}, path)
    with pytest.raises(CheckpointError, match=r"is refused, not loaded: it holds GLOBAL \w+\.system") as info:
        load_checkpoint(path)
    assert "weights_only=False" not in str(info.value)  # PyTorch's advice is not passed on
    assert not marker.exists()
    torch.load(path, weights_only=False)  # control: the payload is live, so the check above is not vacuous
    assert marker.exists()
