"""The baselines: the loops as popular PyTorch ports and the authors' scripts write them.

They share ganlib's networks, losses and optimiser, so that a ratio measures only how the loop is written.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ganlib.core.nets import MaxoutDiscriminator, MNISTGenerator
from ganlib.core.noise import sample_noise
from ganlib.core.optim import ClassicalMomentum, learning_rate_at


class ReferenceLoop:
    """The usual GAN loop (the DCGAN tutorial's shape) around the paper's MNIST networks and optimiser.

    A DataLoader over the images kept on the host, a host-to-device copy per batch, the discriminator step
    on a detached fake batch then the generator step through a second D pass, separate
    zero_grad/backward/step calls, and the two losses logged with .item() every step.
    """

    def __init__(self, images: torch.Tensor, device: torch.device, seed: int = 0, batch_size: int = 100) -> None:
        torch.manual_seed(seed)
        self.device = device
        self.G = MNISTGenerator(pixel_means=images.mean(0)).to(device)
        self.D = MaxoutDiscriminator().to(device)
        self.opt_d = ClassicalMomentum(self.D.parameters(), lr=0.1, momentum=0.5)
        self.opt_g = ClassicalMomentum(self.G.parameters(), lr=0.1, momentum=0.5)
        self.loader = DataLoader(TensorDataset(images.cpu()), batch_size=batch_size, shuffle=True, drop_last=True)
        self.bce = nn.BCEWithLogitsLoss()
        self.batch_size = batch_size
        self.log: list[tuple[float, float]] = []
        self._batches = iter(())

    def _next(self) -> torch.Tensor:
        try:
            (x,) = next(self._batches)
        except StopIteration:
            self._batches = iter(self.loader)
            (x,) = next(self._batches)
        return x

    def run(self, iterations: int) -> None:
        for _ in range(iterations):
            x = self._next().to(self.device)
            ones = torch.ones(self.batch_size, device=self.device)
            zeros = torch.zeros(self.batch_size, device=self.device)
            for opt in (self.opt_d, self.opt_g):
                opt.param_groups[0]["lr"] = learning_rate_at(len(self.log), 0.1)
            fake = self.G(sample_noise(self.batch_size, 100, "uniform", self.device))
            self.opt_d.zero_grad()
            d_loss = 0.5 * (self.bce(self.D(x), ones) + self.bce(self.D(fake.detach()), zeros))
            d_loss.backward()
            self.opt_d.step()
            self.opt_g.zero_grad()
            g_loss = self.bce(self.D(fake), ones)
            g_loss.backward()
            self.opt_g.step()
            self.log.append((d_loss.item(), g_loss.item()))


@torch.no_grad()
def authors_parzen(samples: torch.Tensor, valid: torch.Tensor, test: torch.Tensor,
                   sigmas: tuple[float, ...], batch: int = 100) -> tuple[float, float]:
    """parzen_ll.py transcribed: per sigma, batches of 100 points, each against every sample by broadcasting
    (x - mu) / sigma over a (batch, n, d) array, then log-mean-exp. Returns (sigma, mean test log-likelihood)."""
    d = samples.shape[1]

    def mean_ll(points: torch.Tensor, sigma: float) -> float:
        total = 0.0
        for start in range(0, len(points), batch):
            a = (points[start:start + batch, None, :] - samples[None, :, :]) / sigma
            e = -0.5 * (a * a).sum(2)
            m = e.max(1, keepdim=True).values
            lme = m.squeeze(1) + torch.log(torch.exp(e - m).mean(1))
            total += float((lme - d * math.log(sigma * math.sqrt(2 * math.pi))).sum())
        return total / len(points)

    best = max(sigmas, key=lambda s: mean_ll(valid, s))
    return best, mean_ll(test, best)
