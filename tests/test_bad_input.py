"""Every bad input to `python -m ganlib train` (issue 20): exit code 2, one line naming the field or file,
nothing written or overwritten; and the checks behind it, in the library, on deliberately wrong input."""
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganlib.__main__ import main
from ganlib.core.checkpoint import CheckpointError, load_checkpoint, save_atomic, write_text_atomic
from ganlib.core.trainer import CheckpointMismatch, TrainConfig, Trainer, TrainingDiverged
from ganlib.data.mnist import FILES
from ganlib.experiments import build

MNIST = Path(os.environ.get("GANLIB_DATA", "data")) / "mnist"


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes: what "nothing was written or overwritten" compares."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def toy_checkpoint(out: Path, iterations: int = 200) -> None:
    assert main(["train", "toy1d", "--iterations", str(iterations), "--out", str(out), "--quiet"]) == 0


class Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def prepare(kind: str, tmp: Path) -> None:
    """Put in place what a row's bad input needs (a checkpoint, a file where a folder should be, data)."""
    out = tmp / "out"
    if kind == "checkpoint":
        toy_checkpoint(out)
    elif kind == "out_is_a_file":
        out.write_text("not a folder")
    elif kind in ("empty", "garbage", "evil"):
        out.mkdir()
        content = {"empty": b"", "garbage": b"PK\x03\x04 not really a zip archive"}.get(kind)
        if content is None:
            torch.save({"G": Evil()}, out / "checkpoint.pt")
        else:
            (out / "checkpoint.pt").write_bytes(content)
    elif kind == "mnist_missing_a_file":
        if not MNIST.is_dir():
            pytest.skip("real MNIST not found (set GANLIB_DATA)")
        (tmp / "data" / "mnist").mkdir(parents=True)
        for name in FILES:
            if name != "t10k-labels-idx1-ubyte.gz":
                (tmp / "data" / "mnist" / name).symlink_to((MNIST / name).resolve())


BAD = [  # (id, arguments after `train`, preparation, words the one-line message must hold)
    ("momentum-nan", "toy1d --set momentum_start=nan", None, ["momentum_start", "[0, 1)"]),
    ("momentum-NaN", "toy1d --set momentum_start=NaN", None, ["momentum_start", "[0, 1)"]),
    ("momentum-string", "toy1d --set momentum_start=fast", None, ["momentum_start", "'fast'"]),
    ("seed-string", "toy1d --set seed=x", None, ["seed must be an integer in"]),
    ("seed-2**64", f"toy1d --seed {2**64}", None, ["seed must be an integer in", str(2**64 - 1)]),
    ("seed-float", "toy1d --set seed=1.5", None, ["seed must be an integer"]),
    ("seed-twice", "toy1d --seed 0 --set seed=5", None, ["--seed 0", "seed=5", "disagree"]),
    ("betas-one", "toy1d --set adam_betas=[0.5]", None, ["adam_betas", "pair"]),
    ("betas-string", "toy1d --set adam_betas=ab", None, ["adam_betas", "pair"]),
    ("betas-out-of-range", "toy1d --set adam_betas=[0.5,1.5]", None, ["adam_betas", "[0, 1)"]),
    ("lr-decay-below-1", "toy1d --set lr_decay=0.5", None, ["lr_decay", ">= 1"]),
    ("lr-min-negative", "toy1d --set lr_min=-1", None, ["lr_min", ">= 0"]),
    ("lr-infinite", "toy1d --set lr_d=Infinity", None, ["lr_d", "positive finite"]),
    ("lr-bool", "toy1d --set lr_g=true", None, ["lr_g", "positive finite"]),
    ("noise-dim-huge", "toy1d --set noise_dim=1000000000", None, ["noise_dim", "[1, 100000]"]),
    ("saturate-epoch-0", "toy1d --set momentum_saturate_epoch=0", None, ["momentum_saturate_epoch", ">= 1"]),
    ("iterations-0", "toy1d --iterations 0", None, ["iterations", ">= 1"]),
    ("update-unknown", "toy1d --set update=sequential", None, ["update must be one of"]),
    ("set-unknown-field", "toy1d --set nope=1", None, ["--set", "'nope=1'"]),
    ("unknown-experiment", "cifar", None, ["invalid choice", "'cifar'"]),
    ("checkpoint-every-0", "toy1d --checkpoint-every 0", None, ["--checkpoint-every", ">= 1"]),
    ("checkpoint-every-negative", "toy1d --checkpoint-every -5", None, ["--checkpoint-every", ">= 1", "-5"]),
    ("device-tpu", "toy1d --device tpu", None, ["device must be cpu or cuda", "'tpu'"]),
    ("device-cuda-without-gpu", "toy1d --device cuda", "no_gpu", ["'cuda'", "no CUDA GPU"]),
    ("device-cuda-index", "toy1d --device cuda:99", "no_gpu", ["'cuda:99'"]),
    ("mnist-file-missing", "mnist --data-dir {tmp}/data", "mnist_missing_a_file",
     ["t10k-labels-idx1-ubyte.gz", "lacks"]),
    ("out-is-a-file", "toy1d", "out_is_a_file", ["--out", "not a folder"]),
    ("checkpoint-of-another-experiment", "figure1", "checkpoint", ["'toy1d'", "'figure1'", "experiment"]),
    ("checkpoint-of-another-config", "toy1d --iterations 300 --set lr_d=0.01", "checkpoint",
     ["another configuration", "lr_d"]),
    ("checkpoint-past-iterations", "toy1d --iterations 100", "checkpoint", ["iteration 200", "--iterations 200"]),
    ("checkpoint-empty", "toy1d", "empty", ["checkpoint.pt", "damaged", "start over"]),
    ("checkpoint-garbage", "toy1d", "garbage", ["checkpoint.pt", "damaged", "start over"]),
    ("checkpoint-unsafe", "toy1d", "evil", ["checkpoint.pt", "refused", "GLOBAL", "start over"]),
    ("diverges", "toy1d --iterations 200 --set lr_d=1e30 --set lr_g=1e30", None, ["training diverged"]),
]


