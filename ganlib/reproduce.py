"""Table 1's MNIST row with the authors' protocol: train, choose a checkpoint on validation only, score test.

Per seed: the authors' configuration (experiments.mnist_config); after every epoch, 10,000 samples of G are
scored on the first 1,000 validation images with the sigma search of parzen_ll.py. The checkpoint kept is the
epoch with the best validation estimate (a rule that sees the validation split only). That G's samples are
then scored on the 10,000 test images, with the sigma chosen on validation.
"""
from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .device import default_device, device_name, seed_everything
from .experiments import build
from .mnist import load_mnist
from .parzen import choose_sigma, parzen_estimate
from .samples import generate

PAPER_MNIST = {"log_likelihood": 225.0, "stderr": 2.0}


@dataclass
class Table1Config:
    """Budget and protocol of one reproduction (the defaults are the authors' protocol)."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    epochs: int = 100
    iterations_per_eval: int = 500  # one epoch of 50,000 images in batches of 100
    n_samples: int = 10_000
    n_valid: int = 1_000
    n_test: int = 10_000
    train_overrides: dict = field(default_factory=dict)  # TrainConfig fields, e.g. {"noise": "gaussian"}

    def __post_init__(self) -> None:
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        for name in ("epochs", "iterations_per_eval", "n_samples", "n_valid", "n_test"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass
class SeedRun:
    seed: int
    best_iteration: int
    sigma: float
    log_likelihood: float
    stderr: float
    untrained_valid: float
    valid_curve: list[tuple[int, float]]
    wall_seconds: float
    G: torch.nn.Module | None = None  # the chosen generator, for the figures; not written to JSON


def run_seed(seed: int, cfg: Table1Config, valid: torch.Tensor, test: torch.Tensor,
             device: torch.device, data_dir: str | os.PathLike | None = None, progress: bool = False) -> SeedRun:
    """Train one seed, keep the best-on-validation generator, and score it on the test images."""
    start = time.perf_counter()
    iterations = cfg.epochs * cfg.iterations_per_eval
    trainer = build("mnist", device, data_dir, seed=seed, iterations=iterations,
                    log_every=cfg.iterations_per_eval, **cfg.train_overrides)
    nz, noise = trainer.config.noise_dim, trainer.config.noise

    def validate() -> float:
        seed_everything(10_000 + seed)  # the same noise for every evaluation of this seed
        samples = generate(trainer.G, cfg.n_samples, nz, noise)
        sigma, table = choose_sigma(samples, valid)
        return table[sigma]

    untrained = validate()
    curve: list[tuple[int, float]] = [(0, untrained)]
    best = {"score": untrained, "iteration": 0, "G": copy.deepcopy(trainer.G).cpu()}

    def on_epoch(t) -> None:
        rng = torch.get_rng_state(), torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
        score = validate()
        torch.set_rng_state(rng[0])  # evaluation must not change the training trajectory
        if rng[1] is not None:
            torch.cuda.set_rng_state_all(rng[1])
        curve.append((t.iteration, score))
        if score > best["score"]:
            best.update(score=score, iteration=t.iteration, G=copy.deepcopy(t.G).cpu())

    trainer.run(callback=on_epoch, progress=progress)
    G = best["G"].to(device)
    seed_everything(20_000 + seed)
    result = parzen_estimate(generate(G, cfg.n_samples, nz, noise), valid, test)
    return SeedRun(seed, best["iteration"], result.sigma, result.mean, result.stderr, untrained, curve,
                   time.perf_counter() - start, G)


def real_data_ceiling(train: torch.Tensor, valid: torch.Tensor, test: torch.Tensor, n: int = 10_000) -> dict:
    """The estimate when the 'samples' are n real training images: what the paper's number is read against."""
    return parzen_estimate(train[:n], valid, test).as_dict()


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def reproduce_table1(cfg: Table1Config, device: torch.device | str | None = None,
                     data_dir: str | os.PathLike | None = None, tier: str = "full",
                     out: str | os.PathLike | None = "results/mnist_table1.json",
                     progress: bool = False) -> tuple[dict, list[SeedRun]]:
    """Run every seed, add the real-data ceiling and the paper's row, and write the JSON to `out`."""
    device = torch.device(device) if device is not None else default_device()
    start = time.perf_counter()
    train = load_mnist("train", data_dir, device)[0]
    valid = load_mnist("valid", data_dir, device)[0][:cfg.n_valid]
    test = load_mnist("test", data_dir, device)[0][:cfg.n_test]
    runs = [run_seed(s, cfg, valid, test, device, data_dir, progress) for s in cfg.seeds]
    lls = [r.log_likelihood for r in runs]
    summary = {
        "protocol": ("Parzen window, sigma from logspace(-1, 0, 10) chosen on the first "
                     f"{cfg.n_valid} validation images; {cfg.n_samples} samples; mean over {len(test)} test images; "
                     "stderr = std(ddof=0)/sqrt(N); checkpoint = epoch with the best validation estimate"),
        "tier": tier, "config": {**asdict(cfg), "seeds": list(cfg.seeds)},
        "seeds": [{k: v for k, v in asdict(r).items() if k != "G"} for r in runs],
        "mean_log_likelihood": statistics.fmean(lls),
        "std_across_seeds": statistics.stdev(lls) if len(lls) > 1 else 0.0,
        "real_data_ceiling": real_data_ceiling(train, valid, test, cfg.n_samples),
        "paper": PAPER_MNIST,
        "device": device_name(device), "wall_seconds": time.perf_counter() - start, "commit": git_commit(),
    }
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(summary, indent=1))
    return summary, runs


def table1_rows(summary: dict, extra: dict[str, dict] | None = None) -> list[tuple[str, str]]:
    """(model, 'mean +- stderr') rows: the paper's rows for context, then this book's measurements."""
    rows = [("DBN (paper)", "138 ± 2"), ("Stacked CAE (paper)", "121 ± 1.6"), ("Deep GSN (paper)", "214 ± 1.1"),
            ("Adversarial nets (paper)", "225 ± 2")]
    for run in summary["seeds"]:
        rows.append((f"Adversarial nets, seed {run['seed']} (this book)",
                     f"{run['log_likelihood']:.1f} ± {run['stderr']:.1f}"))
    rows.append(("Adversarial nets, mean ± std over seeds (this book)",
                 f"{summary['mean_log_likelihood']:.1f} ± {summary['std_across_seeds']:.1f}"))
    ceiling = summary["real_data_ceiling"]
    rows.append((f"{summary['config']['n_samples']} real training images as 'samples' (ceiling)",
                 f"{ceiling['log_likelihood']:.1f} ± {ceiling['stderr']:.1f}"))
    for name, result in (extra or {}).items():
        rows.append((name, f"{result['log_likelihood']:.1f} ± {result['stderr']:.1f}"))
    return rows


def markdown_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """A Markdown table (for IPython.display.Markdown), so the book renders numbers the cell computed."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
