"""Generative vs discriminative classifiers: closed forms checked against numpy, scipy and scikit-learn."""
import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from ganlib.theory.classifiers import (
    GaussianClassConditional,
    accuracy,
    features,
    fit_logistic_regression,
    logistic_loss,
    true_two_gaussians_2d,
    two_gaussians_2d,
)


@pytest.fixture
def data():
    return two_gaussians_2d(2000, generator=torch.Generator().manual_seed(0))


def test_fit_is_maximum_likelihood_like_numpy(data):
    x, y = data
    model = GaussianClassConditional.fit(x, y)
    xn, yn = x.numpy(), y.numpy()
    for c in (0, 1):
        np.testing.assert_allclose(model.means[c].numpy(), xn[yn == c].mean(0), rtol=1e-12)
        np.testing.assert_allclose(model.covariances[c].numpy(), np.cov(xn[yn == c].T, bias=True), rtol=1e-10)
        assert model.priors[c].item() == pytest.approx((yn == c).mean())


def test_log_likelihood_equals_scipy(data):
    x, y = data
    model = GaussianClassConditional.fit(x, y)
    xn, yn = x.numpy(), y.numpy()
    per_class = np.stack([multivariate_normal(model.means[c].numpy(), model.covariances[c].numpy()).logpdf(xn)
                          for c in (0, 1)], axis=1)
    joint = per_class + np.log(model.priors.numpy())
    np.testing.assert_allclose(model.class_log_likelihood(x).numpy(), per_class, rtol=1e-10)
    np.testing.assert_allclose(model.log_prob(x).numpy(), np.logaddexp(joint[:, 0], joint[:, 1]), rtol=1e-10)
    np.testing.assert_allclose(model.log_prob(x, y).numpy(), joint[np.arange(len(yn)), yn], rtol=1e-10)


def test_posterior_is_bayes_rule_and_sums_to_one(data):
    x, y = data
    model = GaussianClassConditional.fit(x, y)
    post = model.predict_proba(x)
    torch.testing.assert_close(post.sum(1), torch.ones(len(x), dtype=torch.float64))
    joint = model.joint_log_prob(x).exp()
    torch.testing.assert_close(post, joint / joint.sum(1, keepdim=True))
    assert torch.equal(model.predict(x), post.argmax(1))


def test_gaussian_posterior_log_odds_are_quadratic_in_x(data):
    """The family that logistic regression on quadratic features searches contains the Gaussians' posterior."""
    x, _ = data
    model = true_two_gaussians_2d()
    post = model.predict_proba(x)
    log_odds = torch.log(post[:, 1]) - torch.log(post[:, 0])
    phi = features(x, "quadratic")
    w = torch.linalg.lstsq(phi, log_odds[:, None]).solution
    torch.testing.assert_close((phi @ w).squeeze(1), log_odds, atol=1e-8, rtol=0)


def test_sampling_recovers_the_parameters():
    model = true_two_gaussians_2d(prior=0.3)
    x, y = model.sample(200_000, generator=torch.Generator().manual_seed(1), with_labels=True)
    refit = GaussianClassConditional.fit(x, y)
    torch.testing.assert_close(refit.priors, model.priors, atol=5e-3, rtol=0)
    torch.testing.assert_close(refit.means, model.means, atol=2e-2, rtol=0)
    torch.testing.assert_close(refit.covariances, model.covariances, atol=3e-2, rtol=0)


def test_features():
    x = torch.tensor([[2.0, 3.0]])
    torch.testing.assert_close(features(x, "linear"), torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64))
    torch.testing.assert_close(features(x, "quadratic"),
                               torch.tensor([[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]], dtype=torch.float64))


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
def test_logistic_regression_matches_sklearn_and_is_stationary(data, kind):
    from sklearn.linear_model import LogisticRegression as SkLR

    x, y = data
    model = fit_logistic_regression(x, y, kind=kind, l2=0.0)
    phi = features(x, kind)
    w = model.weights.clone().requires_grad_(True)
    logistic_loss(w, phi, y).backward()
    assert w.grad.abs().max().item() < 1e-6
    sk = SkLR(C=np.inf, tol=1e-12, max_iter=10_000).fit(phi[:, 1:].numpy(), y.numpy())
    np.testing.assert_allclose(model.predict_proba(x)[:, 1].numpy(), sk.predict_proba(phi[:, 1:].numpy())[:, 1],
                               atol=1e-5)
    torch.testing.assert_close(model.predict_proba(x).sum(1), torch.ones(len(x), dtype=torch.float64))
    assert 0.5 < accuracy(model.predict(x), y) <= 1


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        features(torch.zeros(3, 2), "cubic")
    with pytest.raises(ValueError, match="x must have shape"):
        GaussianClassConditional.fit(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="prior must lie"):
        two_gaussians_2d(10, prior=1.5)
    with pytest.raises(ValueError, match="every class needs at least 2 points"):
        GaussianClassConditional.fit(torch.randn(5, 2), torch.tensor([0, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match="y in"):
        fit_logistic_regression(torch.randn(3, 2), torch.tensor([0, 1, 2]))


def test_paired_difference_and_log_odds_residual_with_controls():
    import math

    import torch

    from ganlib.theory.classifiers import (
        log_odds_fit_residual,
        paired_difference,
        true_two_gaussians_2d,
        two_gaussians_2d,
    )

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(1000, generator=gen, dtype=torch.float64)
    d, se = paired_difference(a + 0.1, a)
    assert abs(d - 0.1) < 1e-12 and se < 1e-12
    b = torch.randn(1000, generator=gen, dtype=torch.float64)
    d, se = paired_difference(a, b)
    assert abs(se - math.sqrt(2 / 1000)) < 0.1 * se and abs(d) < 4 * se
    with pytest.raises(ValueError):
        paired_difference(a, b[:5])
    x, _ = two_gaussians_2d(2000, generator=gen)
    post = true_two_gaussians_2d().predict_proba(x)
    log_odds = (post[:, 1] / post[:, 0]).log()
    residual, bound = log_odds_fit_residual(x, log_odds)
    assert residual < bound < 1e-9
    residual_lin, _ = log_odds_fit_residual(x, log_odds, kind="linear")  # control: unequal covariances
    assert residual_lin > 1e6 * bound
