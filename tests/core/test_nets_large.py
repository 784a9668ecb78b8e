"""The TFD and CIFAR-10 networks: shapes (at scaled-down widths), initialisations and the max-norm constraint."""
import math

import pytest
import torch
from torch import nn

from ganlib.core import nets as ml
from ganlib.core.nets import MaxoutDiscriminator


def test_max_norm_caps_each_units_weights_and_leaves_short_rows_alone():
    torch.manual_seed(0)
    layer = nn.Linear(6, 4)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, 4, 0, 0, 0, 0], [0.3, 0.4, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1],
                                         [0, 0, 0, 0, 0, 0]]))
    bias = layer.bias.clone()
    ml.max_norm_(layer, 2.0)
    norms = layer.weight.norm(dim=1)
    assert torch.allclose(norms, torch.tensor([2.0, 0.5, 2.0, 0.0]))
    assert torch.allclose(layer.weight[0], torch.tensor([1.2, 1.6, 0, 0, 0, 0]))  # same direction
    assert torch.equal(layer.weight[1], torch.tensor([0.3, 0.4, 0, 0, 0, 0]))
    assert torch.equal(layer.bias, bias)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        ml.max_norm_(layer, 0.0)


def test_max_norm_reaches_every_maxout_piece():
    D = MaxoutDiscriminator(20, 3, 4)
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(1000)
    ml.max_norm_(D, ml.TFD_MAX_NORM)
    for layer in D.modules():
        if isinstance(layer, nn.Linear):
            assert layer.weight.norm(dim=1).max() <= ml.TFD_MAX_NORM * (1 + 1e-6)


def test_constraint_is_applied_after_every_optimiser_step():
    from ganlib.core.optim import ClassicalMomentum

    net = nn.Linear(5, 3)
    opt = ClassicalMomentum(net.parameters(), lr=10.0)
    handle = ml.constrain_after_steps(opt, net, 0.5)
    for _ in range(3):
        net.weight.grad = torch.randn(3, 5) * 10
        net.bias.grad = torch.zeros(3)
        opt.step()
        assert net.weight.norm(dim=1).max() <= 0.5 + 1e-6
    handle.remove()
    net.weight.grad = torch.ones(3, 5) * -100
    opt.step()
    assert net.weight.norm(dim=1).max() > 0.5


def test_sparse_init_has_k_nonzero_weights_per_unit():
    torch.manual_seed(0)
    layer = ml.sparse_init_(nn.Linear(300, 50), 100)
    assert ((layer.weight != 0).sum(1) == 100).all()
    assert abs(layer.weight[layer.weight != 0].std().item() - 1.0) < 0.05
    with pytest.raises(ValueError, match="nonzero must lie in"):
        ml.sparse_init_(nn.Linear(3, 2), 4)


def test_tfd_generator_shapes_and_initialisation():
    torch.manual_seed(0)
    means = torch.rand(48 * 48) * 0.8 + 0.1
    G = ml.TFDGenerator(100, 64, 48 * 48, pixel_means=means)
    out = G(torch.randn(7, 100))
    assert out.shape == (7, 2304) and 0 < out.min() and out.max() < 1
    assert G.net[0].weight.abs().max() <= 0.05 and torch.equal(G.net[2].bias, torch.full((64,), -2.0))
    assert ((G.net[4].weight != 0).sum(1) == 64).all()  # sparse_init 100, capped at the 64 hidden units
    assert torch.allclose(torch.sigmoid(G.net[4].bias), means, atol=1e-5)
    with pytest.raises(ValueError, match="hidden must be >= 1"):
        ml.TFDGenerator(hidden=0)


def test_tfd_and_cifar_discriminators_are_maxout_nets_with_logits():
    D = ml.tfd_discriminator(2304, 12)
    assert D(torch.rand(3, 2304)).shape == (3,) and D.net[1].units == 12 and D.net[1].pieces == 5
    C = ml.cifar_discriminator(16)
    assert C(torch.randn(3, 3072)).shape == (3,) and C.net[1].linear.in_features == 3072


