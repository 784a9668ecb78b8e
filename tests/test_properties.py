"""Property-based tests (hypothesis) of the theory helpers and the losses."""
import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import rel_entr

from ganlib.core.losses import discriminator_loss, generator_loss, value_function
from ganlib.theory.divergences import js_divergence, virtual_training_criterion
from ganlib.theory.optimal_d import optimal_discriminator

masses = st.lists(st.floats(0, 1e3, allow_nan=False), min_size=2, max_size=30).filter(lambda v: sum(v) > 1e-6)
pairs = st.integers(2, 30).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0, 1e3), min_size=n, max_size=n).filter(lambda v: sum(v) > 1e-6),
    st.lists(st.floats(0, 1e3), min_size=n, max_size=n).filter(lambda v: sum(v) > 1e-6)))
logits = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_jsd_is_symmetric_and_within_0_and_log_2(pq):
    p, q = (torch.tensor(v, dtype=torch.float64) for v in pq)
    a, b = js_divergence(p, q), js_divergence(q, p)
    # js_divergence clamps to [0, log 2], so the bound is checked on an unclamped computation (scipy's
    # rel_entr, not ganlib's code), which the clamped value must match.
    pn, qn = (np.array(v, dtype=np.float64) / sum(v) for v in pq)
    m = (pn + qn) / 2
    raw = 0.5 * rel_entr(pn, m).sum() + 0.5 * rel_entr(qn, m).sum()
    assert -1e-12 <= raw <= math.log(2) + 1e-12 and abs(a - raw) < 1e-12
    assert abs(a - b) < 1e-12
    assert abs(virtual_training_criterion(p, q) - (-math.log(4) + 2 * a)) < 1e-9


@settings(max_examples=200, deadline=None)
@given(masses)
def test_jsd_of_a_distribution_with_itself_is_zero(p):
    assert js_divergence(torch.tensor(p), torch.tensor(p)) < 1e-12


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_optimal_discriminator_lies_in_0_1(pq):
    d = optimal_discriminator(torch.tensor(pq[0]), torch.tensor(pq[1]))
    assert ((d >= 0) & (d <= 1)).all()


@settings(max_examples=200, deadline=None)
@given(logits, logits)
def test_losses_are_finite_for_any_logits(real, fake):
    real, fake = torch.tensor(real), torch.tensor(fake)
    values = [value_function(real, fake), discriminator_loss(real, fake),
              generator_loss(fake, "saturating"), generator_loss(fake, "non_saturating")]
    assert all(math.isfinite(v.item()) for v in values)
    assert value_function(real, fake).item() <= 0  # both log terms are log-probabilities


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**31 - 1))
def test_parzen_estimate_is_invariant_to_the_order_of_samples(n, seed):
    from ganlib.metrics.parzen import parzen_log_likelihoods

    gen = torch.Generator().manual_seed(seed)
    samples, points = torch.rand(n, 6, generator=gen, dtype=torch.float64), torch.rand(7, 6, generator=gen, dtype=torch.float64)
    shuffled = samples[torch.randperm(n, generator=gen)]
    torch.testing.assert_close(parzen_log_likelihoods(samples, points), parzen_log_likelihoods(shuffled, points),
                               rtol=1e-12, atol=1e-10)
