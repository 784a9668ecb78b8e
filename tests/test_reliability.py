"""Bad input gets a clear error; interrupted runs lose nothing; checkpoints survive a crash mid-write."""
import signal
import subprocess
import sys
import time

import pytest
import torch

from ganlib import experiments
from ganlib.book.notebook import by_tier, resolve_tier
from ganlib.core import checkpoint as ck
from ganlib.core.checkpoint import load_checkpoint, save_atomic
from ganlib.core.nets import MLP, MaxoutDiscriminator, MNISTGenerator
from ganlib.core.trainer import TrainConfig, Trainer
from ganlib.experiments import build


def test_wrong_image_shape_is_named(monkeypatch):
    """MNIST images that are not flattened are refused by the MNIST experiment with the expected shape."""
    monkeypatch.setattr(experiments, "mnist_subset", lambda: (torch.rand(200, 28, 28), torch.zeros(200)))
    with pytest.raises(ValueError, match=r"^MNIST images must have shape \(N, 784\), one flattened 28x28 image "
                                         r"per row, got \(200, 28, 28\)$"):
        build("mnist-subset", device="cpu", noise_dim=10)


def test_trainer_names_data_of_another_shape_than_g_makes():
    G, D = MNISTGenerator(noise_dim=10), MaxoutDiscriminator()
    with pytest.raises(ValueError, match=r"^G makes samples of shape \(784,\) but the data's samples have shape "
                                         r"\(28, 28\)$"):
        Trainer(G, D, torch.rand(200, 28, 28), TrainConfig(noise_dim=10), device="cpu")


def test_discriminator_must_return_one_logit_per_sample():
    with pytest.raises(ValueError, match=r"D must return one logit per sample"):
        Trainer(MLP(3, 2), MLP(2, 1), torch.rand(200, 2), TrainConfig(noise_dim=3), device="cpu")


def test_unknown_experiment_and_tier_are_named():
    with pytest.raises(ValueError, match=r"experiment must be one of .*'toy1d'.*got 'cifar'"):
        build("cifar", device="cpu")
    with pytest.raises(ValueError, match=r"tier must be 'auto' or one of \('fast', 'reduced', 'full'\), got 'quick'"):
        resolve_tier("quick")
    with pytest.raises(ValueError, match="tier must be"):
        by_tier("Full", fast=1, reduced=2, full=3)


def test_a_crash_while_writing_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    save_atomic({"iteration": 1, "w": torch.ones(3)}, path)

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # the process dies in the middle of the write

    monkeypatch.setattr(ck.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_atomic({"iteration": 2, "w": torch.zeros(3)}, path)
    assert load_checkpoint(path)["iteration"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]  # no temporary file left behind


def _train(out, *extra):
    return subprocess.Popen([sys.executable, "-m", "ganlib", "train", "toy1d", "--iterations", "3000",
                             "--checkpoint-every", "50", "--quiet", "--out", str(out),
                             "--device", "cpu", *extra],  # CPU: bit-exact, even where CUDA is available
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_run_killed_with_sigkill_resumes_to_the_same_parameters(tmp_path):
    straight = _train(tmp_path / "straight")
    killed = _train(tmp_path / "killed")
    checkpoint = tmp_path / "killed" / "checkpoint.pt"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL
    stopped_at = load_checkpoint(checkpoint)["iteration"]
    assert 0 < stopped_at < 3000, "the run must be killed part-way"
    resumed = _train(tmp_path / "killed")
    assert resumed.wait(timeout=300) == 0 and straight.wait(timeout=300) == 0
    assert f"iteration {stopped_at}" in resumed.stderr.read()
    a = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    b = load_checkpoint(checkpoint)
    for net in ("G", "D"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key} differs after the resume"
    assert a["history"] == b["history"]


def test_a_mistyped_tier_stops_a_notebook_with_the_allowed_values(tmp_path):
    from pathlib import Path

    import papermill

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "00_what_this_book_reproduces.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match=r"tier must be 'auto' or one of .*got 'fsat'"):
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), parameters={"tier": "fsat"},
                                   kernel_name="python3", cwd=str(notebook.parent), progress_bar=False)
