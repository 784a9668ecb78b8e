"""Section 4's quantities: D*_G, C(G) and the JSD, against scipy and closed forms."""
import math

import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from ganlib.data.toys import gaussian_1d, mixture_1d
from ganlib.theory.divergences import js_divergence, kl_divergence, virtual_training_criterion
from ganlib.theory.optimal_d import optimal_discriminator
from ganlib.theory.pushforward import histogram_masses, jsd_to_samples, mixture_masses

RNG = torch.Generator().manual_seed(0)
PAIRS = [(torch.rand(12, generator=RNG, dtype=torch.float64), torch.rand(12, generator=RNG, dtype=torch.float64))
         for _ in range(5)]


@pytest.mark.parametrize("p,q", PAIRS)
def test_jsd_and_kl_match_scipy(p, q):
    assert js_divergence(p, q) == pytest.approx(jensenshannon(p.numpy(), q.numpy()) ** 2, rel=1e-10)
    assert kl_divergence(p, q) == pytest.approx(entropy(p.numpy(), q.numpy()), rel=1e-10)


@pytest.mark.parametrize("p,q", PAIRS)
def test_theorem_1_c_of_g_equals_minus_log_4_plus_twice_jsd(p, q):
    assert virtual_training_criterion(p, q) == pytest.approx(-math.log(4) + 2 * js_divergence(p, q), abs=1e-12)


def test_jsd_extremes():
    p = torch.tensor([0.2, 0.3, 0.5, 0.0, 0.0])
    q = torch.tensor([0.0, 0.0, 0.0, 0.4, 0.6])
    assert js_divergence(p, q) == pytest.approx(math.log(2), abs=1e-15)
    assert js_divergence(p, p) == 0.0
    assert virtual_training_criterion(p, p) == pytest.approx(-math.log(4), abs=1e-15)
    assert kl_divergence(p, q) == math.inf


def test_optimal_discriminator():
    d = optimal_discriminator(torch.tensor([1.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 2.0, 1.0, 0.0]))
    torch.testing.assert_close(d, torch.tensor([0.5, 0.0, 0.75, 0.5], dtype=torch.float64))


def test_mixture_masses_are_exact_bin_probabilities():
    p = mixture_1d([0.0, 2.0], std=1.0)
    edges = torch.linspace(-1, 1, 3, dtype=torch.float64)
    masses = mixture_masses(p, edges)
    phi = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))
    assert masses[0].item() == pytest.approx(0.5 * (phi(0) - phi(-1)) + 0.5 * (phi(-2) - phi(-3)), rel=1e-12)
    assert masses.sum().item() == pytest.approx(1.0, abs=1e-12)


def test_histogram_masses_count_the_outside():
    masses = histogram_masses(torch.tensor([-5.0, 0.1, 0.2, 0.7, 9.0]), torch.tensor([0.0, 0.5, 1.0]))
    torch.testing.assert_close(masses, torch.tensor([0.4, 0.2, 0.4], dtype=torch.float64))


def test_jsd_to_samples_of_p_data_itself_is_small_and_of_a_shift_is_large():
    p, edges = gaussian_1d(0.0, 1.0), torch.linspace(-6, 6, 121)
    same = p.sample(200_000, generator=torch.Generator().manual_seed(1))
    assert jsd_to_samples(p, same, edges) < 2e-4  # histogram noise only
    assert jsd_to_samples(p, same + 20, edges) == pytest.approx(math.log(2), abs=1e-7)  # p_data has 2e-9 outside


def test_generator_jsd_1d_is_a_deterministic_quadrature_of_the_push_forward():
    """For G(z) = 4 + z / (2 sqrt 3) (uniform z), p_g is uniform on [3.5, 4.5]: the quadrature must match the
    JSD of the exact bin masses, and repeat itself exactly."""
    from ganlib.core.noise import noise_quantiles
    from ganlib.data.toys import gaussian_1d
    from ganlib.theory.pushforward import generator_jsd_1d

    G = torch.nn.Linear(1, 1)
    with torch.no_grad():
        G.weight.fill_(1 / (2 * math.sqrt(3))), G.bias.fill_(4.0)
    p, edges = gaussian_1d(4.0, 0.5), torch.linspace(-2, 10, 241)
    uniform = ((edges[1:].clamp(3.5, 4.5) - edges[:-1].clamp(3.5, 4.5))).double()
    exact = js_divergence(mixture_masses(p, edges), torch.cat([uniform, torch.zeros(1, dtype=torch.float64)]))
    got = generator_jsd_1d(p, G, edges)
    assert got == pytest.approx(float(exact), abs=1e-6)
    assert got == generator_jsd_1d(p, G, edges)
    z = noise_quantiles(1000, "gaussian")
    assert abs(float(z.mean())) < 1e-6 and float(z.std()) == pytest.approx(1.0, abs=0.01)


def test_raw_jsd_is_unclamped_and_close_to_the_clamped_one():
    from ganlib.theory.divergences import LOG2, jsd_rounding_bound
    p = torch.tensor([0.2, 0.3, 0.5, 0.0, 0.0], dtype=torch.float64)
    q = torch.tensor([0.0, 0.0, 0.0, 0.4, 0.6], dtype=torch.float64)
    raw = js_divergence(p, q, clamp=False)
    assert abs(raw - LOG2) <= jsd_rounding_bound(5)
    assert js_divergence(p, q) == min(max(raw, 0.0), LOG2)
    a, b = PAIRS[0]
    assert js_divergence(a, b, clamp=False) == js_divergence(a, b)
    # the bound is tight enough to catch a unit mix-up: JSD in bits exceeds log 2 for disjoint supports
    assert raw / LOG2 > LOG2 + jsd_rounding_bound(5)
    with pytest.raises(ValueError):
        jsd_rounding_bound(0)


def test_jsd_terms_sum_to_the_raw_jsd_and_are_nonnegative():
    from ganlib.theory.divergences import js_divergence_terms
    for p, q in PAIRS:
        terms = js_divergence_terms(p, q)
        assert float(terms.sum()) == pytest.approx(js_divergence(p, q, clamp=False), abs=1e-15)
        assert (terms >= -1e-17).all()
    terms = js_divergence_terms(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(terms, torch.tensor([math.log(2) / 2] * 2, dtype=torch.float64))
