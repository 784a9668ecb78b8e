"""CIFAR-10 from the standard python archive, read safely, split and normalised as the authors' code did.

The archive `cifar-10-python.tar.gz` (MD5 c58f30108f718f92721af3b95e74349a) holds cifar-10-batches-py/
data_batch_1..5 and test_batch: pickled dicts with b"data" (10000 x 3072 uint8: 1024 red, 1024 green, 1024
blue values, each a row-major 32x32 plane) and b"labels". It is read in place (never extracted), checked
against its MD5, and unpickled with `SafeUnpickler`, which only lets numpy rebuild arrays: a pickle can run
arbitrary code, and this one cannot.

Splits (cifar10_fully_connected.yaml): train = train[0:40000], valid = train[40000:50000], test = test_batch.
Preprocessing: global contrast normalisation with scale 55 (pylearn2's `gcn: 55.`).
"""
from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from ganlib.data.files import ChecksumError, data_root, fetch_verified, find_data_file, md5sum

ARCHIVE = "cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
URLS = ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
SPLITS = {"train": (TRAIN_BATCHES, 0, 40_000), "valid": (TRAIN_BATCHES, 40_000, 50_000),
          "train_full": (TRAIN_BATCHES, 0, 50_000), "test": (("test_batch",), 0, 10_000)}
Split = Literal["train", "valid", "train_full", "test"]
GCN_SCALE = 55.0
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


# --- safe unpickling ---------------------------------------------------------------------------------
class SafeUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only numpy's array reconstruction, ndarray and dtype.

    The CIFAR-10 batches (Python 2 cPickle files) name exactly these globals; anything else (os.system,
    builtins.eval, subprocess.Popen, ...) raises pickle.UnpicklingError before it can be called.
    """

    @staticmethod
    def allowed() -> dict[tuple[str, str], Any]:
        reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]  # numpy's _reconstruct, wherever numpy keeps it
        table: dict[tuple[str, str], Any] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
        for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            table[(module, "_reconstruct")] = reconstruct
        return table

    def find_class(self, module: str, name: str) -> Any:
        table = self.allowed()
        if (module, name) not in table:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: the CIFAR-10 batches only need "
                                         f"numpy arrays ({', '.join('.'.join(k) for k in table)})")
        return table[(module, name)]


def safe_load(data: bytes) -> Any:
    """Unpickle a CIFAR-10 batch (Python 2 strings read as bytes, as `encoding="bytes"`) with SafeUnpickler."""
    return SafeUnpickler(io.BytesIO(data), encoding="bytes").load()


# --- finding, checking, downloading -------------------------------------------------------------------
def find_cifar10_archive(data_dir: str | os.PathLike | None = None) -> Path:
    """The path of cifar-10-python.tar.gz, or a DatasetNotFoundError that says how to get it."""
    return find_data_file(data_dir, ARCHIVE, ("cifar10", "cifar-10", ""), "CIFAR-10",
                          f"python -c \"from ganlib.cifar10 import download_cifar10; download_cifar10('{data_root(data_dir)}')\"")


def verify_archive(path: Path, expected_md5: str = MD5) -> None:
    """Raise ChecksumError naming the file if its MD5 is not `expected_md5`."""
    actual = md5sum(path)
    if actual != expected_md5:
        raise ChecksumError(f"{path} has MD5 {actual}, expected {expected_md5}: the archive is truncated, "
                            f"corrupted or another file. Delete it and download it again (download_cifar10).")


def download_cifar10(data_dir: str | os.PathLike | None = None, urls: tuple[str, ...] = URLS,
                     expected_md5: str = MD5) -> Path:
    """Fetch the archive into <root>/cifar10/, trying each URL until one matches the MD5 (163 MB)."""
    target = data_root(data_dir) / "cifar10" / ARCHIVE
    if target.is_file():
        verify_archive(target, expected_md5)
        return target
    return fetch_verified(urls, target, lambda p: md5sum(p) == expected_md5, "CIFAR-10")


# --- reading ---------------------------------------------------------------------------------------------
def read_batches(path: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(data uint8 (N, 3072), labels int64 (N,)) of the named batches, read from the archive in place."""
    datas, labels = [], []
    with tarfile.open(path, "r:gz") as tar:
        for name in names:
            try:
                member = tar.extractfile(f"{FOLDER}/{name}")
            except KeyError:
                member = None
            if member is None:
                raise ChecksumError(f"{path} has no file {FOLDER}/{name}: not a CIFAR-10 python archive")
            batch = safe_load(member.read())
            if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
                raise ChecksumError(f"{path}: {name} is not a dict with b'data' and b'labels'")
            data = np.asarray(batch[b"data"])
            if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
                raise ChecksumError(f"{path}: {name} data must be uint8 (N, 3072), got {data.dtype} {data.shape}")
            datas.append(data)
            labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    return np.concatenate(datas), np.concatenate(labels)


def global_contrast_normalize(x: torch.Tensor, scale: float = GCN_SCALE, min_divisor: float = 1e-8) -> torch.Tensor:
    """pylearn2's global contrast normalisation: subtract each image's mean over its pixels and channels,
    then divide by the image's Euclidean norm and multiply by `scale`, so every image has norm `scale`.
    An image whose norm is below `min_divisor` (a constant image) is only centred."""
    if x.ndim != 2:
        raise ValueError(f"x must be (N, features), got {tuple(x.shape)}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    centred = x - x.mean(dim=1, keepdim=True)
    norms = centred.norm(dim=1, keepdim=True) / scale
    return centred / torch.where(norms < min_divisor, torch.ones_like(norms), norms)


def load_cifar10(split: Split = "train", data_dir: str | os.PathLike | None = None, gcn: float | None = GCN_SCALE,
                 expected_md5: str | None = MD5, device: torch.device | str | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, labels) of one split: images (N, 3072) float32, channel-major (reshape to (N, 3, 32, 32));
    pixels / 255 when gcn is None, else global_contrast_normalize(pixels, gcn). `expected_md5=None` skips
    the archive's checksum: only for archives the caller wrote itself (tests)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, got {split!r}")
    names, start, stop = SPLITS[split]
    path = find_cifar10_archive(data_dir)
    if expected_md5 is not None:
        verify_archive(path, expected_md5)
    data, labels = read_batches(path, names)
    if len(data) < stop:
        raise ChecksumError(f"{path}: split {split!r} needs {stop} images, the archive has {len(data)}")
    images = torch.from_numpy(data[start:stop].astype(np.float32))
    images = images / 255.0 if gcn is None else global_contrast_normalize(images, gcn)
    return images.to(device), torch.from_numpy(labels[start:stop]).to(device)


def for_display(x: torch.Tensor) -> torch.Tensor:
    """Contrast-normalised images (N, 3072) -> (N, 3, 32, 32) in [0, 1] for imshow: each image divided by its
    largest absolute value (pylearn2's `adjust_for_viewer` for gcn data), then mapped from [-1, 1]."""
    x = x.detach().float().reshape(-1, 3072)
    x = x / x.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    return ((x + 1) / 2).view(-1, 3, 32, 32)
