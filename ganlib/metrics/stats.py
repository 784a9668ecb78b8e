"""Scores of how well a number separates two groups, and other measures the chapters share.

`auroc` is the area under the ROC curve of a score that should be larger on positives (e.g. anomalies)
than on negatives: the probability that a random positive outscores a random negative, ties counting
one half (the Mann-Whitney U statistic divided by n_pos * n_neg).
"""
from __future__ import annotations

import torch


def _scores_and_labels(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    scores = torch.as_tensor(scores, dtype=torch.float64).flatten().cpu()
    labels = torch.as_tensor(labels).flatten().cpu()
    if scores.shape != labels.shape:
        raise ValueError(f"scores and labels must have the same length, got {len(scores)} and {len(labels)}")
    if not torch.isfinite(scores).all():
        raise ValueError("scores must be finite")
    if not ((labels == 0) | (labels == 1)).all():
        raise ValueError("labels must be 0 (negative) or 1 (positive)")
    labels = labels.bool()
    if labels.all() or not labels.any():
        raise ValueError("labels must contain both classes, 0 and 1")
    return scores, labels


def auroc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """P(score of a positive > score of a negative) + P(tie) / 2, from average ranks in O(n log n)."""
    scores, labels = _scores_and_labels(scores, labels)
    order = torch.argsort(scores)
    sorted_scores = scores[order]
    ranks = torch.empty_like(scores)
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=torch.float64)
    # Tied scores share the average of their ranks.
    _, inverse, counts = torch.unique_consecutive(sorted_scores, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    average = ends - (counts.double() - 1) / 2
    ranks[order] = average[inverse]
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def roc_curve(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(false positive rates, true positive rates) as the threshold sweeps down through the distinct scores.

    Both start at 0 and end at 1; the trapezoid area under the curve equals `auroc`.
    """
    scores, labels = _scores_and_labels(scores, labels)
    order = torch.argsort(scores, descending=True)
    s, lab = scores[order], labels[order].double()
    tp, fp = torch.cumsum(lab, 0), torch.cumsum(1 - lab, 0)
    last = torch.cat([s[1:] != s[:-1], torch.tensor([True])])  # keep the last index of each tied block
    zero = torch.zeros(1, dtype=torch.float64)
    return torch.cat([zero, fp[last] / fp[-1]]), torch.cat([zero, tp[last] / tp[-1]])


def predictive_entropy(probs: torch.Tensor) -> torch.Tensor:
    """H(p(y | x)) = -sum_y p log p in nats for each row of class probabilities (0 log 0 = 0), shape (N,).

    0 for a classifier certain of one class; log K for a uniform guess over K classes.
    """
    probs = torch.as_tensor(probs, dtype=torch.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must have shape (N, K), got {tuple(probs.shape)}")
    if (probs < 0).any() or not torch.allclose(probs.sum(1), torch.ones(len(probs), dtype=torch.float64), atol=1e-5):
        raise ValueError("probs must be non-negative rows that sum to one")
    return -torch.special.xlogy(probs, probs).sum(1)
