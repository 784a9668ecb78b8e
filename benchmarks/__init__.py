"""Benchmarks of ganlib against the plain loops that popular ports write, measured side by side in one run.

`python -m benchmarks` times, on one device: MNIST training (the paper's configuration), the Parzen-window
estimate with its sigma search, and many seeds trained at once; it prints a table and records every figure
in `results/benchmarks.json` under the device's kind ("cpu" or "gpu"). See `python -m benchmarks --help`.
"""
