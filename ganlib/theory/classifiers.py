"""Generative and discriminative classifiers in two dimensions, the background of the paper's Section 1.

A generative classifier models the joint p(x, y) = p(x | y) p(y) and obtains p(y | x) by Bayes' rule; a
discriminative one models p(y | x) directly (Ng and Jordan, 2002; Bishop, 2006, Sections 4.2-4.3). Here the
generative model is a class-conditional Gaussian with a full covariance per class (quadratic discriminant
analysis), fitted by maximum likelihood in closed form, and the discriminative one is logistic regression on
the quadratic features of x, whose family of posteriors p(y | x) is exactly the one the Gaussians imply
(Bishop, 2006, Eq. 4.65 and its quadratic extension). Everything is float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ganlib.core.estimates import mean_and_error

FEATURES = ("linear", "quadratic")


def _points(x: torch.Tensor, name: str = "x") -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d), got {tuple(x.shape)}")
    return x


def _labels(y: torch.Tensor, n: int) -> torch.Tensor:
    y = torch.as_tensor(y).long()
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {tuple(y.shape)}")
    if (y < 0).any():
        raise ValueError("y must hold class indices 0, 1, ..., K - 1")
    return y


def two_gaussians_2d(n: int, prior: float = 0.4, generator: torch.Generator | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """n labelled points (x of shape (n, 2), y in {0, 1}) from two Gaussians with different covariances.

    p(y = 1) = prior; class 0 is N((-1, 0), [[1.0, 0.6], [0.6, 1.0]]) and class 1 is
    N((1.2, 0.8), [[0.5, -0.3], [-0.3, 1.5]]): the Bayes decision boundary is a conic, not a line.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if not 0 < prior < 1:
        raise ValueError(f"prior must lie in (0, 1), got {prior!r}")
    model = true_two_gaussians_2d(prior)
    return model.sample(n, generator=generator, with_labels=True)


def true_two_gaussians_2d(prior: float = 0.4) -> "GaussianClassConditional":
    """The exact distribution that `two_gaussians_2d` samples, as a GaussianClassConditional."""
    means = torch.tensor([[-1.0, 0.0], [1.2, 0.8]], dtype=torch.float64)
    covs = torch.tensor([[[1.0, 0.6], [0.6, 1.0]], [[0.5, -0.3], [-0.3, 1.5]]], dtype=torch.float64)
    return GaussianClassConditional(torch.tensor([1 - prior, prior], dtype=torch.float64), means, covs)


