"""Command line: `python -m ganlib train NAME`, `reproduce mnist`, `rerun NB...` and `download-mnist`.

- train: one named run of experiments.EXPERIMENTS (Algorithm 1), resumable from its checkpoint;
- reproduce mnist: Table 1's MNIST row, one seed at a time to the stopping rule, resumable;
- rerun: re-execute notebooks with papermill, writing the outputs back (with no --tier, each notebook's
  tier = "auto" picks "full" on a GPU and "reduced" on a CPU); prints each notebook's wall time;
- download-mnist: the four MNIST files, MD5-checked (needs internet).

An error that is the user's to fix (a bad argument or value, missing data, a checkpoint of another run or a
damaged one, an --out that cannot be written, a diverged run) prints one line and exits with status 2;
a traceback means a bug. `train`'s seed is the configuration's: --seed S is short for --set seed=S (the two
may not disagree), and the default folder is runs/NAME-seed<that seed>.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from ganlib.book.reproduce import (
    FAST_RUN,
    LONG_RUN,
    reproduce_missing_seeds,
    reproduce_seed,
    reproduce_stacked,
    table1_from_seed_files,
)
from ganlib.core.checkpoint import write_text_atomic
from ganlib.core.device import device_name
from ganlib.core.trainer import Trainer, TrainingDiverged
from ganlib.data.files import DatasetNotFoundError
from ganlib.data.mnist import download_mnist
from ganlib.experiments import EXPERIMENTS, build


class UserError(Exception):
    """An error that is the user's to fix: main prints its message as one line and exits with status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (the usage is one --help away)."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m ganlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a named configuration (Algorithm 1)")
    train.add_argument("name", choices=sorted(EXPERIMENTS))
    train.add_argument("--out", type=Path, default=None, help="folder for checkpoint.pt and history.json")
    train.add_argument("--data-dir", default=None, help="folder with MNIST (else $GANLIB_DATA)")
    train.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    train.add_argument("--iterations", type=int, default=None)
    train.add_argument("--seed", type=int, default=None, help="short for --set seed=SEED (default: the config's, 0)")
    train.add_argument("--checkpoint-every", type=int, default=None, help="iterations between checkpoints")
    train.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                       help="override a TrainConfig field (JSON value), e.g. --set k=2 --set update='\"alternating\"'")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    rep = sub.add_parser("reproduce", help="Table 1's MNIST row, one seed at a time, resumable: results/table1/seed<S>.json")
    rep.add_argument("what", choices=["mnist"])
    which = rep.add_mutually_exclusive_group()
    which.add_argument("--seed", type=int, help="train this seed (again, if its result file exists)")
    which.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                       help="train, one after another, those of these seeds that have no result file yet")
    rep.add_argument("--stacked", action="store_true",
                     help="train the --seeds at once as one stacked network (what fills a GPU); default: one by one")
    rep.add_argument("--protocol", choices=["long", "fast"], default="long",
                     help="long: the book's (10,000 samples, an epoch per evaluation); fast: a miniature for tests")
    rep.add_argument("--epochs", type=int, default=None, help="most evaluations per seed (long: 300)")
    rep.add_argument("--patience", type=int, default=None,
                     help="stop after this many evaluations without a new best validation estimate (long: 30; 0: never)")
    rep.add_argument("--state-dir", type=Path, default=Path.home() / ".cache" / "ganlib" / "table1",
                     help="where each seed's resumable state lives, outside the work tree (default ~/.cache/ganlib/table1)")
    rep.add_argument("--results", type=Path, default=Path("results/table1"), help="folder of the seed files")
    rep.add_argument("--threads", type=int, default=None,
                     help="torch CPU threads (a resumed CPU run follows the same trajectory only with the same count)")
    rep.add_argument("--data-dir", default=None)
    rep.add_argument("--device", default=None)
    rep.add_argument("--quiet", action="store_true")
    rerun = sub.add_parser("rerun", help="re-execute notebooks with papermill, writing their outputs back")
    rerun.add_argument("notebooks", nargs="+", type=Path)
    rerun.add_argument("--tier", choices=("auto", "fast", "reduced", "full"), default=None)
    download = sub.add_parser("download-mnist", help="download MNIST with MD5 checks (needs internet)")
    download.add_argument("--data-dir", default=None)
    return parser


def _overrides(args: argparse.Namespace) -> dict:
    """The TrainConfig fields the command line sets: --iterations, --seed and every --set FIELD=VALUE."""
    fields = {f.name for f in dataclasses.fields(EXPERIMENTS[args.name][1]())}
    overrides = {} if args.seed is None else {"seed": args.seed}
    if args.iterations is not None:
        overrides["iterations"] = args.iterations
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or key not in fields:
            raise UserError(f"--set takes FIELD=VALUE with FIELD one of {sorted(fields)}, got {item!r}")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass  # a bare word such as alternating
        if key == "seed" and args.seed is not None and value != args.seed:
            raise UserError(f"--seed {args.seed} and --set seed={value!r} disagree: give the seed once")
        overrides[key] = value
    return overrides


