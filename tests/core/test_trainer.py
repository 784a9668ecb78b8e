"""Algorithm 1 in ganlib: it learns, it resumes exactly, it stops on divergence, it validates its input."""
import dataclasses
import math

import pytest
import torch

from ganlib import experiments
from ganlib.core.checkpoint import load_checkpoint
from ganlib.core.losses import discriminator_loss, generator_loss
from ganlib.core.nets import MLP
from ganlib.core.noise import sample_noise
from ganlib.core.optim import learning_rate_at, momentum_at
from ganlib.core.trainer import TrainConfig, Trainer, TrainingDiverged
from ganlib.theory.pushforward import generator_jsd_1d

EDGES = torch.linspace(-2, 10, 241)


def toy_jsd(trainer):
    return generator_jsd_1d(experiments.TOY_1D, trainer.G, EDGES)


def test_algorithm_1_lowers_the_jsd_on_the_1d_toy():
    """Fast tier: 2,000 iterations of Algorithm 1 (k = 1, non-saturating G loss, momentum SGD)."""
    trainer = experiments.build("toy1d", device="cpu", seed=0)
    before = toy_jsd(trainer)
    trainer.run(progress=False)
    after = toy_jsd(trainer)
    assert before > 0.6  # the untrained G puts almost no mass near N(4, 0.5^2)
    assert after < 0.2, f"JSD(p_data || p_g) only fell from {before:.3f} to {after:.3f}"
    assert abs(trainer.history["d_real"][-1] - 0.5) < 0.1  # D is near 1/2 on the data


def small_mnist_like(seed, update="simultaneous", k=1, **overrides):
    """300 samples, batch 50 (6 steps an epoch); `overrides` replace TrainConfig fields."""
    torch.manual_seed(123)
    data = torch.rand(300, 20)
    G, D = MLP(4, 20, hidden=8), torch.nn.Sequential(torch.nn.Dropout(0.2), MLP(20, 1, hidden=8, squeeze=True))
    config = TrainConfig(**{**dict(iterations=24, batch_size=50, update=update, k=k, noise_dim=4, seed=seed,
                                   log_every=5, momentum_saturate_epoch=3, lr_decay=1.01), **overrides})
    return Trainer(G, D, data, config, device="cpu")


def params(trainer):
    return [p.detach().clone() for p in (*trainer.G.parameters(), *trainer.D.parameters())]


@pytest.mark.parametrize("update,k", [("simultaneous", 1), ("alternating", 2)])
def test_resumed_run_ends_with_the_same_parameters(tmp_path, update, k):
    straight = small_mnist_like(0, update, k)
    straight.run(progress=False)
    first = small_mnist_like(0, update, k)
    first.run(until=13, checkpoint=tmp_path / "ck.pt", progress=False)  # stops mid-epoch, mid-flush
    torch.manual_seed(999)  # whatever happens in between must not matter
    resumed = small_mnist_like(0, update, k)
    resumed.load(tmp_path / "ck.pt")
    assert resumed.iteration == 13
    resumed.run(progress=False)
    for a, b in zip(params(straight), params(resumed)):
        assert torch.equal(a, b)
    assert straight.history == resumed.history


def test_simultaneous_update_takes_both_gradients_before_either_step():
    trainer = small_mnist_like(0)
    trainer.D.eval()  # no dropout, so the manual computation sees the same D
    G0, D0 = [p.detach().clone() for p in trainer.G.parameters()], [p.detach().clone() for p in trainer.D.parameters()]
    torch.manual_seed(5)
    trainer.perm = None
    trainer.step()
    torch.manual_seed(5)
    perm = torch.randperm(300)
    x, z = trainer.data[perm[:50]], sample_noise(50, 4)
    G, D = small_mnist_like(0).G, small_mnist_like(0).D.eval()
    fake_logits = D(G(z))
    d_loss = discriminator_loss(D(x), fake_logits)
    g_loss = generator_loss(fake_logits, "non_saturating")
    gd = torch.autograd.grad(d_loss, list(D.parameters()), retain_graph=True)
    gg = torch.autograd.grad(g_loss, list(G.parameters()))
    for p, p0, g in zip(trainer.D.parameters(), D0, gd):  # first step: velocity = -lr * grad
        torch.testing.assert_close(p.detach(), p0 - 0.1 * g)
    for p, p0, g in zip(trainer.G.parameters(), G0, gg):
        torch.testing.assert_close(p.detach(), p0 - 0.1 * g)