@pytest.mark.parametrize("argv, kind, words", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_a_bad_input_exits_2_with_one_line_and_writes_nothing(argv, kind, words, tmp_path, capsys, monkeypatch):
    if kind == "no_gpu" and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.chdir(tmp_path)  # a default --out (runs/...) would land here
    prepare(kind, tmp_path)
    before = files_under(tmp_path)
    capsys.readouterr()
    args = ["train", *shlex.split(argv.format(tmp=tmp_path))]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    code = cli([*args, "--quiet"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("python -m ganlib") and "error:" in lines[0]
    for word in words:
        assert word in lines[0]
    assert "weights_only=False" not in err
    assert files_under(tmp_path) == before, "a bad input wrote or overwrote a file"


def cli(argv: list[str]) -> int:
    """main's exit status, argparse's own errors (a SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_out_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["train", "toy1d", "--out", str(out), "--quiet"]) == 2
    finally:
        out.chmod(0o755)
    assert "not writable" in capsys.readouterr().err and not any(out.iterdir())


def test_an_unwritable_out_is_found_before_the_first_step(tmp_path, capsys, monkeypatch):
    """The write probe, where permissions cannot show it (root): the refusal comes before any step."""
    import ganlib.__main__ as cli

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(Trainer, "step", lambda self: pytest.fail("training started"))
    assert main(["train", "toy1d", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not writable: Permission denied" in err


def test_the_command_line_prints_no_traceback(tmp_path):
    """The same one line from a real process (no traceback reaches the terminal)."""
    result = subprocess.run([sys.executable, "-m", "ganlib", "train", "toy1d", "--set", "adam_betas=ab",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "adam_betas" in result.stderr


# --- the checkpoint's identity ----------------------------------------------------------------------
def test_a_subset_checkpoint_resumed_as_full_mnist_is_refused_before_any_step(tmp_path, capsys, monkeypatch):
    if not MNIST.is_dir():
        pytest.skip("real MNIST not found (set GANLIB_DATA)")
    out = tmp_path / "out"
    subset = build("mnist-subset", "cpu", iterations=10)
    subset.save(out / "checkpoint.pt")
    before = files_under(tmp_path)
    monkeypatch.setattr(Trainer, "step", lambda self: pytest.fail("a step ran"))
    assert main(["train", "mnist", "--iterations", "10", "--out", str(out), "--device", "cpu", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "'mnist-subset'" in err and "'mnist'" in err and "(5000, 784)" in err and "(50000, 784)" in err, err
    assert files_under(tmp_path) == before


def test_identity_is_recorded_and_another_data_set_is_refused(tmp_path):
    a = build("toy1d", "cpu", iterations=100)
    a.run(progress=False)
    a.save(tmp_path / "ck.pt")
    identity = load_checkpoint(tmp_path / "ck.pt")["identity"]
    assert identity["experiment"] == "toy1d" and identity["data"]["shape"] == [20_000, 1]
    assert len(identity["data"]["sha256"]) == 64 and identity["ganlib"]
    other = build("toy1d", "cpu", iterations=100)
    other.data = other.data + 1  # same shape and experiment, other numbers: only the checksum tells
    other._data_identity = None
    with pytest.raises(CheckpointMismatch, match=r"resume it with the data that made it"):
        other.load(tmp_path / "ck.pt")
    assert other.iteration == 0  # refused before anything was loaded


def test_a_checkpoint_without_identity_still_loads_and_an_old_one_of_other_data_is_refused(tmp_path):
    """Checkpoints written before the identity (and reproduce.py's state files) resume; their data size is
    still checked through the saved permutation."""
    a = build("toy1d", "cpu", iterations=150)
    a.run(progress=False)
    state = a.state_dict()
    del state["identity"]
    save_atomic(state, tmp_path / "old.pt")
    b = build("toy1d", "cpu", iterations=150)
    b.load(tmp_path / "old.pt")
    assert b.iteration == 150 and b.history == a.history
    c = Trainer(b.G, b.D, b.data[:1000], b.config, "cpu")
    with pytest.raises(CheckpointMismatch, match=r"data of 20000 samples"):
        c.load_state_dict(state)


def test_a_checkpoint_of_the_wrong_structure_is_named(tmp_path):
    save_atomic({"iteration": 3}, tmp_path / "ck.pt")
    with pytest.raises(CheckpointError, match=r"is not a Trainer checkpoint \(it lacks config, G, D"):
        build("toy1d", "cpu").load(tmp_path / "ck.pt")


# --- configuration values, in the library ---------------------------------------------------------
@pytest.mark.parametrize("field, value, message", [
    ("momentum_end", float("nan"), r"momentum_end must be a number in \[0, 1\)"),
    ("momentum_start", "0.5", r"momentum_start must be a number"),
    ("adam_betas", (0.5,), r"adam_betas must be a pair"),
    ("adam_betas", "ab", r"adam_betas must be a pair"),
    ("adam_betas", (0.5, float("nan")), r"adam_betas must be a pair of numbers in \[0, 1\)"),
    ("lr_min", -1.0, r"lr_min must be a finite number >= 0"),
    ("lr_min", float("inf"), r"lr_min must be a finite number >= 0"),
    ("lr_decay", float("nan"), r"lr_decay must be a finite number >= 1"),
    ("d_loss_scale", 0.0, r"d_loss_scale must be a positive finite number"),
    ("noise_dim", 10**9, r"noise_dim must be an integer in \[1, 100000\]"),
    ("seed", -2**63 - 1, r"seed must be an integer in"),
    ("seed", "1", r"seed must be an integer in"),
    ("seed", True, r"seed must be an integer in"),
    ("log_every", 2.0, r"log_every must be an integer >= 1"),
    ("momentum_saturate_epoch", -3, r"momentum_saturate_epoch must be an integer >= 1"),
])
def test_every_field_is_checked_at_construction(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_a_json_list_of_betas_becomes_a_tuple():
    assert TrainConfig(adam_betas=[0.5, 0.9]).adam_betas == (0.5, 0.9)


def test_a_decay_that_overflows_reaches_lr_min_instead_of_crashing():
    trainer = build("toy1d", "cpu", iterations=400, lr_decay=10.0, lr_min=1e-6)
    trainer.run(progress=False)  # 10**308 overflows a float at iteration 309
    assert trainer.iteration == 400 and trainer.opt_d.param_groups[0]["lr"].item() == pytest.approx(1e-6)


def test_checkpoint_every_is_checked_by_run():
    with pytest.raises(ValueError, match="checkpoint_every must be an integer >= 1, got 0"):
        build("toy1d", "cpu").run(checkpoint_every=0, progress=False)


def test_a_divergence_caught_at_a_checkpoint_write_keeps_the_last_good_one(tmp_path, monkeypatch):
    trainer = build("toy1d", "cpu", iterations=200, log_every=100)
    trainer.save(tmp_path / "ck.pt")
    good = (tmp_path / "ck.pt").read_bytes()
    step = Trainer.step

    def breaking_step(self):
        step(self)
        if self.iteration == 10:
            with torch.no_grad():
                next(self.G.parameters()).fill_(float("nan"))

    monkeypatch.setattr(Trainer, "step", breaking_step)
    with pytest.raises(TrainingDiverged, match=r"by iteration 75 .*the last good checkpoint is kept at"):
        trainer.run(checkpoint=tmp_path / "ck.pt", checkpoint_every=75, progress=False)
    assert (tmp_path / "ck.pt").read_bytes() == good


# --- files ----------------------------------------------------------------------------------------
def test_orphan_temporary_files_are_cleaned_at_the_next_write(tmp_path):
    orphan = tmp_path / "checkpoint.pt.abc123.tmp"
    orphan.write_bytes(b"left by a killed process")
    other = tmp_path / "other.pt.abc123.tmp"
    other.write_bytes(b"not ours")
    save_atomic({"iteration": 1}, tmp_path / "checkpoint.pt")
    assert not orphan.exists() and other.exists()


def test_history_json_replaces_a_symbolic_link_and_leaves_its_target(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "history.json").symlink_to(target)
    toy_checkpoint(out, 100)
    assert not (out / "history.json").is_symlink() and target.read_text() == "precious"
    assert json.loads((out / "history.json").read_text())["history"]["iteration"][-1] == 100
    write_text_atomic("x", out / "history.json")
    assert (out / "history.json").read_text() == "x"


def test_the_run_folder_is_named_after_the_configs_seed(tmp_path, monkeypatch):
    """--set seed=5 is the seed, as --seed 5 would be: runs/toy1d-seed5, never runs/toy1d-seed0."""
    monkeypatch.chdir(tmp_path)
    assert main(["train", "toy1d", "--iterations", "100", "--set", "seed=5", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["toy1d-seed5"]
    assert load_checkpoint(tmp_path / "runs" / "toy1d-seed5" / "checkpoint.pt")["config"]["seed"] == 5
