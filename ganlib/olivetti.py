"""The Olivetti faces: a public, small stand-in for the Toronto Face Database (TFD), which is not public.

400 grey 64x64 images of 40 people, 10 each (AT&T Laboratories Cambridge), from the MATLAB file
`olivettifaces.mat` (array `faces`, 4096 x 400, one column-major image per column) that scikit-learn's
`fetch_olivetti_faces` downloads. Found in a data directory (<root>/olivetti/ or <root>/), checked against
known digests, never silently replaced. The paper's TFD runs used 48x48 images (`downscale`).

Evaluation (`people_folds`): with 400 images the paper's protocol (one big test set) does not fit, so the book
uses people-disjoint folds, as the TFD's own folds are, and reports the mean over folds with the standard
error across folds, like Table 1's TFD column (`across_folds`).
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .datafiles import ChecksumError, data_root, fetch_verified, file_digest, find_data_file, md5sum

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


def across_folds(values: list[float] | torch.Tensor) -> tuple[float, float]:
    """Mean over folds and standard error across folds, std (ddof 0) / sqrt(folds), the ddof of the
    authors' per-example standard errors (numpy's default)."""
    v = torch.as_tensor(values, dtype=torch.float64)
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"values must hold one number per fold, at least 2, got {tuple(v.shape)}")
    return v.mean().item(), (v.std(unbiased=False) / math.sqrt(len(v))).item()


def image_grid(images: torch.Tensor, rows: int, cols: int) -> np.ndarray:
    """Tile (rows*cols, side*side) or (rows*cols, 3, s, s) images into one array for imshow, with 1-pixel gaps."""
    if len(images) != rows * cols:
        raise ValueError(f"need rows*cols = {rows * cols} images, got {len(images)}")
    x = images.detach().cpu().float()
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        x = x.view(-1, 1, side, side)
    n, c, h, w = x.shape
    grid = torch.ones(c, rows * (h + 1) - 1, cols * (w + 1) - 1)
    for k in range(n):
        r, col = divmod(k, cols)
        grid[:, r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = x[k]
    return grid.permute(1, 2, 0).squeeze(-1).numpy()


def faces_config(**overrides: Any):
    """The TFD configuration (pretrain.yaml) on the Olivetti faces: batch 100, lr 0.05 both nets, momentum
    0.5 -> 0.7 by epoch 250, lr / 1.000004 per minibatch, simultaneous updates, non-saturating G loss, D loss
    halved, 100-d Gaussian noise."""
    from .training import TrainConfig

    base = dict(iterations=2000, batch_size=100, update="simultaneous", generator_loss="non_saturating",
                optimizer="sgd", lr_d=0.05, lr_g=0.05, d_loss_scale=0.5, noise="gaussian", noise_dim=100)
    return TrainConfig(**{**base, **overrides})


def faces(config, device: torch.device | str | None = None, data_dir: str | os.PathLike | None = None,
          size: int = 48, scale: int = 16, people: list[int] | None = None):
    """A Trainer for the TFD architecture scaled to the Olivetti faces.

    `size`: image side (48 as the TFD). `scale`: every hidden width divided by it (G 8000 -> 8000 // scale,
    D maxout 1200 // scale units x 5 pieces), because 400 images are not the TFD's ~100,000. `people`: train
    only on these people (a fold's training set); all 40 if None. Max column norm 1.9365 on every layer of
    both nets after every update, as pretrain.yaml.
    """
    from .device import seed_everything
    from .training import Trainer

    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be an integer >= 1, got {scale!r}")
    seed_everything(config.seed)
    images, ids = load_olivetti(data_dir, size)
    if people is not None:
        images = select_people(images, ids, people)
    from .models_large import TFDGenerator, constrain_after_steps, tfd_discriminator

    G = TFDGenerator(config.noise_dim, 8000 // scale, size * size, pixel_means=images.mean(0))
    D = tfd_discriminator(size * size, 1200 // scale)
    trainer = Trainer(G, D, images, config, device)
    constrain_after_steps(trainer.opt_d, trainer.D)
    constrain_after_steps(trainer.opt_g, trainer.G)
    return trainer
