"""AUROC: the rank formula against a direct count over all (positive, negative) pairs."""
import pytest
import torch

from ganlib.metrics.stats import auroc, roc_curve


def pairwise_auroc(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).double().mean() + 0.5 * (diff == 0).double().mean()).item()


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_pairwise_count_with_ties(seed):
    g = torch.Generator().manual_seed(seed)
    labels = (torch.rand(300, generator=g) < 0.3).long()
    labels[:2] = torch.tensor([0, 1])
    scores = torch.randint(0, 20, (300,), generator=g).double() + labels * 3.0  # many ties
    assert auroc(scores, labels) == pytest.approx(pairwise_auroc(scores, labels), abs=1e-12)


def test_auroc_extremes_and_symmetry():
    labels = torch.tensor([0, 0, 1, 1])
    assert auroc(torch.tensor([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert auroc(torch.tensor([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert auroc(torch.ones(4), labels) == 0.5
    s = torch.randn(50, generator=torch.Generator().manual_seed(0))
    lab = torch.arange(50) % 2
    assert auroc(s, lab) + auroc(-s, lab) == pytest.approx(1.0)


def test_trapezoid_area_of_roc_curve_is_auroc():
    g = torch.Generator().manual_seed(3)
    labels = (torch.rand(400, generator=g) < 0.5).long()
    scores = torch.round(torch.randn(400, generator=g) * 3 + labels * 2)  # ties included
    fpr, tpr = roc_curve(scores, labels)
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert (fpr.diff() >= 0).all() and (tpr.diff() >= 0).all()
    area = torch.trapezoid(tpr, fpr).item()
    assert area == pytest.approx(auroc(scores, labels), abs=1e-12)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="labels must contain both classes"):
        auroc(torch.rand(4), torch.zeros(4))
    with pytest.raises(ValueError, match="labels must be 0"):
        auroc(torch.rand(3), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="same length"):
        auroc(torch.rand(3), torch.tensor([0, 1]))


def test_predictive_entropy_matches_scipy():
    from scipy.stats import entropy

    from ganlib.metrics.stats import predictive_entropy

    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(torch.randn(20, 10, generator=g, dtype=torch.float64) * 3, dim=1)
    torch.testing.assert_close(predictive_entropy(probs), torch.as_tensor(entropy(probs.numpy(), axis=1)))
    edge = torch.tensor([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    torch.testing.assert_close(predictive_entropy(edge), torch.tensor([0.0, 1.0986122886681098], dtype=torch.float64))
    with pytest.raises(ValueError, match="sum to one"):
        predictive_entropy(torch.tensor([[0.5, 0.6]]))
