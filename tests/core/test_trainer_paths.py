"""One Trainer, three uses: its step equals the paper's update written out by hand, its CUDA-graph option only
replays that step, and seeds stacked into one network train as separate runs."""
import copy

import pytest
import torch
from torch import nn

from ganlib import experiments
from ganlib.core import trainer as trainer_module
from ganlib.core.device import seed_everything
from ganlib.core.losses import discriminator_loss, generator_loss
from ganlib.core.nets import MaxoutDiscriminator, MNISTGenerator, StackedLinear, stack_modules, unstack_module
from ganlib.core.noise import sample_noise
from ganlib.core.optim import learning_rate_at, momentum_at
from ganlib.core.trainer import TrainConfig, Trainer
from ganlib.theory.pushforward import generator_jsd_1d

EDGES = torch.linspace(-2, 10, 241)


def params(*nets):
    return [p.detach().clone() for net in nets for p in net.parameters()]


def by_hand(G, D, data, c: TrainConfig, steps: int):
    """The authors' simultaneous update written out: the permutation redrawn every epoch, noise, D's losses on
    one pass, both gradients, then v <- mu v - lr g; theta <- theta + v for each net, with Python floats."""
    seed_everything(c.seed)
    velocity = {id(p): torch.zeros_like(p) for p in (*G.parameters(), *D.parameters())}
    per_epoch, seen, perm, stats = len(data) // c.batch_size, 0, None, []
    for it in range(steps):
        epoch, position = seen // per_epoch, seen % per_epoch
        if position == 0:
            perm = torch.randperm(len(data))
        x = data[perm[position * c.batch_size:(position + 1) * c.batch_size]]
        seen += 1
        z = sample_noise(c.batch_size, c.noise_dim, c.noise)
        real, fake = D(x), D(G(z))
        d_loss = c.d_loss_scale * discriminator_loss(real, fake)
        g_loss = generator_loss(fake, c.generator_loss)
        grads_g = torch.autograd.grad(g_loss, list(G.parameters()), retain_graph=True)
        grads_d = torch.autograd.grad(d_loss, list(D.parameters()))
        mu = momentum_at(epoch, c.momentum_start, c.momentum_end, c.momentum_saturate_epoch)
        with torch.no_grad():
            for net, grads, lr0 in ((D, grads_d, c.lr_d), (G, grads_g, c.lr_g)):
                ps = list(net.parameters())
                vs = [velocity[id(p)] for p in ps]
                torch._foreach_mul_(vs, mu)
                torch._foreach_sub_(vs, torch._foreach_mul(list(grads), learning_rate_at(it, lr0, c.lr_decay, c.lr_min)))
                torch._foreach_add_(ps, vs)
        stats.append([float(d_loss.detach()), float(g_loss.detach())])
    return stats


def small_run(seed=5):
    torch.manual_seed(seed)
    data = torch.rand(200, 12)
    G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 12))
    D = nn.Sequential(nn.Dropout(0.3), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0))
    config = TrainConfig(iterations=30, batch_size=40, update="simultaneous", noise_dim=3, log_every=5,
                         lr_decay=1.01, momentum_saturate_epoch=3, d_loss_scale=0.5, seed=seed)
    return G, D, data, config


def test_the_step_is_the_authors_update_written_out_bit_for_bit():
    """30 iterations over 6 epochs (new permutations, the momentum ramp, the decaying rate), dropout in D."""
    G, D, data, config = small_run()
    trainer = Trainer(copy.deepcopy(G), copy.deepcopy(D), data, config, device="cpu")
    trainer.run(progress=False)
    stats = by_hand(G, D, data, config, 30)
    assert all(torch.equal(a, b) for a, b in zip(params(G, D), params(trainer.G, trainer.D)))
    assert [[d, g] for d, g in zip(trainer.history["d_loss"], trainer.history["g_loss"])] == stats