def test_cifar_fully_connected_generator_is_linear_at_the_output():
    torch.manual_seed(0)
    G = ml.CIFARGenerator(100, 32)
    out = G(torch.rand(5, 100))
    assert out.shape == (5, 3072) and out.min() < 0  # linear output: GCN data are not in [0, 1]
    assert G.net[4].weight.abs().max() <= 0.5 and G.net[4].weight.abs().max() > 0.4
    assert G.net[0].weight.abs().max() <= 0.05 and isinstance(G.net[3], nn.Sigmoid)


def test_deconv_generator_output_size_is_stride_times_input_minus_one_plus_kernel():
    G = ml.DeconvGenerator(100, hidden=40, channels=8)
    assert 3 * (10 - 1) + 5 == 32
    out = G(torch.rand(4, 100))
    assert out.shape == (4, 3, 32, 32)
    assert G.bias.shape == (3, 32, 32)  # untied: one bias per pixel and channel


def test_deconv_generator_matches_a_direct_transposed_convolution():
    torch.manual_seed(0)
    G = ml.DeconvGenerator(3, hidden=5, channels=2)
    z = torch.rand(1, 3)
    h = G.fc(z).view(2, 10, 10)
    w = G.deconv.weight  # (in 2, out 3, 5, 5)
    expected = torch.zeros(3, 32, 32)
    for c in range(2):
        for i in range(10):
            for j in range(10):
                expected[:, 3 * i:3 * i + 5, 3 * j:3 * j + 5] += h[c, i, j] * w[c]
    assert torch.allclose(G(z)[0], expected + G.bias, atol=1e-6)


def test_conv_maxout_discriminator_spatial_sizes_are_the_yamls():
    D = ml.ConvMaxoutDiscriminator(channels=(4, 4, 6), units=7)
    x = torch.randn(2, 3, 32, 32)
    sizes = []
    h = x
    for layer in D.features:
        h = layer(h)
        if isinstance(layer, ml.MaxoutConv2d):
            sizes.append(tuple(h.shape[1:]))
    assert sizes == [(4, 16, 16), (4, 7, 7), (6, 5, 5)]  # 33 -> pool 4/2 -> 16; 15 -> 7; 9 -> 5
    assert D(x).shape == (2,)
    with pytest.raises(ValueError, match="x must have shape"):
        D(torch.randn(2, 3072))


def test_maxout_conv_is_max_over_pieces_then_pooling():
    torch.manual_seed(0)
    layer = ml.MaxoutConv2d(2, 3, 2, kernel=3, padding=1, pool=2, pool_stride=2)
    x = torch.randn(1, 2, 6, 6)
    h = layer.conv(x).view(1, 3, 2, 6, 6)
    expected = torch.nn.functional.max_pool2d(torch.maximum(h[:, :, 0], h[:, :, 1]), 2, 2)
    assert torch.allclose(layer(x), expected)


def test_conv_discriminator_dropout_and_init_follow_the_yaml():
    D = ml.ConvMaxoutDiscriminator(channels=(4, 4, 4), units=3)
    drops = [m.p for m in D.modules() if isinstance(m, nn.Dropout)]
    assert drops == pytest.approx([0.2, 0.5, 0.5, 0.5, 0.5])  # keep 0.8 on the image, 0.5 elsewhere
    weights = [m.weight for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(w.abs().max() <= 0.005 for w in weights)
    D.eval()
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(D(x), D(x))  # no dropout in eval mode


def test_full_size_parameter_counts():
    """The yaml's widths, built on the meta device (shapes only, no memory)."""
    with torch.device("meta"):
        G, D = ml.CIFARGenerator(), ml.ConvMaxoutDiscriminator()
    n = sum(p.numel() for p in G.parameters())
    assert n == (100 * 8000 + 8000) + (8000 * 8000 + 8000) + (8000 * 3072 + 3072)
    assert D.head[2].linear.in_features == 192 * 25 and math.prod(D.head[2].linear.weight.shape) == 4800 * 2500
