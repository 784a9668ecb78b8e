"""A digit classifier that ganlib trains itself (no downloads): the yardstick for sample-quality measures.

Used for class histograms of generated digits (mode collapse), an Inception-style score and a Frechet
distance on its penultimate features. A small MLP trained on real MNIST reaches about 98% test accuracy.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .device import seed_everything


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
def accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
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
