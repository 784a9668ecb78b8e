"""The losses against their closed forms in terms of D = sigmoid(logit)."""
import math

import pytest
import torch

from ganlib.core.losses import discriminator_loss, generator_loss, log_d, log_one_minus_d, value_function

LOGITS = torch.linspace(-8, 8, 33, dtype=torch.float64)


def test_log_d_and_log_one_minus_d_match_closed_forms():
    d = torch.sigmoid(LOGITS)
    torch.testing.assert_close(log_d(LOGITS), torch.log(d), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(log_one_minus_d(LOGITS), torch.log1p(-d), rtol=1e-10, atol=1e-12)


def test_value_function_is_the_minibatch_mean_of_eq_1():
    real, fake = LOGITS[:10], LOGITS[10:25]
    expected = torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean()
    assert value_function(real, fake).item() == pytest.approx(expected.item(), rel=1e-10)
    assert discriminator_loss(real, fake).item() == pytest.approx(-expected.item(), rel=1e-10)


def test_discriminator_loss_equals_the_two_binary_cross_entropies():
    real, fake = LOGITS[:16], LOGITS[16:]
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
    assert discriminator_loss(real, fake).item() == pytest.approx(expected.item(), rel=1e-12)


def test_generator_losses_closed_forms():
    d = torch.sigmoid(LOGITS)
    assert generator_loss(LOGITS, "saturating").item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-9)
    assert generator_loss(LOGITS, "non_saturating").item() == pytest.approx(-torch.log(d).mean().item(), rel=1e-12)


def test_gradients_with_respect_to_the_logit():
    """d/dl log(1 - D) = -D (vanishes as D -> 0: saturation); d/dl -log D = -(1 - D) (close to -1 there)."""
    for kind, expected in (("saturating", -torch.sigmoid(LOGITS)), ("non_saturating", -(1 - torch.sigmoid(LOGITS)))):
        logits = LOGITS.clone().requires_grad_()
        (generator_loss(logits, kind) * len(logits)).backward()
        torch.testing.assert_close(logits.grad, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("extreme", [-1e4, -100.0, 100.0, 1e4])
def test_losses_are_finite_for_extreme_logits(extreme):
    logits = torch.full((4,), extreme, requires_grad=True)
    for loss in (discriminator_loss(logits, logits), generator_loss(logits, "saturating"),
                 generator_loss(logits, "non_saturating")):
        loss.backward()
        assert math.isfinite(loss.item()) and torch.isfinite(logits.grad).all()
        logits.grad = None


def test_unknown_generator_loss_names_the_choices():
    with pytest.raises(ValueError, match="generator_loss must be one of .*'minimax'"):
        generator_loss(LOGITS, "minimax")
