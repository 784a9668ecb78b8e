"""python -m benchmarks [training parzen seeds] [--device cuda|cpu] [--scale gpu|cpu] [--out FILE]"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from ganlib.book.benchreport import hardware_line, summary_table
from ganlib.core.device import default_device

from .suite import MEASUREMENTS, SCALES, header, targets


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("which", nargs="*", choices=[*MEASUREMENTS, []], default=[],
                   help=f"measurements to run (default: all of {', '.join(MEASUREMENTS)})")
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    p.add_argument("--scale", choices=tuple(SCALES), default=None,
                   help="sizes: 'gpu' (the targets' sizes) or 'cpu' (fits 2 cores); default follows the device")
    p.add_argument("--data-dir", default=None, help="MNIST folder (default: $GANLIB_DATA, then ./data)")
    p.add_argument("--out", default="results/benchmarks.json",
                   help="JSON file; the run is stored under its device kind, other kinds' runs are kept")
    args = p.parse_args(argv)
    try:
        args.device = torch.device(args.device) if args.device else default_device()
    except RuntimeError as exc:
        p.error(f"--device: {exc}")
    if args.device.type == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device is visible")
    return args


def table(run: dict) -> str:
    lines = [hardware_line(run), summary_table(run).to_string(float_format=lambda v: f"{v:.3g}")]
    for name, t in run.get("targets", {}).items():
        lines.append(f"target {name} {t['target']}: measured {t['measured']}, met: {t['met']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    scale_name = args.scale or ("gpu" if args.device.type == "cuda" else "cpu")
    scale = SCALES[scale_name]
    run = header(args.device, scale_name)
    for name in args.which or MEASUREMENTS:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        run[name] = MEASUREMENTS[name](scale, args.device, args.data_dir)
    if run["kind"] == "gpu":
        run["targets"] = targets(run)
    out = Path(args.out)
    stored = json.loads(out.read_text()) if out.exists() else {}
    stored[run["kind"]] = run
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(stored, indent=1) + "\n")
    print(table(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
