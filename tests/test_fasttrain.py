"""The fast paths (FastTrainer, EnsembleTrainer) give the readable Trainer's results."""
import pytest
import torch
from torch import nn

from ganlib import experiments
from ganlib.ensemble import EnsembleTrainer, StackedLinear, build_ensemble, stack_modules, unstack_module
from ganlib.fasttrain import FastTrainer, agrees_with_trainer, make_fast
from ganlib.models import MaxoutDiscriminator, MNISTGenerator
from ganlib.theory import generator_jsd_1d
from ganlib.training import TrainConfig

EDGES = torch.linspace(-2, 10, 241)


def all_params(trainer):
    return [p.detach().clone() for p in (*trainer.G.parameters(), *trainer.D.parameters())]


def test_fast_and_plain_steps_give_the_same_parameters_on_mnist():
    """The paper's MNIST step: 7 iterations with dropout, momentum and the decaying rate, bit for bit."""
    assert agrees_with_trainer("mnist-subset", steps=7)


def test_the_comparison_tells_a_broken_fast_path(monkeypatch):
    """agrees_with_trainer is not vacuous: a fast step whose momentum is off by one part in a thousand fails."""
    fill = FastTrainer._fill_schedules

    def off(self):
        fill(self)
        self._momentum.mul_(1.001)

    monkeypatch.setattr(FastTrainer, "_fill_schedules", off)
    assert not agrees_with_trainer("mnist-subset", steps=3)


def test_fast_and_plain_agree_across_epochs_schedules_and_a_resume(tmp_path):
    """Across epoch boundaries (new permutation, new momentum), and from a checkpoint of the other trainer."""
    def small(cls, **kw):
        torch.manual_seed(5)
        data = torch.rand(200, 12)
        G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 12))
        D = nn.Sequential(nn.Dropout(0.3), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0))
        config = TrainConfig(iterations=30, batch_size=40, update="simultaneous", noise_dim=3, log_every=4,
                             lr_decay=1.01, momentum_saturate_epoch=3, d_loss_scale=0.5, instance_noise=0.1)
        return cls(G, D, data, config, device="cpu", **kw)

    plain = small(experiments.Trainer)
    plain.run(progress=False)
    half = small(experiments.Trainer)
    half.run(until=13, checkpoint=tmp_path / "ck.pt", progress=False)
    fast = small(FastTrainer)
    fast.load(tmp_path / "ck.pt")  # restores the random generators too
    fast.run(progress=False)
    for a, b in zip(all_params(plain), all_params(fast)):
        assert torch.equal(a, b)
    assert plain.history == fast.history


def test_fast_trainer_refuses_what_it_does_not_run():
    trainer = experiments.build("toy1d", device="cpu")  # alternating updates
    with pytest.raises(ValueError, match="update='simultaneous'.*got update='alternating'"):
        make_fast(trainer)
    with pytest.raises(ValueError, match="graph=True needs a CUDA device"):
        make_fast(experiments.build("toy1d", device="cpu", update="simultaneous"), graph=True)


def test_stacked_networks_compute_what_each_seed_computes():
    """Forward values and gradients of the stacked MNIST networks equal those of each single network."""
    torch.manual_seed(0)
    Gs = [MNISTGenerator() for _ in range(3)]
    Ds = [MaxoutDiscriminator().eval() for _ in range(3)]  # eval: no dropout, so outputs are comparable
    G, D = stack_modules(Gs), stack_modules(Ds).eval()
    z = torch.randn(3, 5, 100)
    x = G(z)
    logits = D(x)
    assert x.shape == (3, 5, 784) and logits.shape == (3, 5)
    logits.sum().backward()
    for s in range(3):
        single = Ds[s](Gs[s](z[s]))
        torch.testing.assert_close(logits[s], single, rtol=1e-5, atol=1e-6)
        single.sum().backward()
        first = Gs[s].net[0].weight.grad.T
        torch.testing.assert_close(G.net[0].weight.grad[s], first, rtol=1e-4, atol=1e-7)
    back = unstack_module(G, Gs[0], 2)
    assert all(torch.equal(a, b) for a, b in zip(back.parameters(), Gs[2].parameters()))


def test_stacking_refuses_layers_it_cannot_batch():
    with pytest.raises(ValueError, match="nn.Linear only.*Conv1d"):
        stack_modules([nn.Sequential(nn.Conv1d(1, 1, 3))] * 2)
    assert isinstance(stack_modules([nn.Linear(2, 2)] * 2), StackedLinear)


def test_an_ensemble_of_toy_runs_lowers_every_seeds_jsd():
    """Four seeds of the 1-D toy trained as one (simultaneous updates): every member's JSD(p_data || p_g)
    falls from about log 2 to below 0.3 in 2,000 iterations (0.11 to 0.22 when this test was written)."""
    ensemble = build_ensemble("toy1d", seeds=[0, 1, 2, 3], device="cpu", iterations=2000)
    assert isinstance(ensemble, EnsembleTrainer) and ensemble.seeds == 4
    before = [generator_jsd_1d(experiments.TOY_1D, G, EDGES) for G, _ in ensemble.unstack()]
    ensemble.run(progress=False)
    after = [generator_jsd_1d(experiments.TOY_1D, G, EDGES) for G, _ in ensemble.unstack()]
    assert min(before) > 0.6
    assert max(after) < 0.3, f"JSD per seed went from {before} to {after}"
    assert len({round(j, 6) for j in after}) == 4  # four different runs, not one copied


def test_ensemble_members_start_from_their_single_run_initialisation():
    ensemble = build_ensemble("toy1d", seeds=[3, 7], device="cpu")
    for seed, (G, D) in zip((3, 7), ensemble.unstack()):
        single = experiments.build("toy1d", device="cpu", seed=seed)
        assert all(torch.equal(a, b) for a, b in zip(G.parameters(), single.G.parameters()))
        assert all(torch.equal(a, b) for a, b in zip(D.parameters(), single.D.parameters()))
    with pytest.raises(ValueError, match="distinct integers"):
        build_ensemble("toy1d", seeds=[1, 1], device="cpu")
