"""Sample-quality measures against closed forms; Figures 2-3 helpers against direct computations."""

import pytest
import torch

from ganlib.core.sampling import generate, interpolate
from ganlib.metrics.sample_quality import frechet_distance, inception_score, kmeans, nearest_neighbours


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(200_000, 2, generator=gen, dtype=torch.float64)
    b = torch.randn(200_000, 2, generator=gen, dtype=torch.float64) * torch.tensor([2.0, 3.0]) + torch.tensor([1.0, 0.0])
    # diagonal covariances: |mu|^2 + sum (s_a - s_b)^2 = 1 + (1-2)^2 + (1-3)^2 = 6
    assert frechet_distance(a, b) == pytest.approx(6.0, rel=0.02)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_inception_score_extremes():
    confident = torch.eye(10).repeat(5, 1)
    assert inception_score(confident) == pytest.approx(10.0, rel=1e-6)
    assert inception_score(torch.full((7, 10), 0.1)) == pytest.approx(1.0, rel=1e-9)
    collapsed = torch.zeros(20, 10)
    collapsed[:, 3] = 1
    assert inception_score(collapsed) == pytest.approx(1.0, rel=1e-6)


def test_kmeans_finds_separated_clusters():
    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    data = centres.repeat_interleave(100, 0) + 0.1 * torch.randn(300, 2, generator=gen)
    found = kmeans(data, 3, seed=1)
    dist = torch.cdist(found, centres).min(1).values
    assert dist.max() < 0.1
    with pytest.raises(ValueError, match="k must lie in"):
        kmeans(data, 0)


def test_nearest_neighbours_matches_cdist():
    gen = torch.Generator().manual_seed(0)
    q, pool = torch.rand(13, 6, generator=gen, dtype=torch.float64), torch.rand(40, 6, generator=gen, dtype=torch.float64)
    idx, d = nearest_neighbours(q, pool, chunk=4)
    full = torch.cdist(q, pool) ** 2
    assert torch.equal(idx, full.argmin(1))
    torch.testing.assert_close(d, full.min(1).values)


def test_interpolation_endpoints_and_linearity():
    z0, z1 = torch.zeros(3), torch.ones(3)
    path = interpolate(z0, z1, 5)
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)
    torch.testing.assert_close(path[2], torch.full((3,), 0.5))


def test_generate_uses_eval_mode_and_restores_it():
    G = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Dropout(0.5))
    G.train()
    out = generate(G, 11, 4, batch_size=5)
    assert out.shape == (11, 3) and G.training


def test_digit_yardsticks_rank_real_data_above_noise():
    from ganlib.data.mnist import mnist_subset
    from ganlib.metrics.sample_quality import digit_yardsticks, train_digit_classifier

    images, labels = mnist_subset()
    perm = torch.randperm(5000, generator=torch.Generator().manual_seed(0))
    clf = train_digit_classifier(images[perm[:3000]], labels[perm[:3000]], epochs=2)
    rows = dict((name, (fd, score)) for name, fd, score in digit_yardsticks(
        clf, {"real": images[perm[3000:4000]], "noise": torch.rand(1000, 784)}, images[perm[4000:]]))
    assert rows["real"][0] < rows["noise"][0]
    assert rows["real"][1] > 5 > rows["noise"][1]


def test_digit_scores_tell_real_digits_from_one_repeated_digit():
    from ganlib.data.mnist import mnist_subset
    from ganlib.metrics.sample_quality import digit_scores, train_digit_classifier

    images, labels = mnist_subset()
    perm = torch.randperm(5000, generator=torch.Generator().manual_seed(0))
    clf = train_digit_classifier(images[perm[:3000]], labels[perm[:3000]], epochs=2)
    ref = clf.features(images[perm[4000:]])
    real = digit_scores(clf, images[perm[3000:4000]], ref)
    one = digit_scores(clf, images[perm[3000]].repeat(1000, 1), ref)
    assert real["class entropy"] > 2.1 and one["class entropy"] == 0.0  # log 10 = 2.30
    assert real["Frechet digit distance"] < one["Frechet digit distance"]
    assert one["Inception-style score"] == pytest.approx(1.0, rel=1e-6)
