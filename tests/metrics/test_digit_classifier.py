"""The self-trained digit classifier: it learns real digits, and its helpers are exact."""
import math

import pytest
import torch

from ganlib.data.mnist import mnist_subset
from ganlib.metrics.sample_quality import (
    class_entropy,
    class_histogram,
    classifier_accuracy,
    predict_proba,
    train_digit_classifier,
)


def test_classifier_learns_real_digits():
    images, labels = mnist_subset()  # sorted by class: shuffle before splitting
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    train, test = perm[:4000], perm[4000:]
    model = train_digit_classifier(images[train], labels[train], epochs=3)
    assert classifier_accuracy(model, images[test], labels[test]) > 0.85
    probs = predict_proba(model, images[:10], batch_size=3)
    torch.testing.assert_close(probs.sum(1), torch.ones(10))


def test_class_histogram():
    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    torch.testing.assert_close(class_histogram(probs), torch.tensor([0.75, 0.25], dtype=torch.float64))


def test_class_entropy_of_known_histograms():
    assert class_entropy(torch.full((10,), 0.1, dtype=torch.float64)) == pytest.approx(math.log(10), abs=1e-12)
    assert class_entropy(torch.eye(10)[3]) == 0.0
    assert class_entropy(torch.tensor([0.5, 0.5, 0.0])) == pytest.approx(math.log(2), abs=1e-12)
    with pytest.raises(ValueError, match="summing to 1"):
        class_entropy(torch.tensor([0.5, 0.6]))


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"images must have shape \(N, 784\)"):
        train_digit_classifier(torch.rand(10, 28, 28), torch.zeros(10, dtype=torch.long))
