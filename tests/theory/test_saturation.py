"""Section 3's saturation and Arjovsky & Bottou's (2017) gradients, against closed forms and autograd."""
import math

import numpy as np
import pytest
import torch
from scipy.integrate import quad
from scipy.stats import norm

from ganlib import experiments
from ganlib.core.losses import log_d, log_one_minus_d
from ganlib.core.nets import MLP
from ganlib.core.noise import sample_noise
from ganlib.data.toys import gaussian_1d, mixture_1d
from ganlib.theory import saturation
from ganlib.theory.saturation import (
    fixed_discriminator_gradients,
    gaussian_family_divergences,
    gaussian_family_surfaces,
    generator_grad_norm,
    logit_grad,
    non_saturating_logit_grad,
    saturating_logit_grad,
    training_grad_norms,
)
from ganlib.theory.supports import SegmentGenerator, components_for_variance, discriminator_alone, segment_2d

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny networks: one CPU thread is several times faster


LOGITS = torch.linspace(-30, 30, 241, dtype=torch.float64)
GRID = torch.linspace(-14, 14, 28001, dtype=torch.float64)


def test_logit_gradients_match_autograd_of_the_losses():
    l = LOGITS.clone().requires_grad_(True)
    (sat,) = torch.autograd.grad(log_one_minus_d(l).sum(), l)
    (ns,) = torch.autograd.grad((-log_d(l)).sum(), l)
    torch.testing.assert_close(saturating_logit_grad(LOGITS), sat)
    torch.testing.assert_close(non_saturating_logit_grad(LOGITS), ns)
    torch.testing.assert_close(logit_grad(LOGITS, "saturating"), sat)


def test_logit_gradients_closed_forms_and_limits():
    s = torch.sigmoid(LOGITS)
    torch.testing.assert_close(saturating_logit_grad(LOGITS), -s)
    torch.testing.assert_close(non_saturating_logit_grad(LOGITS), -(1 - s))
    assert float(saturating_logit_grad(torch.tensor(0.0))) == -0.5 == float(non_saturating_logit_grad(torch.tensor(0.0)))
    # D(G(z)) -> 0 (l -> -inf): the saturating gradient vanishes, the non-saturating one tends to -1
    assert abs(float(saturating_logit_grad(torch.tensor(-20.0)))) < 1e-8
    assert float(non_saturating_logit_grad(torch.tensor(-20.0))) == pytest.approx(-1.0, abs=1e-8)
    with pytest.raises(ValueError, match="kind"):
        logit_grad(LOGITS, "wasserstein")


def test_generator_grad_norm_matches_a_hand_computation():
    torch.manual_seed(0)
    G, D = torch.nn.Linear(3, 2), torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    z = torch.randn(16, 3)
    for kind, loss in (("saturating", lambda l: log_one_minus_d(l).mean()), ("non_saturating", lambda l: -log_d(l).mean())):
        grads = torch.autograd.grad(loss(D(G(z))), list(G.parameters()))
        expected = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
        assert generator_grad_norm(G, D, z, kind) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="kind"):
        generator_grad_norm(G, D, z, "minimax")


def test_divergences_of_the_gaussian_family_match_closed_forms():
    out = gaussian_family_divergences(gaussian_1d(0.0, 1.0), 1.0, 2.0, GRID)
    # KL(N(1, 4) || N(0, 1)) = log(1/2) + (4 + 1)/2 - 1/2
    assert out["kl_g_data"] == pytest.approx(math.log(0.5) + 2.5 - 0.5, abs=1e-8)
    p, q = norm(0, 1).pdf, norm(1, 2).pdf
    m = lambda x: (p(x) + q(x)) / 2
    jsd = 0.5 * quad(lambda x: p(x) * math.log(p(x) / m(x)), -14, 14)[0] + \
        0.5 * quad(lambda x: q(x) * math.log(q(x) / m(x)), -14, 14)[0]
    assert out["jsd"] == pytest.approx(jsd, abs=1e-8)
    assert out["non_saturating"] == pytest.approx(out["kl_g_data"] - 2 * out["jsd"], abs=1e-12)
    with pytest.raises(ValueError, match="std"):
        gaussian_family_divergences(gaussian_1d(), 0.0, 0.0, GRID)


@pytest.mark.parametrize("mean,std", [(0.7, 1.3), (-3.0, 0.4), (2.0, 0.5)])
def test_arjovsky_bottou_theorem_2_5(mean, std):
    """With D = D*_G frozen, the saturating loss descends 2 JSD and the non-saturating one KL(p_g||p_data) - 2 JSD."""
    g = fixed_discriminator_gradients(mixture_1d([-2.0, 2.0], 0.5), mean, std, GRID)
    torch.testing.assert_close(g["saturating"], g["two_jsd"], atol=1e-9, rtol=1e-7)
    torch.testing.assert_close(g["non_saturating"], g["kl_minus_two_jsd"], atol=1e-9, rtol=1e-7)