@dataclass(frozen=True)
class GaussianClassConditional:
    """p(x, y) = p(y) N(x; mu_y, Sigma_y): priors (K,), means (K, d), covariances (K, d, d)."""

    priors: torch.Tensor
    means: torch.Tensor
    covariances: torch.Tensor

    def __post_init__(self) -> None:
        k, d = self.means.shape
        if self.priors.shape != (k,) or self.covariances.shape != (k, d, d):
            raise ValueError(f"priors must have shape ({k},) and covariances ({k}, {d}, {d})")
        if (self.priors <= 0).any() or not math.isclose(float(self.priors.sum()), 1.0, rel_tol=1e-9):
            raise ValueError("priors must be positive and sum to 1")

    @classmethod
    def fit(cls, x: torch.Tensor, y: torch.Tensor, ridge: float = 0.0) -> "GaussianClassConditional":
        """Maximum likelihood in closed form: class frequencies, class means and (biased, 1/n_k) covariances.

        `ridge` is added to every covariance's diagonal (0 is plain maximum likelihood).
        """
        x = _points(x)
        y = _labels(y, len(x))
        k = int(y.max()) + 1
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        counts = torch.bincount(y, minlength=k)
        if (counts < 2).any():
            raise ValueError(f"every class needs at least 2 points, got counts {counts.tolist()}")
        means = torch.stack([x[y == c].mean(0) for c in range(k)])
        covs = torch.stack([(x[y == c] - means[c]).T @ (x[y == c] - means[c]) / counts[c] for c in range(k)])
        covs = covs + ridge * torch.eye(x.shape[1], dtype=torch.float64)
        return cls(counts.double() / len(x), means, covs)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def _components(self) -> torch.distributions.MultivariateNormal:
        return torch.distributions.MultivariateNormal(self.means, covariance_matrix=self.covariances)

    def class_log_likelihood(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x | y = c) for every point and class, shape (n, K)."""
        x = _points(x)
        if x.shape[1] != self.dim:
            raise ValueError(f"x must have {self.dim} columns, got {x.shape[1]}")
        return self._components().log_prob(x[:, None, :])

    def joint_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x, y = c) = log p(x | y = c) + log p(y = c), shape (n, K)."""
        return self.class_log_likelihood(x) + self.priors.log()

    def log_prob(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """log p(x) = log sum_c p(x, c) per point; with labels y, log p(x, y) instead."""
        joint = self.joint_log_prob(x)
        if y is None:
            return torch.logsumexp(joint, dim=1)
        y = _labels(y, len(joint))
        return joint.gather(1, y[:, None]).squeeze(1)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """p(y | x) by Bayes' rule, shape (n, K); rows sum to one."""
        return torch.softmax(self.joint_log_prob(x), dim=1)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.joint_log_prob(x).argmax(1)

    def sample(self, n: int, generator: torch.Generator | None = None, with_labels: bool = False):
        """n draws of x (and y with with_labels=True): y ~ p(y), then x = mu_y + L_y eps with L_y L_y^T = Sigma_y."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        y = torch.multinomial(self.priors, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        chol = torch.linalg.cholesky(self.covariances)
        x = self.means[y] + (chol[y] @ eps[:, :, None]).squeeze(-1)
        return (x, y) if with_labels else x


def features(x: torch.Tensor, kind: str = "quadratic") -> torch.Tensor:
    """phi(x): [1, x] ("linear") or [1, x, the d(d+1)/2 products x_i x_j with i <= j] ("quadratic")."""
    x = _points(x)
    if kind not in FEATURES:
        raise ValueError(f"kind must be one of {FEATURES}, got {kind!r}")
    parts = [torch.ones(len(x), 1, dtype=torch.float64), x]
    if kind == "quadratic":
        i, j = torch.triu_indices(x.shape[1], x.shape[1])
        parts.append(x[:, i] * x[:, j])
    return torch.cat(parts, dim=1)


@dataclass(frozen=True)
class LogisticRegression:
    """p(y = 1 | x) = sigmoid(w . phi(x)): a discriminative model, with no p(x) at all."""

    weights: torch.Tensor
    kind: str = "quadratic"

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        return features(x, self.kind) @ self.weights

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 2): columns p(y = 0 | x), p(y = 1 | x)."""
        p1 = torch.sigmoid(self.logit(x))
        return torch.stack([1 - p1, p1], dim=1)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return (self.logit(x) > 0).long()


def logistic_loss(weights: torch.Tensor, phi: torch.Tensor, y: torch.Tensor, l2: float = 0.0) -> torch.Tensor:
    """Mean negative conditional log-likelihood -1/n sum log p(y_i | x_i) + l2/2 |w[1:]|^2 (bias not penalised)."""
    logits = phi @ weights
    nll = torch.nn.functional.binary_cross_entropy_with_logits(logits, y.double())
    return nll + 0.5 * l2 * (weights[1:] ** 2).sum()


def fit_logistic_regression(x: torch.Tensor, y: torch.Tensor, kind: str = "quadratic", l2: float = 1e-4,
                            max_iter: int = 200) -> LogisticRegression:
    """Maximise the conditional likelihood prod p(y_i | x_i) (plus a small L2 penalty) with L-BFGS.

    Features are standardised inside the fit for conditioning, and the weights mapped back, so the result
    acts on raw x. The penalty keeps the weights finite when the classes are separable.
    """
    x = _points(x)
    y = _labels(y, len(x))
    if int(y.max()) > 1:
        raise ValueError("logistic regression here takes two classes, y in {0, 1}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}")
    phi = features(x, kind)
    mu, sd = phi[:, 1:].mean(0), phi[:, 1:].std(0).clamp_min(1e-12)
    z = torch.cat([phi[:, :1], (phi[:, 1:] - mu) / sd], dim=1)
    w = torch.zeros(z.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], lr=1.0, max_iter=max_iter, tolerance_grad=1e-10, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = logistic_loss(w, z, y, l2)
        loss.backward()
        return loss

    opt.step(closure)
    w = w.detach()
    raw = torch.cat([(w[:1] - (w[1:] * mu / sd).sum()), w[1:] / sd])
    return LogisticRegression(raw, kind)


def accuracy(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Share of correct labels."""
    pred, y = torch.as_tensor(pred), torch.as_tensor(y)
    if pred.shape != y.shape:
        raise ValueError(f"pred and y must have the same shape, got {tuple(pred.shape)} and {tuple(y.shape)}")
    return (pred == y).double().mean().item()


def mesh_2d(lo: tuple[float, float], hi: tuple[float, float], steps: int = 200) -> tuple[torch.Tensor, ...]:
    """(xx, yy, points): a steps x steps mesh of the box [lo, hi] and its points of shape (steps^2, 2)."""
    xs = torch.linspace(lo[0], hi[0], steps, dtype=torch.float64)
    ys = torch.linspace(lo[1], hi[1], steps, dtype=torch.float64)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")
    return xx, yy, torch.stack([xx.flatten(), yy.flatten()], dim=1)


def paired_difference(a: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    """Mean of a - b over paired items (the same test points, the same repeats) and its standard error."""
    a, b = torch.as_tensor(a, dtype=torch.float64).flatten(), torch.as_tensor(b, dtype=torch.float64).flatten()
    if a.shape != b.shape or len(a) < 2:
        raise ValueError(f"a and b must be paired, with at least 2 items, got {tuple(a.shape)} and {tuple(b.shape)}")
    return mean_and_error(a - b)


def log_odds_fit_residual(x: torch.Tensor, log_odds: torch.Tensor, kind: str = "quadratic") -> tuple[float, float]:
    """Least-squares fit of log_odds by the features of x: (largest residual, a float64 rounding bound for it).

    The bound, 1000 eps max|log_odds|, is what a fit that is exact up to rounding can leave; a family that cannot
    represent the log-odds leaves far more.
    """
    phi = features(x, kind)
    log_odds = torch.as_tensor(log_odds, dtype=torch.float64)
    w = torch.linalg.lstsq(phi, log_odds[:, None]).solution
    residual = ((phi @ w).squeeze(1) - log_odds).abs().max().item()
    return residual, 1e3 * torch.finfo(torch.float64).eps * log_odds.abs().max().item()