def _writable_folder(out: Path) -> None:
    """Create `out` if need be and check that a file can be written in it, before any training."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"--out {out} is not a folder: a file is in the way") from None
    except OSError as exc:
        raise UserError(f"--out {out} is not writable: {exc.strerror or exc}") from None


def _resume(trainer: Trainer, checkpoint: Path) -> None:
    """Load `checkpoint` into `trainer`, refusing one that is already past the run's iterations."""
    try:
        trainer.load(checkpoint)
    except ValueError as exc:  # CheckpointError (damaged, unsafe) or CheckpointMismatch (another run)
        raise UserError(str(exc)) from None
    if trainer.iteration > trainer.config.iterations:
        raise UserError(f"{checkpoint} is at iteration {trainer.iteration}, past this run's iterations "
                        f"({trainer.config.iterations}): give --iterations {trainer.iteration} or more to continue "
                        f"it, or another --out to start over")
    print(f"resuming {checkpoint} at iteration {trainer.iteration}", file=sys.stderr)


def _train(args: argparse.Namespace) -> int:
    """`train NAME`: build the run, check --out, resume from its checkpoint if any, train, write history.json."""
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise UserError(f"--checkpoint-every must be an integer >= 1, got {args.checkpoint_every}")
    try:
        trainer = build(args.name, args.device, args.data_dir, **_overrides(args))
    except (ValueError, DatasetNotFoundError) as exc:  # a bad value, missing or corrupted data
        raise UserError(str(exc)) from None
    out = args.out or Path("runs") / f"{args.name}-seed{trainer.config.seed}"
    _writable_folder(out)
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists():
        _resume(trainer, checkpoint)
    start = time.perf_counter()
    try:
        history = trainer.run(checkpoint=checkpoint, checkpoint_every=args.checkpoint_every, progress=not args.quiet)
    except TrainingDiverged as exc:
        raise UserError(str(exc)) from None
    summary = {"experiment": args.name, "config": dataclasses.asdict(trainer.config),
               "device": device_name(trainer.device), "seconds": time.perf_counter() - start, "history": history}
    write_text_atomic(json.dumps(summary), out / "history.json")
    print(f"wrote {checkpoint} and {out / 'history.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "download-mnist":
            print(download_mnist(args.data_dir))
            return 0
        if args.command == "reproduce":
            return _reproduce(args, parser)
        if args.command == "rerun":
            return _rerun(args)
        return _train(args)
    except UserError as exc:
        print(f"{parser.prog} {args.command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


def _reproduce(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:

    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    base = LONG_RUN if args.protocol == "long" else FAST_RUN
    try:
        cfg = dataclasses.replace(base, epochs=base.epochs if args.epochs is None else args.epochs,
                                  patience=base.patience if args.patience is None else (args.patience or None))
    except ValueError as exc:
        parser.error(str(exc))
    options = dict(device=args.device, data_dir=args.data_dir, state_dir=args.state_dir, progress=not args.quiet)
    if args.seed is not None:
        record = reproduce_seed(args.seed, cfg, out_dir=args.results, **options)
        print(f"seed {args.seed}: {record['log_likelihood']:.1f} +- {record['stderr']:.1f} nats at epoch "
              f"{record['chosen_epoch']:g} ({record['stopped']}); wrote {args.results / f'seed{args.seed}.json'}")
        return 0
    if args.stacked:
        start = time.perf_counter()
        records = reproduce_stacked(tuple(args.seeds), cfg, out_dir=args.results, **options)
        for r in records:
            print(f"seed {r['seed']}: {r['log_likelihood']:.1f} +- {r['stderr']:.1f} nats at evaluation "
                  f"{r['chosen_iteration'] // cfg.iterations_per_eval} ({r['stopped']})")
        print(f"{len(records)} stacked seeds in {time.perf_counter() - start:.0f} s; wrote {args.results}")
        return 0
    ran = reproduce_missing_seeds(tuple(args.seeds), cfg, out_dir=args.results, **options)
    summary = table1_from_seed_files(args.results)
    print(f"ran seeds {ran}; {summary['n_seeds']} seed files under {args.results}: mean "
          f"{summary['mean_log_likelihood']:.1f}, std over seeds {summary['std_across_seeds']:.1f} (paper: 225 +- 2)")
    return 0


def _rerun(args: argparse.Namespace) -> int:
    import papermill

    parameters = {"tier": args.tier or "auto"}  # always injected, so an earlier run's injected cell cannot linger
    for path in args.notebooks:
        start = time.perf_counter()
        papermill.execute_notebook(str(path), str(path), parameters=parameters, kernel_name="python3",
                                   cwd=str(path.parent), progress_bar=False)
        print(f"{path}: {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
