"""Re-execute notebooks with papermill, writing the outputs back: `python -m ganlib.rerun [--tier T] NB...`.

With no --tier, each notebook's `tier = "auto"` picks "full" on a GPU and "reduced" on a CPU. The wall time
of each notebook is printed, and also recorded by papermill in the notebook's metadata.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import papermill

    parser = argparse.ArgumentParser(prog="python -m ganlib.rerun", description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--tier", choices=("auto", "fast", "reduced", "full"), default=None)
    args = parser.parse_args(argv)
    # Always inject the tier, so that a cell papermill injected on an earlier run cannot linger.
    parameters = {"tier": args.tier or "auto"}
    for path in args.notebooks:
        start = time.perf_counter()
        papermill.execute_notebook(str(path), str(path), parameters=parameters, kernel_name="python3",
                                   cwd=str(path.parent), progress_bar=False)
        print(f"{path}: {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