def test_history_records_losses_and_d_outputs_every_iteration():
    trainer = small_mnist_like(0)
    history = trainer.run(progress=False)
    assert history["iteration"] == list(range(1, 25))
    assert all(len(history[key]) == 24 for key in history)
    assert all(0 < v < 1 for v in history["d_real"] + history["d_fake"])


def test_divergence_stops_with_a_message_and_keeps_the_last_good_checkpoint(tmp_path):
    trainer = small_mnist_like(0)
    trainer.run(until=10, checkpoint=tmp_path / "ck.pt", progress=False)
    good = load_checkpoint(tmp_path / "ck.pt")
    trainer.config = dataclasses.replace(trainer.config, lr_d=1e30, lr_g=1e30)
    # Flushed at 15, by when each net's NaN gradients have reached the other: both are named, and the
    # step where the statistics first went non-finite is given.
    with pytest.raises(TrainingDiverged, match=r"diverged at iteration 1[1-5] \(d_loss is nan\): by iteration 15 "
                                               r"the generator and discriminator have non-finite parameters; "
                                               r"the last good checkpoint is kept"):
        trainer.run(checkpoint=tmp_path / "ck.pt", progress=False)
    kept = load_checkpoint(tmp_path / "ck.pt")
    assert kept["iteration"] == 10 and torch.equal(kept["D"]["1.net.0.weight"], good["D"]["1.net.0.weight"])


@pytest.mark.parametrize("field,network", [("lr_g", "generator"), ("lr_d", "discriminator")])
def test_divergence_names_the_network_that_broke(tmp_path, field, network):
    """A rate beyond float32 (1e300 rounds to inf) breaks only that net's parameters in one update; the
    simultaneous update takes both gradients first, so the other net is still finite when step 11 flushes.
    Its samples would show first in d_fake, which the statistics alone would blame on the discriminator."""
    trainer = small_mnist_like(0)
    trainer.run(until=10, progress=False)
    trainer.config = dataclasses.replace(trainer.config, **{field: 1e300})
    with pytest.raises(TrainingDiverged, match=rf"^training diverged at iteration 11: the {network} has "
                                               rf"non-finite parameters$"):
        trainer.run(until=11, progress=False)


@pytest.mark.parametrize("network", ["generator", "discriminator"])
def test_flush_checks_each_network_once_per_flush(network):
    trainer = small_mnist_like(0)
    for _ in range(3):
        trainer.step()
    net = trainer.G if network == "generator" else trainer.D
    with torch.no_grad():
        next(net.parameters())[0].fill_(math.nan)  # finite statistics, a broken net
    with pytest.raises(TrainingDiverged, match=rf"at iteration 3: the {network} has non-finite parameters"):
        trainer.flush()


def test_schedules_are_set_before_every_step():
    """Step n runs with the rate decayed n - 1 times and the momentum of the epoch it starts in."""
    trainer = small_mnist_like(0)  # lr_decay 1.01, momentum 0.5 -> 0.7 by epoch 2 (saturate 3), 6 steps an epoch
    c = trainer.config
    momenta = set()
    for n in range(1, 16):
        epoch = trainer.epoch  # simultaneous: one minibatch a step, so the epoch before step n
        trainer.step()
        momentum = momentum_at(epoch, c.momentum_start, c.momentum_end, c.momentum_saturate_epoch)
        momenta.add(momentum)
        for opt, lr0 in ((trainer.opt_d, c.lr_d), (trainer.opt_g, c.lr_g)):
            (group,) = opt.param_groups
            assert group["lr"] == learning_rate_at(n - 1, lr0, c.lr_decay, c.lr_min)
            assert group["momentum"] == momentum
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(0.1 / 1.01**14, rel=1e-12)
    assert momenta == {0.5, 0.6, 0.7}  # epochs 0, 1 and 2: the ramp and its saturation were both reached


