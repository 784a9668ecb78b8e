"""Baseline density models for Table 1's comparison, scored by the same Parzen protocol as the GAN.

The paper compares its Parzen estimate with published numbers of other models (DBN, stacked CAE, deep GSN).
Models fitted here to train[0:50000] give rows measured under exactly the same protocol:
- a mixture of K multivariate Bernoullis, fitted by EM (Bishop, 2006, Section 9.3.3), whose samples are binary
  images and whose component means are grey images;
- (elsewhere) k-means centroids, which Theis et al. (2016) showed can beat real data under a Parzen estimate,
  the autoencoder sampler of the autoencoders chapter, and the untrained generator (the average digit).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class BernoulliMixture:
    """p(x) = sum_k pi_k prod_d mu_kd^x_d (1 - mu_kd)^(1 - x_d), for x in [0, 1]^D (grey values are allowed
    in the likelihood: they are the expected counts of a binarised image)."""

    weights: torch.Tensor  # (K,), summing to 1
    means: torch.Tensor  # (K, D), in (0, 1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) for each row of x, (N,)."""
        return torch.logsumexp(self._component_log_probs(x), dim=1)

    def _component_log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """log pi_k + log p(x | k), (N, K), one matrix product for the D-dimensional sums."""
        x = x.to(self.means)
        log_mu, log_one_minus = torch.log(self.means), torch.log1p(-self.means)
        return torch.log(self.weights) + x @ (log_mu - log_one_minus).T + log_one_minus.sum(1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n binary images: a component by its weight, then each pixel an independent Bernoulli draw."""
        k = torch.multinomial(self.weights.cpu(), n, replacement=True, generator=generator)
        probs = self.means.cpu()[k]
        return (torch.rand(probs.shape, generator=generator) < probs).to(self.means.dtype)


def fit_bernoulli_mixture(data: torch.Tensor, components: int, iterations: int = 30, seed: int = 0,
                          eps: float = 1e-4) -> tuple[BernoulliMixture, list[float]]:
    """EM for a mixture of Bernoullis on rows of `data` in [0, 1] (N, D); returns the model and the mean
    log-likelihood of the data after each iteration (EM never lowers it; the tests check that).

    Means start at the data points of `components` random rows pulled a quarter of the way towards 1/2, and
    are kept in [eps, 1 - eps] so that no pixel's log-probability is infinite.
    """
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"data must be a non-empty (N, D) tensor, got shape {tuple(data.shape)}")
    if not ((data >= 0) & (data <= 1)).all():
        raise ValueError("data must lie in [0, 1]")
    if isinstance(components, bool) or not isinstance(components, int) or not 1 <= components <= len(data):
        raise ValueError(f"components must be an integer in [1, {len(data)}], got {components!r}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1, got {iterations!r}")
    x = data.double()
    gen = torch.Generator().manual_seed(seed)
    start = x[torch.randperm(len(x), generator=gen)[:components].to(x.device)]
    model = BernoulliMixture(torch.full((components,), 1.0 / components, dtype=x.dtype, device=x.device),
                             (0.75 * start + 0.125).clamp(eps, 1 - eps))
    history = []
    for _ in range(iterations):
        log_joint = model._component_log_probs(x)  # E step
        log_norm = torch.logsumexp(log_joint, dim=1, keepdim=True)
        resp = torch.exp(log_joint - log_norm)
        counts = resp.sum(0)  # M step; an emptied component keeps its mean and gets weight 0 -> eps
        weights = (counts / len(x)).clamp_min(1e-12)
        means = torch.where(counts[:, None] > 0, (resp.T @ x) / counts.clamp_min(1e-300)[:, None], model.means)
        model = BernoulliMixture(weights / weights.sum(), means.clamp(eps, 1 - eps))
        history.append(float(model.log_prob(x).mean()))
    return model, history
