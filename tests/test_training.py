"""Algorithm 1 in ganlib: it learns, it resumes exactly, it stops on divergence, it validates its input."""
import dataclasses

import pytest
import torch

from ganlib import experiments
from ganlib.checkpoint import load_checkpoint
from ganlib.losses import discriminator_loss, generator_loss
from ganlib.models import MLP
from ganlib.noise import sample_noise
from ganlib.theory import generator_jsd_1d
from ganlib.training import Trainer, TrainConfig, TrainingDiverged

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


def small_mnist_like(seed, update="simultaneous", k=1):
    torch.manual_seed(123)
    data = torch.rand(300, 20)
    G, D = MLP(4, 20, hidden=8), torch.nn.Sequential(torch.nn.Dropout(0.2), MLP(20, 1, hidden=8, squeeze=True))
    config = TrainConfig(iterations=24, batch_size=50, update=update, k=k, noise_dim=4, seed=seed, log_every=5,
                         momentum_saturate_epoch=2, lr_decay=1.01)
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
    for group in trainer.opt_d.param_groups + trainer.opt_g.param_groups:
        group["lr"] = 1e30
    trainer.config = dataclasses.replace(trainer.config, lr_d=1e30, lr_g=1e30)
    with pytest.raises(TrainingDiverged, match=r"diverged at iteration 1[1-5]: the (discriminator|generator).*"
                                               r"last good checkpoint is kept"):
        trainer.run(checkpoint=tmp_path / "ck.pt", progress=False)
    kept = load_checkpoint(tmp_path / "ck.pt")
    assert kept["iteration"] == 10 and torch.equal(kept["D"]["1.net.0.weight"], good["D"]["1.net.0.weight"])


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
