"""Table 1's long runs: the stopping rule, seed files, the driver, and a run killed mid-way that resumes exactly."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganlib.book.reproduce import LONG_RUN, Table1Config, _stopped, reproduce_missing_seeds, table1_from_seed_files
from ganlib.data import files, mnist

HAVE_REAL = any((files.data_root() / sub / "train-images-idx3-ubyte.gz").is_file()
                for sub in ("mnist", "MNIST/raw", "."))
TINY = dict(epochs=8, patience=3, iterations_per_eval=20, n_samples=300, n_valid=100, n_test=200)


def test_the_long_run_rule_is_thirty_epochs_without_a_new_best_at_most_three_hundred():
    assert (LONG_RUN.epochs, LONG_RUN.patience, LONG_RUN.iterations_per_eval) == (300, 30, 500)


def test_stopping_rule_counts_evaluations_since_the_best_one():
    cfg = Table1Config(epochs=10, patience=2)
    curve = [(0, 1.0), (5, 2.0), (10, 1.5)]
    assert not _stopped(curve, best_iteration=5, cfg=cfg)  # one evaluation without a new best
    assert _stopped(curve + [(15, 1.9)], best_iteration=5, cfg=cfg)  # two
    assert not _stopped(curve + [(15, 2.5)], best_iteration=15, cfg=cfg)  # a new best resets the count
    long = [(i, float(i)) for i in range(11)]
    assert _stopped(long, best_iteration=10, cfg=cfg)  # improving all along, but 10 evaluations is the limit
    assert not _stopped(long[:10], best_iteration=9, cfg=Table1Config(epochs=10, patience=None))


def test_patience_must_be_positive():
    with pytest.raises(ValueError, match="patience"):
        Table1Config(patience=0)


def test_aggregate_reads_whatever_seed_files_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="reproduce mnist"):
        table1_from_seed_files(tmp_path)
    for seed, ll in ((3, 200.0), (1, 220.0)):
        (tmp_path / f"seed{seed}.json").write_text(json.dumps({"seed": seed, "log_likelihood": ll}))
    summary = table1_from_seed_files(tmp_path)
    assert summary["n_seeds"] == 2 and [r["seed"] for r in summary["seeds"]] == [1, 3]
    assert summary["mean_log_likelihood"] == 210.0
    assert summary["std_across_seeds"] == pytest.approx(14.142135623730951)


def test_the_driver_runs_only_the_seeds_without_a_result_file(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr("ganlib.book.reproduce.reproduce_seed", lambda seed, cfg, out_dir, **kw: ran.append(seed))
    (tmp_path / "seed1.json").write_text("{}")
    assert reproduce_missing_seeds((0, 1, 2), out_dir=tmp_path) == [0, 2] and ran == [0, 2]


SCRIPT = """
import sys, torch
torch.set_num_threads(1)
from ganlib.book.reproduce import Table1Config, reproduce_seed
reproduce_seed(0, Table1Config(**{tiny}), device="cpu", state_dir=sys.argv[1], out_dir=sys.argv[2])
"""


def _run(state: Path, out: Path, kill_after_evaluations: int | None = None) -> None:
    script = SCRIPT.format(tiny=TINY)
    proc = subprocess.Popen([sys.executable, "-c", script, str(state), str(out)], env=os.environ.copy())
    if kill_after_evaluations is None:
        assert proc.wait(timeout=600) == 0
        return
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        path = state / "seed0.pt"
        if path.exists() and len(torch.load(path, weights_only=True)["curve"]) > kill_after_evaluations:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.skipif(not HAVE_REAL, reason="no MNIST under $GANLIB_DATA (CI points it at ../shared/data)")
def test_a_killed_seed_run_resumes_to_the_same_result_as_an_uninterrupted_one(tmp_path):
    """SIGKILL after 2 of 8 evaluations, start the same command again, and compare with a run never stopped."""
    _run(tmp_path / "state-a", tmp_path / "a")
    _run(tmp_path / "state-b", tmp_path / "b", kill_after_evaluations=2)
    assert not (tmp_path / "b" / "seed0.json").exists()
    assert len(torch.load(tmp_path / "state-b" / "seed0.pt", weights_only=True)["curve"]) <= 8
    _run(tmp_path / "state-b", tmp_path / "b")
    a, b = (json.loads((tmp_path / d / "seed0.json").read_text()) for d in ("a", "b"))
    assert a["valid_curve"] == b["valid_curve"]
    for key in ("chosen_epoch", "log_likelihood", "stderr", "sigma", "last_test", "untrained_test", "stopped"):
        assert a[key] == b[key], key
    assert a["evaluations"] <= TINY["epochs"]


@pytest.mark.skipif(not HAVE_REAL, reason="no MNIST under $GANLIB_DATA (CI points it at ../shared/data)")
def test_the_gpu_entry_point_runs_its_protocol_in_miniature_on_a_cpu(tmp_path):
    """scripts/table1_gpu.sh, as a GPU machine runs it, with the miniature protocol on the CPU: five stacked
    seeds, each stopped by the rule and scored at its own best validation checkpoint."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "table1_gpu.sh"
    env = {**os.environ, "PYTHON": sys.executable, "RESULTS": str(tmp_path / "out"), "STATE": str(tmp_path / "st")}
    done = subprocess.run(["bash", str(script), "--protocol", "fast", "--device", "cpu", "--threads", "1"],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads((tmp_path / "out" / f"seed{s}.json").read_text()) for s in range(5)]
    for r in records:
        assert r["trained"] == "stacked with seeds [0, 1, 2, 3, 4]" and r["evaluations"] <= 4
        curve = dict(map(tuple, r["valid_curve"]))
        assert r["chosen_iteration"] == max(curve, key=curve.get)  # the best validation estimate, untrained included
    assert len({r["log_likelihood"] for r in records}) == 5  # five runs, not one copied
    assert "5 stacked seeds" in done.stdout


@pytest.mark.skipif(not HAVE_REAL, reason="no MNIST under $GANLIB_DATA (CI points it at ../shared/data)")
def test_a_stacked_run_resumed_from_its_state_follows_the_uninterrupted_one(tmp_path, one_thread):
    """Two evaluations, stop, go on to four from the saved state: the same curves as four in one go."""
    from dataclasses import replace

    from ganlib.book.reproduce import FAST_RUN, run_stacked

    valid = mnist.load_mnist("valid")[0][:FAST_RUN.n_valid]
    test = mnist.load_mnist("test")[0][:FAST_RUN.n_test]
    two, four = replace(FAST_RUN, epochs=2, patience=None), replace(FAST_RUN, epochs=4, patience=None)
    straight = run_stacked((0, 1), four, valid, test, torch.device("cpu"))
    run_stacked((0, 1), two, valid, test, torch.device("cpu"), state_path=tmp_path / "st.pt")
    resumed = run_stacked((0, 1), four, valid, test, torch.device("cpu"), state_path=tmp_path / "st.pt")
    assert [r.valid_curve for r in straight] == [r.valid_curve for r in resumed]
    assert [r.log_likelihood for r in straight] == [r.log_likelihood for r in resumed]
    assert len(straight[0].valid_curve) == 5
