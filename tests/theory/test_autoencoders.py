"""Autoencoders: the losses are the formulas they claim, corruption is what it says, training learns real digits."""
import numpy as np
import pytest
import torch

from ganlib.data.mnist import mnist_subset
from ganlib.theory.autoencoders import (
    Autoencoder,
    corrupt,
    decode,
    encode,
    fit_gaussian,
    reconstruct,
    reconstruction_error,
    reconstruction_loss,
    sample_codes,
    train_autoencoder,
)


def test_shapes_and_ranges():
    model = Autoencoder(latent=3, hidden=16)
    x = torch.rand(7, 784)
    assert encode(model, x).shape == (7, 3)
    r = reconstruct(model, x, batch_size=3)
    assert r.shape == (7, 784) and (r > 0).all() and (r < 1).all()
    torch.testing.assert_close(decode(model, encode(model, x), batch_size=2), r)


def test_reconstruction_loss_is_bernoulli_negative_log_likelihood():
    torch.manual_seed(0)
    model = Autoencoder(latent=4, hidden=16)
    x, target = torch.rand(5, 784), torch.rand(5, 784)
    r = model(x).double()
    direct = -(target * r.log() + (1 - target) * (1 - r).log()).sum(1).mean()
    torch.testing.assert_close(reconstruction_loss(model, x, target).double(), direct, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(reconstruction_loss(model, x), reconstruction_loss(model, x, x))


def test_reconstruction_error_is_squared_distance():
    torch.manual_seed(1)
    model = Autoencoder(latent=4, hidden=16)
    x = torch.rand(6, 784)
    with torch.no_grad():
        direct = torch.stack([((x[i] - model(x[i:i + 1])[0]) ** 2).sum() for i in range(6)])
    torch.testing.assert_close(reconstruction_error(model, x, batch_size=4), direct)


def test_masking_noise_zeroes_the_stated_share():
    x = torch.full((200, 784), 0.7)
    g = torch.Generator().manual_seed(0)
    noisy = corrupt(x, "masking", 0.3, generator=g)
    zero = noisy == 0
    assert abs(zero.double().mean().item() - 0.3) < 0.005
    assert torch.equal(noisy[~zero], x[~zero])
    assert torch.equal(corrupt(x, "none"), x)
    gauss = corrupt(torch.rand(50, 784), "gaussian", 0.5, generator=g)
    assert gauss.min() >= 0 and gauss.max() <= 1


def test_training_learns_real_digits():
    images, _ = mnist_subset()
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    train, test = images[perm[:2000]], images[perm[4000:4500]]
    model = Autoencoder(latent=16, hidden=64)
    before = reconstruction_error(model, test).mean()
    losses = train_autoencoder(model, train, epochs=3, seed=0)
    assert losses[-1] < losses[0]
    after = reconstruction_error(model, test).mean()
    assert after < 0.6 * before
    # Uniform noise is far from anything the autoencoder learned.
    assert reconstruction_error(model, torch.rand(100, 784)).min() > reconstruction_error(model, test).max()


def test_denoising_training_is_seeded():
    x = torch.rand(64, 784)
    torch.manual_seed(0)
    a = train_autoencoder(Autoencoder(2, 8), x, epochs=2, corruption="masking", seed=3)
    torch.manual_seed(0)
    b = train_autoencoder(Autoencoder(2, 8), x, epochs=2, corruption="masking", seed=3)
    assert a == b


def test_fit_gaussian_and_sample_codes():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(1000, 3, generator=g, dtype=torch.float64) @ torch.tensor(
        [[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [0.0, -1.0, 0.3]], dtype=torch.float64) + 4
    mean, cov = fit_gaussian(codes)
    np.testing.assert_allclose(mean.numpy(), codes.numpy().mean(0), rtol=1e-12)
    np.testing.assert_allclose(cov.numpy(), np.cov(codes.numpy().T, bias=True), rtol=1e-10)
    draws = sample_codes(mean, cov, 200_000, generator=g)
    m2, c2 = fit_gaussian(draws)
    torch.testing.assert_close(m2, mean, atol=0.02, rtol=0)
    torch.testing.assert_close(c2, cov, atol=0.03, rtol=0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        corrupt(torch.rand(2, 4), "salt")
    with pytest.raises(ValueError, match="corruption must be one of"):
        train_autoencoder(Autoencoder(2, 4), torch.rand(4, 784), corruption="blur")
    with pytest.raises(ValueError, match="latent must be an integer"):
        Autoencoder(latent=0)
    with pytest.raises(ValueError, match="epochs must be an integer"):
        train_autoencoder(Autoencoder(2, 4), torch.rand(4, 784), epochs=0)


def test_mean_difference_standard_errors_and_a_control():
    import math

    import torch

    from ganlib.theory.autoencoders import mean_difference

    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(4000, generator=gen) + 0.5, torch.randn(4000, generator=gen)
    d, se = mean_difference(a, b)
    assert abs(se - math.sqrt(2 / 4000)) < 0.1 * se and abs(d - 0.5) < 4 * se
    same, se_same = mean_difference(b[:2000], b[2000:])  # control: no difference, well inside 4 se
    assert abs(same) < 4 * se_same
    shared = torch.randn(4000, generator=gen) * 10  # pairing removes a large shared term
    dp, sep = mean_difference(a + shared, b + shared, paired=True)
    assert abs(dp - d) < 1e-5 and sep < 0.2 * mean_difference(a + shared, b + shared)[1]
    with pytest.raises(ValueError):
        mean_difference(a, b[:10], paired=True)