def test_mnist_config_has_the_authors_settings():
    """paper-facts.md, mnist.yaml: every optimisation setting of the authors' MNIST run."""
    c = experiments.mnist_config()
    assert (c.update, c.k, c.generator_loss, c.d_loss_scale) == ("simultaneous", 1, "non_saturating", 0.5)
    assert (c.optimizer, c.lr_d, c.lr_g, c.batch_size) == ("sgd", 0.1, 0.1, 100)
    assert (c.lr_decay, c.lr_min) == (1.000004, 1e-6)
    assert (c.momentum_start, c.momentum_end, c.momentum_saturate_epoch) == (0.5, 0.7, 250)
    assert (c.noise, c.noise_dim) == ("uniform", 100)


def test_d_loss_scale_halves_the_discriminator_gradient():
    """The authors' D loss is 0.5 (BCE real + BCE fake): same seed and batch, half the gradient and step."""
    runs = {}
    for scale in (1.0, 0.5):
        trainer = small_mnist_like(0, d_loss_scale=scale)  # reseeds: same batch, noise and dropout masks
        before = [p.detach().clone() for p in trainer.D.parameters()]
        trainer.discriminator_step()
        runs[scale] = [(p.grad, p.detach() - p0) for p, p0 in zip(trainer.D.parameters(), before)]
    for (grad, step), (half_grad, half_step) in zip(runs[1.0], runs[0.5]):
        assert grad.abs().max() > 0
        torch.testing.assert_close(half_grad, grad / 2, rtol=0, atol=0)  # scaling by 1/2 is exact
        torch.testing.assert_close(half_step, step / 2)  # first SGD step: -lr * grad


def test_k_discriminator_steps_per_generator_step(monkeypatch):
    """Alternating, k = 3: one step() takes three D steps on three fresh minibatches, then one G step."""
    reference = small_mnist_like(0, "alternating", 3)
    G0 = [p.detach().clone() for p in reference.G.parameters()]
    reference._set_schedules()
    D_states = [[p.detach().clone() for p in reference.D.parameters()]]
    for _ in range(3):
        reference.discriminator_step()
        D_states.append([p.detach().clone() for p in reference.D.parameters()])
    reference.generator_step()

    calls = []
    for name in ("discriminator_step", "generator_step"):
        method = getattr(Trainer, name)
        monkeypatch.setattr(Trainer, name, lambda self, _m=method, _n=name: calls.append(_n) or _m(self))
    trainer = small_mnist_like(0, "alternating", 3)
    trainer.step()
    assert calls == ["discriminator_step"] * 3 + ["generator_step"]
    assert (trainer.batches_seen, trainer.iteration) == (3, 1)
    for before, after in zip(D_states, D_states[1:]):  # each of the three D steps moved D
        assert any(not torch.equal(a, b) for a, b in zip(before, after))
    for p, ref, p0 in zip(trainer.G.parameters(), reference.G.parameters(), G0):  # G moved by one step
        assert torch.equal(p, ref) and not torch.equal(p, p0)
    for p, ref in zip(trainer.D.parameters(), D_states[-1]):
        assert torch.equal(p, ref)


@pytest.mark.parametrize("field,value,message", [
    ("k", 0, "k must be an integer >= 1"),
    ("lr_d", -0.1, "lr_d must be a positive finite number"),
    ("update", "sequential", "update must be one of"),
    ("generator_loss", "minimax", "generator_loss must be one of"),
    ("noise", "normal", "noise must be one of"),
])
def test_config_validation_names_the_parameter(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_batch_larger_than_data_is_refused():
    with pytest.raises(ValueError, match=r"batch_size \(500\) is larger than the data set \(300"):
        Trainer(MLP(4, 20), MLP(20, 1), torch.rand(300, 20), TrainConfig(batch_size=500, noise_dim=4))


def test_loading_a_checkpoint_of_another_configuration_is_refused(tmp_path):
    trainer = small_mnist_like(0)
    trainer.save(tmp_path / "ck.pt")
    other = small_mnist_like(1)
    with pytest.raises(ValueError, match="another configuration.*seed"):
        other.load(tmp_path / "ck.pt")


def test_instance_noise_reaches_d_and_is_validated():
    trainer = small_mnist_like(0)
    trainer.config = dataclasses.replace(trainer.config, instance_noise=0.5)
    trainer.D.eval()
    x = trainer.data[:4]
    assert not torch.equal(trainer._discriminate(x), trainer.D(x))
    with pytest.raises(ValueError, match="instance_noise must be a finite number >= 0"):
        TrainConfig(instance_noise=-1.0)
