"""Sample-quality yardsticks beside Parzen windows, on the self-trained digit classifier (ganlib.digits).

- Frechet distance between Gaussians fitted to features (Heusel et al., 2017), here on the classifier's
  penultimate layer instead of Inception's: a "Frechet digit distance".
- Inception-style score exp(E_x KL(p(y|x) || p(y))) (Salimans et al., 2016), with the digit classifier.
- k-means centroids, for Theis et al.'s (2016) warning about Parzen estimates.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import linalg

from .digits import class_entropy, class_histogram


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
    """One set of images seen by a ganlib.digits.DigitClassifier: its Frechet distance to the reference
    features (classifier.features of real data), the entropy of its class histogram (log 10 for ten equal
    classes, 0 when every image is called the same digit) and its Inception-style score."""
    probs = torch.softmax(classifier(images), dim=1)
    return {"Frechet digit distance": frechet_distance(classifier.features(images), reference_features),
            "class entropy": class_entropy(class_histogram(probs)), "Inception-style score": inception_score(probs)}


@torch.no_grad()
def digit_yardsticks(classifier: torch.nn.Module, sets: dict[str, torch.Tensor],
                     reference: torch.Tensor) -> list[tuple[str, float, float]]:
    """(name, Frechet distance to `reference` on the classifier's features, Inception-style score) per set.

    `classifier` is a ganlib.digits.DigitClassifier; `reference` is real data (e.g. training images).
    """
    ref_features = classifier.features(reference)
    rows = []
    for name, images in sets.items():
        scores = digit_scores(classifier, images, ref_features)
        rows.append((name, scores["Frechet digit distance"], scores["Inception-style score"]))
    return rows
