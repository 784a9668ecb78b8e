"""The Olivetti faces: a public, small stand-in for the Toronto Face Database (TFD), which is not public.

400 grey 64x64 images of 40 people, 10 each (AT&T Laboratories Cambridge), from the MATLAB file
`olivettifaces.mat` (array `faces`, 4096 x 400, one column-major image per column) that scikit-learn's
`fetch_olivetti_faces` downloads. Found in a data directory (<root>/olivetti/ or <root>/), checked against
known digests, never silently replaced. The paper's TFD runs used 48x48 images (`downscale`).

Evaluation (`people_folds`): with 400 images the paper's protocol (one big test set) does not fit, so the book
uses people-disjoint folds, as the TFD's own folds are, and reports the mean over folds with the standard
error across folds, like Table 1's TFD column (`core.estimates.mean_and_error` with ddof 0).
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganlib.data.files import ChecksumError, data_root, fetch_verified, file_digest, find_data_file, md5sum

FILENAME = "olivettifaces.mat"
# The copy in the shared data folder (MD5), and the one scikit-learn downloads from figshare (SHA-256, from
# sklearn/datasets/_olivetti_faces.py). They are not byte-identical (different MAT headers); either is accepted.
DIGESTS = {
    "md5": "7be4afc20ba95152afb4c6b4b5d45c5b",
    "sha256": "b612fb967f2dc77c9c62d3e1266e0c73d5fca46a4b8906c18e454d41af987794",
}
URLS = ("https://ndownloader.figshare.com/files/5976027",  # scikit-learn's source
        "https://cs.nyu.edu/~roweis/data/olivettifaces.mat")  # the original page
PEOPLE, PER_PERSON, SIDE = 40, 10, 64


def find_olivetti_file(data_dir: str | os.PathLike | None = None) -> Path:
    """The path of olivettifaces.mat, or a DatasetNotFoundError that says how to get it."""
    return find_data_file(data_dir, FILENAME, ("olivetti", ""), "Olivetti faces",
                          f"python -c \"from ganlib.olivetti import download_olivetti; download_olivetti('{data_root(data_dir)}')\"")


def matches_known_digest(path: Path) -> bool:
    """True if the file's MD5 or SHA-256 is one of DIGESTS."""
    return md5sum(path) == DIGESTS["md5"] or file_digest(path, "sha256") == DIGESTS["sha256"]


def verify_olivetti(path: Path) -> None:
    """Raise ChecksumError naming the file if it is not a known copy of olivettifaces.mat."""
    if not matches_known_digest(path):
        raise ChecksumError(
            f"{path} has MD5 {md5sum(path)}, expected {DIGESTS['md5']} (or SHA-256 {DIGESTS['sha256']}): "
            f"the file is truncated, corrupted or another file. Delete it and copy or download it again "
            f"(ganlib.olivetti.download_olivetti)."
        )


def download_olivetti(data_dir: str | os.PathLike | None = None, urls: tuple[str, ...] = URLS) -> Path:
    """Fetch olivettifaces.mat into <root>/olivetti/, trying each URL until one passes the digest check."""
    target = data_root(data_dir) / "olivetti" / FILENAME
    if target.is_file():
        verify_olivetti(target)
        return target
    return fetch_verified(urls, target, matches_known_digest, "the Olivetti faces")


def downscale(images: torch.Tensor, size: int) -> torch.Tensor:
    """Shrink square images (N, s*s) to (N, size*size) by area averaging (each output pixel is the mean of
    the input pixels it covers: exact 2x2 block means for 64 -> 32). The TFD of the paper was 48x48."""
    side = math.isqrt(images.shape[-1])
    if images.ndim != 2 or side * side != images.shape[-1]:
        raise ValueError(f"images must be (N, side*side), got {tuple(images.shape)}")
    if not isinstance(size, int) or not 1 <= size <= side:
        raise ValueError(f"size must be an integer in [1, {side}], got {size!r}")
    if size == side:
        return images
    x = images.view(-1, 1, side, side)
    return F.adaptive_avg_pool2d(x, size).reshape(len(images), size * size)


def load_olivetti(data_dir: str | os.PathLike | None = None, size: int = SIDE,
                  device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, person ids): images (400, size*size) float32 in [0, 1] (pixels / 255), upright, row-major;
    ids int64 in 0..39, ten consecutive images per person."""
    from scipy.io import loadmat

    path = find_olivetti_file(data_dir)
    verify_olivetti(path)
    faces = loadmat(path)["faces"]  # (4096, 400) uint8, each column a 64x64 image stored column-major
    if faces.shape != (SIDE * SIDE, PEOPLE * PER_PERSON):
        raise ChecksumError(f"{path}: expected `faces` of shape (4096, 400), got {faces.shape}")
    images = faces.T.reshape(-1, SIDE, SIDE).transpose(0, 2, 1)  # column-major -> upright
    images = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32) / 255.0).reshape(-1, SIDE * SIDE)
    people = torch.arange(PEOPLE).repeat_interleave(PER_PERSON)
    return downscale(images, size).to(device), people.to(device)


def people_folds(n_folds: int = 8, seed: int = 0, people: int = PEOPLE) -> list[dict[str, list[int]]]:
    """People-disjoint folds: the people are shuffled (fixed seed) and cut into n_folds equal groups; fold f
    tests on group f, chooses sigma on group f+1 (mod n_folds) and trains on the rest. With 40 people and
    8 folds: 30 people to train, 5 to validate, 5 to test, and every person is tested exactly once."""
    if not isinstance(n_folds, int) or n_folds < 3 or people % n_folds:
        raise ValueError(f"n_folds must be an integer >= 3 that divides {people}, got {n_folds!r}")
    order = torch.randperm(people, generator=torch.Generator().manual_seed(seed)).tolist()
    groups = [sorted(order[i::n_folds]) for i in range(n_folds)]
    folds = []
    for f in range(n_folds):
        test, valid = groups[f], groups[(f + 1) % n_folds]
        train = sorted(set(order) - set(test) - set(valid))
        folds.append({"train": train, "valid": valid, "test": test})
    return folds


def select_people(images: torch.Tensor, ids: torch.Tensor, people: list[int]) -> torch.Tensor:
    """The images of the given people."""
    mask = torch.isin(ids, torch.as_tensor(people, device=ids.device))
    return images[mask]
