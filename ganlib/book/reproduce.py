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
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ganlib.book.provenance import git_commit
from ganlib.core.checkpoint import load_checkpoint, save_atomic
from ganlib.core.device import default_device, device_name
from ganlib.core.sampling import generate
from ganlib.data.mnist import load_mnist
from ganlib.experiments import build, build_ensemble
from ganlib.metrics.parzen import ParzenResult, choose_sigma, parzen_estimate

PAPER_MNIST = {"log_likelihood": 225.0, "stderr": 2.0}


@dataclass
class Table1Config:
    """Budget and protocol of one reproduction (the defaults are the authors' protocol)."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    epochs: int = 100  # the most evaluations (epochs, at the default iterations_per_eval) per seed
    patience: int | None = None  # stop after this many evaluations in a row without a new best; None: never
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
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be >= 1 or None, got {self.patience}")


@dataclass
class SeedRun:
    seed: int
    best_iteration: int  # 0 means the untrained generator won the validation comparison
    sigma: float
    log_likelihood: float  # test estimate of the chosen checkpoint
    stderr: float
    untrained_valid: float
    untrained_test: float  # the untrained generator (the average digit) on the test images, same protocol
    last_test: float  # the alternative rule: the last checkpoint, whatever its validation score
    valid_curve: list[tuple[int, float]]
    wall_seconds: float
    parzen_seconds: float  # one test estimate (sigma search included), for the record of its speed
    G: torch.nn.Module | None = None  # the chosen generator, for the figures; not written to JSON


def _validate(G: torch.nn.Module, cfg: Table1Config, valid: torch.Tensor, nz: int, noise: str, seed: int) -> float:
    """Mean validation log-likelihood of G's samples at the best sigma; the same noise at every call.

    The random generators are forked, so evaluating never changes the training trajectory.
    """
    with torch.random.fork_rng(devices=[valid.device] if valid.device.type == "cuda" else []):
        torch.manual_seed(10_000 + seed)
        sigma, table = choose_sigma(generate(G, cfg.n_samples, nz, noise), valid)
    return table[sigma]


def _test(G: torch.nn.Module, cfg: Table1Config, valid: torch.Tensor, test: torch.Tensor, nz: int, noise: str,
          seed: int) -> ParzenResult:
    with torch.random.fork_rng(devices=[test.device] if test.device.type == "cuda" else []):
        torch.manual_seed(20_000 + seed)
        return parzen_estimate(generate(G, cfg.n_samples, nz, noise), valid, test)


class _Track:
    """One seed's record along training: the validation curve, the best generator so far, the untrained one."""

    def __init__(self, seed: int, G: torch.nn.Module, score: float) -> None:
        self.seed, self.curve, self.best_iteration = seed, [(0, score)], 0
        self.untrained_G, self.best_G, self.last_G = copy.deepcopy(G), copy.deepcopy(G), copy.deepcopy(G)

    def observe(self, G: torch.nn.Module, iteration: int, score: float) -> None:
        self.curve.append((iteration, score))
        self.last_G.load_state_dict(G.state_dict())
        if score > dict(self.curve)[self.best_iteration]:
            self.best_iteration = iteration
            self.best_G.load_state_dict(G.state_dict())

    def stopped(self, cfg: Table1Config) -> bool:
        return _stopped(self.curve, self.best_iteration, cfg)

    def state(self) -> dict:
        return {"seed": self.seed, "untrained_G": self.untrained_G.state_dict(), "best_G": self.best_G.state_dict(),
                "last_G": self.last_G.state_dict(), "best_iteration": self.best_iteration,
                "curve": [list(c) for c in self.curve]}

    def load(self, state: dict) -> None:
        self.untrained_G.load_state_dict(state["untrained_G"])
        self.best_G.load_state_dict(state["best_G"])
        self.last_G.load_state_dict(state.get("last_G", state["best_G"]))  # states written before last_G: single runs
        self.curve = [(int(i), float(v)) for i, v in state["curve"]]
        self.best_iteration = int(state["best_iteration"])

    def finish(self, last_G: torch.nn.Module, cfg: Table1Config, valid: torch.Tensor, test: torch.Tensor,
               nz: int, noise: str, wall_seconds: float) -> SeedRun:
        """The chosen (best-on-validation), the untrained and the last generator scored on the test images."""
        timer = time.perf_counter()
        result = _test(self.best_G, cfg, valid, test, nz, noise, self.seed)
        parzen_seconds = time.perf_counter() - timer
        untrained_test = _test(self.untrained_G, cfg, valid, test, nz, noise, self.seed).mean
        last_test = _test(last_G, cfg, valid, test, nz, noise, self.seed).mean
        return SeedRun(self.seed, self.best_iteration, result.sigma, result.mean, result.stderr, self.curve[0][1],
                       untrained_test, last_test, self.curve, wall_seconds, parzen_seconds, self.best_G.cpu())