def test_the_comparison_tells_a_momentum_off_by_one_part_in_a_thousand(monkeypatch):
    """The check above is not vacuous: the same run with the momentum 0.1% too large does not match."""
    G, D, data, config = small_run()
    monkeypatch.setattr(trainer_module, "momentum_at", lambda *a: momentum_at(*a) * 1.001)
    trainer = Trainer(copy.deepcopy(G), copy.deepcopy(D), data, config, device="cpu")
    trainer.run(progress=False)
    by_hand(G, D, data, config, 30)
    assert not all(torch.equal(a, b) for a, b in zip(params(G, D), params(trainer.G, trainer.D)))


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    """Across epoch boundaries and schedules, from a checkpoint written mid-way (the rates and momentum are
    tensors in the optimiser state, reinstalled on load)."""
    def run(until=None, load=None):
        G, D, data, config = small_run()
        trainer = Trainer(G, D, data, config, device="cpu")
        if load:
            trainer.load(load)
        trainer.run(until=until, checkpoint=tmp_path / "ck.pt" if until else None, progress=False)
        return trainer

    straight = run()
    run(until=13)
    resumed = run(load=tmp_path / "ck.pt")
    assert all(torch.equal(a, b) for a, b in zip(params(straight.G, straight.D), params(resumed.G, resumed.D)))
    assert straight.history == resumed.history


def test_the_graph_option_refuses_what_it_cannot_run():
    trainer = experiments.build("toy1d", device="cpu")  # alternating updates
    with pytest.raises(ValueError, match="graph=True needs a CUDA device"):
        trainer.use_graph(True)
    assert trainer.graph is False
    with pytest.raises(ValueError, match="warmup must be an integer"):
        Trainer(trainer.G, trainer.D, trainer.data, trainer.config, "cpu", warmup=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_graph_replay_equals_the_eager_step_on_a_gpu():
    eager = experiments.build("mnist-subset", "cuda", graph=False, iterations=20, log_every=10)
    graph = experiments.build("mnist-subset", "cuda", graph=True, iterations=20, log_every=10)
    eager.run(progress=False), graph.run(progress=False)
    assert graph._cuda_graph is not None
    assert all(torch.equal(a, b) for a, b in zip(params(eager.G, eager.D), params(graph.G, graph.D)))
    assert eager.history == graph.history


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
    with pytest.raises(ValueError, match="two lists of networks of the same length"):
        Trainer([nn.Linear(1, 1)], [nn.Linear(1, 1)] * 2, torch.rand(10, 1), TrainConfig(batch_size=2))
    with pytest.raises(ValueError, match="needs a Trainer built from lists"):
        experiments.build("toy1d", "cpu").unstack()


def test_an_ensemble_of_toy_runs_lowers_every_seeds_jsd():
    """Four seeds of the 1-D toy trained as one (simultaneous updates): every member's JSD(p_data || p_g)
    falls from about log 2 to below 0.3 in 2,000 iterations (0.11 to 0.22 when this test was written)."""
    ensemble = experiments.build_ensemble("toy1d", seeds=[0, 1, 2, 3], device="cpu", iterations=2000)
    assert isinstance(ensemble, Trainer) and ensemble.seeds == 4
    before = [generator_jsd_1d(experiments.TOY_1D, G, EDGES) for G, _ in ensemble.unstack()]
    ensemble.run(progress=False)
    after = [generator_jsd_1d(experiments.TOY_1D, G, EDGES) for G, _ in ensemble.unstack()]
    assert min(before) > 0.6
    assert max(after) < 0.3, f"JSD per seed went from {before} to {after}"
    assert len({round(j, 6) for j in after}) == 4  # four different runs, not one copied


def test_an_ensemble_runs_algorithm_1_as_printed_too():
    """Stacked seeds with the alternating update (k = 2): each seed's batches come out shaped (seeds, batch)."""
    ensemble = experiments.build_ensemble("toy1d", seeds=[0, 1], device="cpu", update="alternating", k=2,
                                          iterations=20, log_every=10)
    assert ensemble._next_batch().shape == (2, 128, 1)
    ensemble.run(progress=False)
    assert len(ensemble.history["d_loss"]) == 20


def test_ensemble_members_start_from_their_single_run_initialisation():
    ensemble = experiments.build_ensemble("toy1d", seeds=[3, 7], device="cpu")
    for seed, (G, D) in zip((3, 7), ensemble.unstack()):
        single = experiments.build("toy1d", device="cpu", seed=seed)
        assert all(torch.equal(a, b) for a, b in zip(G.parameters(), single.G.parameters()))
        assert all(torch.equal(a, b) for a, b in zip(D.parameters(), single.D.parameters()))
    with pytest.raises(ValueError, match="distinct integers"):
        experiments.build_ensemble("toy1d", seeds=[1, 1], device="cpu")
