"""The three measurements, each ganlib against its baseline in the same process on the same device."""
from __future__ import annotations

import datetime as dt
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import torch

from ganlib import experiments
from ganlib.book.provenance import git_commit
from ganlib.core.device import device_name
from ganlib.data.mnist import load_mnist
from ganlib.experiments import build_ensemble
from ganlib.metrics.parzen import SIGMAS, parzen_estimate

from .reference import ReferenceLoop, authors_parzen

# The targets on one H100 or H200.
TARGETS = {"training_speedup_min": 20.0, "epoch_seconds_max": 0.5, "parzen_seconds_max": 2.0,
           "eight_seeds_ratio_max": 2.0}


@dataclass
class Scale:
    """How much each measurement does: the targets' sizes on a GPU, a size that fits 2 CPU cores."""

    iterations: int  # minibatches per timed repeat
    repeats: int  # timed repeats; the median is reported
    warmup: int  # untimed iterations first (CUDA graph capture happens here)
    parzen_samples: int
    parzen_valid: int
    parzen_test: int
    seeds: int  # runs trained together


SCALES = {
    "gpu": Scale(iterations=500, repeats=5, warmup=20, parzen_samples=10_000, parzen_valid=1000,
                 parzen_test=10_000, seeds=8),
    "cpu": Scale(iterations=20, repeats=3, warmup=3, parzen_samples=1000, parzen_valid=200, parzen_test=500,
                 seeds=4),
}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(fn: Callable[[], object], repeats: int, device: torch.device) -> tuple[float, list[float]]:
    """Median wall time of `fn` over `repeats` calls, the device synchronised around each."""
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _rate(fn: Callable[[int], object], scale: Scale, device: torch.device) -> dict:
    """Minibatches per second of `fn(n)`, which runs n more iterations, after scale.warmup untimed ones."""
    fn(scale.warmup)
    median, times = median_seconds(lambda: fn(scale.iterations), scale.repeats, device)
    return {"minibatches_per_s": scale.iterations / median, "seconds_per_repeat": times}


def _runner(trainer) -> Callable[[int], object]:
    return lambda n: trainer.run(until=trainer.iteration + n, progress=False)


def training(scale: Scale, device: torch.device, data_dir: str | None) -> dict:
    """The paper's MNIST configuration: the reference loop, the Trainer's eager step, and its default step
    (replayed from a CUDA graph on a GPU; the same eager step on a CPU)."""
    images = load_mnist("train", data_dir)[0]
    rows = {
        "reference": _rate(ReferenceLoop(images, device).run, scale, device),
        "trainer": _rate(_runner(experiments.build("mnist", device, data_dir, graph=False)), scale, device),
        "fast": _rate(_runner(experiments.build("mnist", device, data_dir)), scale, device),
    }
    ref = rows["reference"]["minibatches_per_s"]
    return {**rows,
            "speedup_trainer_vs_reference": rows["trainer"]["minibatches_per_s"] / ref,
            "speedup_fast_vs_reference": rows["fast"]["minibatches_per_s"] / ref,
            "epoch_seconds_fast": 500 / rows["fast"]["minibatches_per_s"]}


def parzen(scale: Scale, device: torch.device, data_dir: str | None) -> dict:
    """Table 1's estimate (sigma search on validation, then test), real training images as the samples."""
    samples = load_mnist("train", data_dir, device)[0][:scale.parzen_samples]
    valid = load_mnist("valid", data_dir, device)[0][:scale.parzen_valid]
    test = load_mnist("test", data_dir, device)[0][:scale.parzen_test]
    ours = parzen_estimate(samples, valid, test)  # warm-up, and the value to compare
    t_ours, _ = median_seconds(lambda: parzen_estimate(samples, valid, test), 3, device)
    _sync(device)
    start = time.perf_counter()
    sigma, ll = authors_parzen(samples, valid, test, SIGMAS)
    _sync(device)
    t_authors = time.perf_counter() - start
    return {"samples": len(samples), "valid": len(valid), "test": len(test),
            "ganlib_seconds": t_ours, "authors_style_seconds": t_authors, "speedup": t_authors / t_ours,
            "ganlib": {"sigma": ours.sigma, "log_likelihood": ours.mean},
            "authors_style": {"sigma": sigma, "log_likelihood": ll},
            "abs_difference": abs(ours.mean - ll)}


def seeds(scale: Scale, device: torch.device, data_dir: str | None) -> dict:
    """S seeds trained as one stacked network, against one run (S runs in turn take S times that)."""
    out = {}
    for name in ("toy1d", "mnist"):
        one = _rate(_runner(experiments.build(name, device, data_dir, update="simultaneous")),
                    scale, device)
        many = _rate(_runner(build_ensemble(name, list(range(scale.seeds)), device, data_dir)), scale, device)
        t_one, t_many = 1 / one["minibatches_per_s"], 1 / many["minibatches_per_s"]
        out[name] = {"seeds": scale.seeds, "one_run_s_per_iteration": t_one,
                     "together_s_per_iteration": t_many, "ratio_to_one_run": t_many / t_one,
                     "speedup_vs_one_after_another": scale.seeds * t_one / t_many}
    return out


def header(device: torch.device, scale_name: str) -> dict:
    return {"device": device_name(device), "kind": "gpu" if device.type == "cuda" else "cpu",
            "scale": scale_name, "sizes": asdict(SCALES[scale_name]), "torch": torch.__version__,
            "python": platform.python_version(), "tf32": torch.backends.cuda.matmul.allow_tf32,
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit()}


def targets(run: dict) -> dict:
    """Each GPU target with the measured value and whether it is met."""
    t = run.get("training", {})
    checks = {
        "training_speedup_min": t.get("speedup_fast_vs_reference"),
        "epoch_seconds_max": t.get("epoch_seconds_fast"),
        "parzen_seconds_max": run.get("parzen", {}).get("ganlib_seconds"),
        "eight_seeds_ratio_max": run.get("seeds", {}).get("mnist", {}).get("ratio_to_one_run"),
    }
    return {name: {"target": TARGETS[name], "measured": value,
                   "met": None if value is None else (value >= TARGETS[name] if name.endswith("_min")
                                                      else value <= TARGETS[name])}
            for name, value in checks.items()}


MEASUREMENTS = {"training": training, "parzen": parzen, "seeds": seeds}