def run_seed(seed: int, cfg: Table1Config, valid: torch.Tensor, test: torch.Tensor,
             device: torch.device, data_dir: str | os.PathLike | None = None, progress: bool = False,
             state_path: str | os.PathLike | None = None) -> SeedRun:
    """Train one seed, keep the best-on-validation generator, and score it on the test images.

    On a GPU the Trainer replays its step from a CUDA graph; on a CPU it runs it eagerly.
    One evaluation after every `iterations_per_eval` minibatches; training stops after `cfg.epochs`
    evaluations, or earlier when `cfg.patience` evaluations in a row have not beaten the best one.

    With `state_path`, everything the run needs to go on (the trainer's exact state, the best and the untrained
    generator, the validation curve, the time spent) is written there atomically after every evaluation, and a
    run started with the same `state_path` resumes from it: a run killed at any moment loses at most one
    evaluation period, and resumes on the same trajectory (same thread count on a CPU).
    """
    start = time.perf_counter()
    trainer = build("mnist", device, data_dir, seed=seed, iterations=cfg.epochs * cfg.iterations_per_eval,
                    log_every=cfg.iterations_per_eval, **cfg.train_overrides)
    nz, noise = trainer.config.noise_dim, trainer.config.noise
    state = _load_state(state_path, cfg, [seed]) if state_path is not None else None
    if state is not None:
        trainer.load_state_dict(state["trainer"])
        track = _Track(seed, trainer.G, 0.0)
        track.load(state)
    else:
        track = _Track(seed, trainer.G, _validate(trainer.G, cfg, valid, nz, noise, seed))
    earlier = float(state["wall_seconds"]) if state is not None else 0.0
    while not track.stopped(cfg):
        trainer.run(until=trainer.iteration + cfg.iterations_per_eval, progress=progress)
        track.observe(trainer.G, trainer.iteration, _validate(trainer.G, cfg, valid, nz, noise, seed))
        if state_path is not None:
            save_atomic({**track.state(), "protocol": _protocol_key(cfg), "trainer": trainer.state_dict(),
                         "wall_seconds": earlier + time.perf_counter() - start}, state_path)
    return track.finish(trainer.G, cfg, valid, test, nz, noise, earlier + time.perf_counter() - start)


def run_stacked(seeds: tuple[int, ...], cfg: Table1Config, valid: torch.Tensor, test: torch.Tensor,
                device: torch.device, data_dir: str | os.PathLike | None = None, progress: bool = False,
                state_path: str | os.PathLike | None = None) -> list[SeedRun]:
    """Every seed at once, as one stacked Trainer (experiments.build_ensemble): what fills a GPU.

    The same protocol per seed as run_seed: an evaluation every period, each seed's checkpoint chosen on
    validation, each seed stopped by the same rule (its curve ends where its rule stopped it; training goes on
    while any seed is still running). The seeds draw from one random stream, so seed s here is an independent
    run but not run_seed's trajectory for s. Resumable from `state_path` like run_seed.
    """
    start = time.perf_counter()
    trainer = build_ensemble("mnist", list(seeds), device, data_dir, iterations=cfg.epochs * cfg.iterations_per_eval,
                             log_every=cfg.iterations_per_eval, **cfg.train_overrides)
    nz, noise = trainer.config.noise_dim, trainer.config.noise

    def members() -> list[torch.nn.Module]:
        return [G.to(device) for G, _ in trainer.unstack()]

    state = _load_state(state_path, cfg, list(seeds)) if state_path is not None else None
    Gs = members()
    if state is not None:
        trainer.load_state_dict(state["trainer"])
        tracks = [_Track(s, G, 0.0) for s, G in zip(seeds, Gs)]
        for track, saved in zip(tracks, state["tracks"]):
            track.load(saved)
    else:
        tracks = [_Track(s, G, _validate(G, cfg, valid, nz, noise, s)) for s, G in zip(seeds, Gs)]
    earlier = float(state["wall_seconds"]) if state is not None else 0.0
    while not all(t.stopped(cfg) for t in tracks):
        trainer.run(until=trainer.iteration + cfg.iterations_per_eval, progress=progress)
        Gs = members()
        for track, G in zip(tracks, Gs):
            if not track.stopped(cfg):
                track.observe(G, trainer.iteration, _validate(G, cfg, valid, nz, noise, track.seed))
        if state_path is not None:
            save_atomic({"seed": list(seeds), "protocol": _protocol_key(cfg), "trainer": trainer.state_dict(),
                         "tracks": [t.state() for t in tracks], "wall_seconds": earlier + time.perf_counter() - start},
                        state_path)
    # A seed stopped earlier is scored at its own last evaluation (last_G), not at the ensemble's last iteration.
    wall = earlier + time.perf_counter() - start
    return [t.finish(t.last_G, cfg, valid, test, nz, noise, wall) for t in tracks]