def test_two_jsd_gradient_matches_finite_differences():
    p, h = mixture_1d([-2.0, 2.0], 0.5), 1e-5
    g = fixed_discriminator_gradients(p, 0.7, 1.3, GRID)
    for i, (dm, ds) in enumerate(((h, 0.0), (0.0, h))):
        plus = gaussian_family_divergences(p, 0.7 + dm, 1.3 + ds, GRID)
        minus = gaussian_family_divergences(p, 0.7 - dm, 1.3 - ds, GRID)
        assert float(g["two_jsd"][i]) == pytest.approx((plus["jsd"] - minus["jsd"]) / h, abs=1e-6)
        assert float(g["kl_minus_two_jsd"][i]) == pytest.approx(
            (plus["non_saturating"] - minus["non_saturating"]) / (2 * h), abs=1e-6)


def test_components_for_variance_on_a_known_spectrum():
    torch.manual_seed(0)
    scales = torch.tensor([10.0, 5.0, 2.0, 1.0, 0.1], dtype=torch.float64)
    x = torch.randn(20000, 5, dtype=torch.float64)
    x = (x - x.mean(0)) / x.std(0)
    q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    x = torch.linalg.qr(x)[0] * math.sqrt(len(x) - 1) * scales @ q.T  # exact variances scales^2, rotated
    share = (scales ** 2).cumsum(0) / (scales ** 2).sum()  # 0.7752, 0.9690, 0.9991, 0.99999..
    assert components_for_variance(x, (0.5, 0.9, 0.99, 0.9995)) == {0.5: 1, 0.9: 2, 0.99: 3, 0.9995: 4}
    assert float(share[1]) < 0.99 < float(share[2])
    with pytest.raises(ValueError, match="fractions"):
        components_for_variance(x, (1.5,))


def test_segments_are_one_dimensional_supports():
    x = segment_2d(1000, (1.0, -1.0), (1.0, 1.0), torch.Generator().manual_seed(0))
    assert torch.all(x[:, 0] == 1.0) and x[:, 1].min() >= -1 and x[:, 1].max() <= 1
    G = SegmentGenerator((0.0, 0.0), (0.0, 2.0))
    torch.testing.assert_close(G(torch.tensor([[0.5]])), torch.tensor([[0.0, 1.0]]))


def test_saturating_gradient_collapses_as_d_approaches_optimality():
    torch.manual_seed(0)
    G = SegmentGenerator((1.0, -1.0), (1.0, 1.0))
    D = MLP(2, 1, hidden=32, squeeze=True)
    out = discriminator_alone(G, D, lambda n: segment_2d(n, (0.0, -1.0), (0.0, 1.0)), lambda n: torch.rand(n, 1),
                              steps=400, record_at=[0, 400], lr=1e-2)
    assert out["accuracy"][-1] == 1.0
    assert out["saturating"][-1] < out["saturating"][0] / 10
    assert out["non_saturating"][-1] > 10 * out["saturating"][-1]


def test_fast_tier_saturating_gradient_is_smaller_early_in_training():
    """The 1-D toy, same seed and nets: over the first steps the minimax loss gives G a weaker gradient."""
    torch.manual_seed(123)
    z = sample_noise(1024, 1)
    norms = {}
    for kind in ("saturating", "non_saturating"):
        trainer = experiments.build("toy1d", device="cpu", seed=0, k=5, generator_loss=kind)
        norms[kind] = np.array(training_grad_norms(trainer, 30, z))
    assert norms["saturating"][0] == pytest.approx(norms["non_saturating"][0], rel=0.2)  # D(G(z)) near 1/2 at first
    assert norms["saturating"][5:].mean() < 0.5 * norms["non_saturating"][5:].mean()


def test_vectorised_surfaces_match_pointwise_divergences():
    p = mixture_1d([-2.0, 2.0], 0.5)
    means, stds = torch.tensor([-1.0, 0.5]), torch.tensor([0.3, 1.0, 2.5])
    surf = gaussian_family_surfaces(p, means, stds, GRID)
    for i, m in enumerate(means.tolist()):
        for j, s in enumerate(stds.tolist()):
            one = gaussian_family_divergences(p, m, s, GRID)
            for key in one:
                assert float(surf[key][i, j]) == pytest.approx(one[key], abs=1e-12)


def test_track_records_the_start_and_each_stop():
    trainer = experiments.build("toy1d", device="cpu", seed=0, iterations=6, log_every=2)
    torch.manual_seed(0)
    z = sample_noise(64, 1)
    rows = saturation.track(trainer, [2, 6], z, measure=lambda G: {"mean": float(G(z).mean())})
    assert [r["iteration"] for r in rows] == [0, 2, 6] and trainer.iteration == 6
    assert rows[-1]["G gradient norm"] == saturation.generator_grad_norm(trainer.G, trainer.D, z, "non_saturating")
    assert rows[-1]["mean"] == pytest.approx(float(trainer.G(z).mean()))
    assert all(0 < r["D(G(z))"] < 1 for r in rows)
    with pytest.raises(ValueError, match="increasing"):
        saturation.track(trainer, [6, 2], z)
