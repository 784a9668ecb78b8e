"""The MNIST networks as paper-facts.md gives them: sizes, dropout placement, initialisation."""
import pytest
import torch
from torch import nn

from ganlib.core.nets import MLP, Maxout, MaxoutDiscriminator, MNISTGenerator


def linears(module):
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def test_generator_shapes_and_output_range():
    torch.manual_seed(0)
    G = MNISTGenerator()
    assert [(l.in_features, l.out_features) for l in linears(G)] == [(100, 1200), (1200, 1200), (1200, 784)]
    x = G(torch.randn(7, 100))
    assert x.shape == (7, 784) and (x >= 0).all() and (x <= 1).all()
    assert not any(isinstance(m, nn.Dropout) for m in G.modules())


def test_generator_initialisation_and_output_bias_from_pixel_means():
    torch.manual_seed(0)
    means = torch.rand(784) * 0.9
    means[:5] = 0.0  # clipped to 1e-7 before the logit
    G = MNISTGenerator(pixel_means=means)
    for layer in linears(G):
        assert layer.weight.abs().max() <= 0.05 and layer.weight.abs().max() > 0.049
    assert (linears(G)[0].bias == 0).all() and (linears(G)[1].bias == 0).all()
    torch.testing.assert_close(linears(G)[-1].bias, torch.logit(means.clamp(1e-7, 1 - 1e-7)))


def test_discriminator_shapes_dropout_placement_and_initialisation():
    torch.manual_seed(0)
    D = MaxoutDiscriminator()
    layers = list(D.net)
    kinds = [type(m).__name__ for m in layers]
    assert kinds == ["Dropout", "Maxout", "Dropout", "Maxout", "Dropout", "Linear"]
    assert [1 - m.p for m in layers if isinstance(m, nn.Dropout)] == pytest.approx([0.8, 0.5, 0.5])  # keep
    assert [(l.in_features, l.out_features) for l in linears(D)] == [(784, 1200), (240, 1200), (240, 1)]
    for layer in linears(D):
        assert layer.weight.abs().max() <= 0.005 and layer.weight.abs().max() > 0.0049
        assert (layer.bias == 0).all()
    assert D(torch.rand(5, 784)).shape == (5,)


def test_discriminator_dropout_only_in_training_mode():
    torch.manual_seed(0)
    D, x = MaxoutDiscriminator(irange=0.5), torch.rand(64, 784)
    D.eval()
    assert torch.equal(D(x), D(x))
    D.train()
    assert not torch.equal(D(x), D(x))


def test_maxout_takes_the_max_over_pieces():
    torch.manual_seed(0)
    layer, x = Maxout(3, units=2, pieces=4), torch.randn(5, 3)
    affine = layer.linear(x).view(5, 2, 4)
    torch.testing.assert_close(layer(x), affine.max(-1).values)


def test_mlp_shapes():
    assert MLP(2, 1, squeeze=True)(torch.randn(9, 2)).shape == (9,)
    assert MLP(1, 3)(torch.randn(9, 1)).shape == (9, 3)