def _stopped(curve: list[tuple[int, float]], best_iteration: int, cfg: Table1Config) -> bool:
    """The stopping rule: `cfg.epochs` evaluations done, or `cfg.patience` in a row without a new best."""
    done = len(curve) - 1
    since_best = sum(1 for i, _ in curve if i > best_iteration)
    return done >= cfg.epochs or (cfg.patience is not None and since_best >= cfg.patience)


def _protocol_key(cfg: Table1Config) -> dict:
    """What a saved run state must agree on with the configuration that resumes it."""
    return {k: v for k, v in asdict(cfg).items() if k not in ("seeds", "epochs", "patience")}


def _load_state(path: str | os.PathLike, cfg: Table1Config, seeds: list[int]) -> dict | None:
    if not Path(path).exists():
        return None
    state = load_checkpoint(path)
    saved = state["seed"] if isinstance(state["seed"], list) else [state["seed"]]
    if saved != seeds or state["protocol"] != _protocol_key(cfg):
        raise ValueError(f"{path} holds seeds {saved} with protocol {state['protocol']}, not seeds {seeds} "
                         f"with {_protocol_key(cfg)}: remove it or point the run at another folder")
    return state


def _protocol_text(cfg: Table1Config) -> str:
    return ("Parzen window, sigma from logspace(-1, 0, 10) chosen on the first "
            f"{cfg.n_valid} validation images; {cfg.n_samples} samples; mean over {cfg.n_test} test images; "
            "stderr = std(ddof=0)/sqrt(N); checkpoint = the evaluation (every "
            f"{cfg.iterations_per_eval} minibatches, the untrained generator included) with the best "
            "validation estimate")


def real_data_ceiling(train: torch.Tensor, valid: torch.Tensor, test: torch.Tensor, n: int = 10_000) -> dict:
    """The estimate when the 'samples' are n real training images: what the paper's number is read against."""
    return parzen_estimate(train[:n], valid, test).as_dict()


