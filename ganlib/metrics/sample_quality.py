"""Sample-quality yardsticks beside Parzen windows, on a digit classifier that ganlib trains itself (no downloads).

- `DigitClassifier`: 784 -> 256 -> 256 -> 10; about 98% test accuracy on real MNIST. Its class histograms
  measure mode collapse, its penultimate features carry the Frechet distance below.

- Frechet distance between Gaussians fitted to features (Heusel et al., 2017), here on the classifier's
  penultimate layer instead of Inception's: a "Frechet digit distance".
- Inception-style score exp(E_x KL(p(y|x) || p(y))) (Salimans et al., 2016), with the digit classifier.
- k-means centroids, for Theis et al.'s (2016) warning about Parzen estimates.
- Nearest training images of samples (Figure 2's rightmost column; memorisation).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg
from torch import nn

from ganlib.core.device import seed_everything


# --- the classifier ------------------------------------------------------------------------------
class DigitClassifier(nn.Module):
    """784 -> 256 ReLU -> 256 ReLU -> 10 logits; `features` gives the 256-d penultimate layer."""

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def train_digit_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 3, batch_size: int = 128,
                           lr: float = 1e-3, seed: int = 0) -> DigitClassifier:
    """Adam on cross-entropy over tensors already on their device (no DataLoader); returns it in eval mode."""
    if images.ndim != 2 or images.shape[1] != 784:
        raise ValueError(f"images must have shape (N, 784), got {tuple(images.shape)}")
    if len(labels) != len(images):
        raise ValueError("images and labels must have the same length")
    seed_everything(seed)
    model = DigitClassifier().to(images.device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        perm = torch.randperm(len(images), device=images.device)
        for start in range(0, len(images), batch_size):
            idx = perm[start:start + batch_size]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def predict_proba(model: DigitClassifier, images: torch.Tensor, batch_size: int = 5000) -> torch.Tensor:
    """p(y | x) for every image, in batches."""
    return torch.cat([F.softmax(model(images[i:i + batch_size]), dim=1) for i in range(0, len(images), batch_size)])


@torch.no_grad()
def classifier_accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (predict_proba(model, images).argmax(1) == labels).double().mean().item()


def class_histogram(probs: torch.Tensor) -> torch.Tensor:
    """Share of samples assigned to each class (argmax), shape (10,)."""
    return torch.bincount(probs.argmax(1), minlength=probs.shape[1]).double() / len(probs)


def class_entropy(shares: torch.Tensor) -> float:
    """Entropy in nats of a class histogram (shares summing to 1): log 10 for ten equal classes, 0 for one.

    A generator that piles its samples on a few digits (mode collapse) scores far below the data's value.
    """
    p = torch.as_tensor(shares, dtype=torch.float64)
    if p.ndim != 1 or (p < 0).any() or abs(float(p.sum()) - 1) > 1e-6:
        raise ValueError("shares must be a 1-D histogram of non-negative shares summing to 1")
    return float(-torch.special.xlogy(p, p).sum())


# --- scores of a set of samples --------------------------------------------------------------------
def frechet_distance(features_a: torch.Tensor, features_b: torch.Tensor, eps: float = 1e-6) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) for Gaussians fitted to two feature sets."""
    a, b = (np.asarray(f.detach().cpu(), dtype=np.float64) for f in (features_a, features_b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"features must be (n, d) with the same d and n >= 2, got {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    # eps on the diagonals keeps (S_a S_b)^(1/2) defined when a set is collapsed (as in the reference FID code)
    eye = eps * np.eye(a.shape[1])
    cov_a, cov_b = np.cov(a, rowvar=False) + eye, np.cov(b, rowvar=False) + eye
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def inception_score(probs: torch.Tensor, eps: float = 1e-12) -> float:
    """exp(mean_x KL(p(y|x) || p(y))) with p(y) the mean of p(y|x): 1 (useless) to the number of classes."""
    if probs.ndim != 2:
        raise ValueError(f"probs must be (n, classes), got {tuple(probs.shape)}")
    p = probs.double().clamp_min(eps)
    marginal = p.mean(0, keepdim=True)
    return math.exp((p * (p.log() - marginal.log())).sum(1).mean().item())


@torch.no_grad()
def kmeans(data: torch.Tensor, k: int, iterations: int = 20, seed: int = 0, chunk: int = 10_000) -> torch.Tensor:
    """Lloyd's k-means from k distinct data points chosen at random; returns the (k, d) centroids."""
    if not 1 <= k <= len(data):
        raise ValueError(f"k must lie in [1, {len(data)}], got {k}")
    gen = torch.Generator().manual_seed(seed)
    centroids = data[torch.randperm(len(data), generator=gen)[:k].to(data.device)].clone()
    for _ in range(iterations):
        c_sq = (centroids * centroids).sum(1)
        assign = torch.cat([(c_sq - 2 * data[i:i + chunk] @ centroids.T).argmin(1)
                            for i in range(0, len(data), chunk)])
        sums = torch.zeros_like(centroids).index_add_(0, assign, data)
        counts = torch.bincount(assign, minlength=k).to(data.dtype)
        keep = counts > 0  # an emptied cluster keeps its old centroid
        centroids[keep] = sums[keep] / counts[keep, None]
    return centroids


@torch.no_grad()
def digit_scores(classifier: torch.nn.Module, images: torch.Tensor, reference_features: torch.Tensor) -> dict[str, float]:
    """One set of images seen by a DigitClassifier: its Frechet distance to the reference
    features (classifier.features of real data), the entropy of its class histogram (log 10 for ten equal
    classes, 0 when every image is called the same digit) and its Inception-style score."""
    probs = torch.softmax(classifier(images), dim=1)
    return {"Frechet digit distance": frechet_distance(classifier.features(images), reference_features),
            "class entropy": class_entropy(class_histogram(probs)), "Inception-style score": inception_score(probs)}


@torch.no_grad()
def digit_yardsticks(classifier: torch.nn.Module, sets: dict[str, torch.Tensor],
                     reference: torch.Tensor) -> list[tuple[str, float, float]]:
    """(name, Frechet distance to `reference` on the classifier's features, Inception-style score) per set.

    `classifier` is a DigitClassifier; `reference` is real data (e.g. training images).
    """
    ref_features = classifier.features(reference)
    rows = []
    for name, images in sets.items():
        scores = digit_scores(classifier, images, ref_features)
        rows.append((name, scores["Frechet digit distance"], scores["Inception-style score"]))
    return rows


@torch.no_grad()
def nearest_neighbours(queries: torch.Tensor, pool: torch.Tensor, chunk: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query, the index in `pool` of its nearest image by squared Euclidean distance in pixels
    (Figure 2's rightmost column), and that squared distance."""
    if queries.ndim != 2 or pool.ndim != 2 or queries.shape[1] != pool.shape[1]:
        raise ValueError(f"queries and pool must be (m, d) and (n, d), got {tuple(queries.shape)}, {tuple(pool.shape)}")
    pool_sq = (pool * pool).sum(1)
    best_d, best_i = [], []
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk].to(pool)
        sq = ((q * q).sum(1, keepdim=True) + pool_sq - 2 * q @ pool.T).clamp_min_(0)
        d, i = sq.min(1)
        best_d.append(d)
        best_i.append(i)
    return torch.cat(best_i), torch.cat(best_d)