def reproduce_table1(cfg: Table1Config, device: torch.device | str | None = None,
                     data_dir: str | os.PathLike | None = None, tier: str = "full",
                     out: str | os.PathLike | None = "results/mnist_table1.json",
                     progress: bool = False) -> tuple[dict, list[SeedRun]]:
    """Run every seed, add the real-data reference (stored as "real_data_ceiling") and the paper's row, and write the JSON."""
    device = torch.device(device) if device is not None else default_device()
    start = time.perf_counter()
    train = load_mnist("train", data_dir, device)[0]
    valid = load_mnist("valid", data_dir, device)[0][:cfg.n_valid]
    test = load_mnist("test", data_dir, device)[0][:cfg.n_test]
    runs = [run_seed(s, cfg, valid, test, device, data_dir, progress) for s in cfg.seeds]
    lls = [r.log_likelihood for r in runs]
    summary = {
        "protocol": _protocol_text(cfg),
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


# The book's stopping rule for the long runs: an evaluation every epoch, stop when 30 in a row have not beaten
# the best validation estimate, at most 300 epochs. The authors' code had none: it saved every epoch.
LONG_RUN = Table1Config(epochs=300, patience=30)
# The same protocol in miniature, for tests of the entry points on a CPU (seconds).
FAST_RUN = Table1Config(epochs=4, patience=2, iterations_per_eval=20, n_samples=300, n_valid=100, n_test=200)


def reproduce_seed(seed: int, cfg: Table1Config = LONG_RUN, device: torch.device | str | None = None,
                   data_dir: str | os.PathLike | None = None, state_dir: str | os.PathLike | None = None,
                   out_dir: str | os.PathLike = "results/table1", progress: bool = False) -> dict:
    """One seed of Table 1 to the stopping rule, resumable from `state_dir`; writes `out_dir`/seed<S>.json."""
    device = torch.device(device) if device is not None else default_device()
    valid, test = _splits(cfg, data_dir, device)
    state_path = None if state_dir is None else Path(state_dir) / f"seed{seed}.pt"
    run = run_seed(seed, cfg, valid, test, device, data_dir, progress, state_path)
    return _write_record(run, cfg, device, out_dir, {"trained": "alone"})


def reproduce_stacked(seeds: tuple[int, ...], cfg: Table1Config = LONG_RUN, device: torch.device | str | None = None,
                      data_dir: str | os.PathLike | None = None, state_dir: str | os.PathLike | None = None,
                      out_dir: str | os.PathLike = "results/table1-stacked", progress: bool = False) -> list[dict]:
    """All `seeds` trained at once as one stacked network (run_stacked), one seed file each: the GPU entry point."""
    device = torch.device(device) if device is not None else default_device()
    valid, test = _splits(cfg, data_dir, device)
    name = "stacked-" + "-".join(str(s) for s in seeds)
    state_path = None if state_dir is None else Path(state_dir) / f"{name}.pt"
    runs = run_stacked(tuple(seeds), cfg, valid, test, device, data_dir, progress, state_path)
    return [_write_record(run, cfg, device, out_dir, {"trained": f"stacked with seeds {list(seeds)}"})
            for run in runs]


def _splits(cfg: Table1Config, data_dir, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    return (load_mnist("valid", data_dir, device)[0][:cfg.n_valid], load_mnist("test", data_dir, device)[0][:cfg.n_test])


def _write_record(run: SeedRun, cfg: Table1Config, device: torch.device, out_dir: str | os.PathLike,
                  extra: dict) -> dict:
    evaluations = len(run.valid_curve) - 1
    record = {
        "seed": run.seed, "chosen_iteration": run.best_iteration,
        "chosen_epoch": run.best_iteration / cfg.iterations_per_eval,
        "log_likelihood": run.log_likelihood, "stderr": run.stderr, "sigma": run.sigma,
        "untrained_valid": run.untrained_valid, "untrained_test": run.untrained_test, "last_test": run.last_test,
        "evaluations": evaluations, "iterations": evaluations * cfg.iterations_per_eval,
        "stopped": "max_epochs" if evaluations >= cfg.epochs else f"no new best for {cfg.patience} evaluations",
        "valid_curve": [list(c) for c in run.valid_curve],
        "wall_seconds": run.wall_seconds, "parzen_seconds": run.parzen_seconds,
        "device": device_name(device), "threads": torch.get_num_threads(), "torch": torch.__version__,
        "commit": git_commit(), "config": {**asdict(cfg), "seeds": [run.seed]},
        "protocol": _protocol_text(cfg), **extra,
    }
    out = Path(out_dir) / f"seed{run.seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, out)
    return record


def reproduce_missing_seeds(seeds: tuple[int, ...], cfg: Table1Config = LONG_RUN, out_dir="results/table1",
                            **options) -> list[int]:
    """The driver: run, one after another, the seeds that have no result file yet; returns those it ran."""
    todo = [s for s in seeds if not (Path(out_dir) / f"seed{s}.json").exists()]
    for seed in todo:
        reproduce_seed(seed, cfg, out_dir=out_dir, **options)
    return todo


def table1_from_seed_files(folder: str | os.PathLike = "results/table1") -> dict:
    """Table 1's aggregate over whatever seed files exist: the mean and the std over seeds, and how many."""
    records = sorted((json.loads(f.read_text()) for f in Path(folder).glob("seed*.json")), key=lambda r: r["seed"])
    if not records:
        raise FileNotFoundError(f"no seed*.json under {folder}: run python -m ganlib reproduce mnist first")
    lls = [r["log_likelihood"] for r in records]
    return {"n_seeds": len(records), "seeds": records, "mean_log_likelihood": statistics.fmean(lls),
            "std_across_seeds": statistics.stdev(lls) if len(lls) > 1 else float("nan")}


def table1_rows(summary: dict, extra: dict[str, dict] | None = None) -> list[tuple[str, str]]:
    """(model, 'mean +- stderr') rows: the paper's rows for context, then this book's measurements."""
    rows = [("DBN (paper)", "138 ± 2"), ("Stacked CAE (paper)", "121 ± 1.6"), ("Deep GSN (paper)", "214 ± 1.1"),
            ("Adversarial nets (paper)", "225 ± 2")]
    for run in summary["seeds"]:
        chosen = run["best_iteration"]
        when = "the untrained generator" if chosen == 0 else f"checkpoint of minibatch {chosen}"
        rows.append((f"Adversarial nets, seed {run['seed']} (this book, {summary['tier']} tier; {when})",
                     f"{run['log_likelihood']:.1f} ± {run['stderr']:.1f}"))
    rows.append(("Adversarial nets, mean ± std over seeds (this book)",
                 f"{summary['mean_log_likelihood']:.1f} ± {summary['std_across_seeds']:.1f}"))
    ceiling = summary["real_data_ceiling"]
    rows.append((f"{summary['config']['n_samples']} real training images as 'samples' (the real-data reference)",
                 f"{ceiling['log_likelihood']:.1f} ± {ceiling['stderr']:.1f}"))
    for name, result in (extra or {}).items():
        rows.append((name, f"{result['log_likelihood']:.1f} ± {result['stderr']:.1f}"))
    return rows
