"""The Olivetti faces (the book's named stand-in for the TFD): file checks, orientation, folds, downscaling."""

import numpy as np
import pytest
import torch

from ganlib import experiments
from ganlib.data import olivetti
from ganlib.data.files import ChecksumError, DatasetNotFoundError, data_root

ROOT = data_root()
HAVE_REAL = any((ROOT / sub / olivetti.FILENAME).is_file() for sub in ("olivetti", "."))
needs_real = pytest.mark.skipif(not HAVE_REAL, reason="no olivettifaces.mat under $GANLIB_DATA")


@needs_real
def test_real_faces_shapes_range_and_people():
    images, people = olivetti.load_olivetti()
    assert images.shape == (400, 4096) and images.dtype == torch.float32
    assert 0 <= images.min() and images.max() <= 1 and images.max() > 0.9
    assert people.tolist() == [i // 10 for i in range(400)]


@needs_real
def test_orientation_is_scikit_learns_upright_one():
    from scipy.io import loadmat

    raw = loadmat(olivetti.find_olivetti_file())["faces"]
    sklearn_way = raw.T.reshape(400, 64, 64).transpose(0, 2, 1).reshape(400, -1) / 255.0  # fetch_olivetti_faces
    images, _ = olivetti.load_olivetti()
    assert np.allclose(images.numpy(), sklearn_way)


@needs_real
def test_faces_are_upright_mirror_symmetric_left_right_not_top_bottom():
    images, _ = olivetti.load_olivetti()
    mean = images.mean(0).view(64, 64)
    def corr(a, b):
        return torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1].item()
    assert corr(mean, mean.flip(1)) > 0.9 > corr(mean, mean.flip(0))  # a transposed face fails this


@needs_real
def test_downscaled_load_is_the_area_average():
    small, _ = olivetti.load_olivetti(size=32)
    full, _ = olivetti.load_olivetti()
    blocks = full.view(400, 32, 2, 32, 2).mean((2, 4)).reshape(400, -1)
    assert torch.allclose(small, blocks, atol=1e-6)
    assert olivetti.load_olivetti(size=48)[0].shape == (400, 2304)


def test_downscale_preserves_constants_and_checks_its_arguments():
    x = torch.full((3, 64 * 64), 0.25)
    assert torch.allclose(olivetti.downscale(x, 48), torch.full((3, 48 * 48), 0.25))
    ramp = torch.arange(64.0).repeat(64, 1).reshape(1, -1)  # brightness grows to the right
    row = olivetti.downscale(ramp, 48).view(48, 48)[0]
    assert (row[1:] > row[:-1]).all()
    with pytest.raises(ValueError, match="size must be an integer in"):
        olivetti.downscale(x, 65)
    with pytest.raises(ValueError, match="images must be"):
        olivetti.downscale(torch.ones(3, 10), 2)


def test_missing_file_error_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        olivetti.load_olivetti(tmp_path)
    assert "GANLIB_DATA" in str(info.value) and "download_olivetti" in str(info.value)


@needs_real
def test_corrupted_file_fails_its_checksum(tmp_path):
    target = tmp_path / "olivetti" / olivetti.FILENAME
    target.parent.mkdir()
    target.write_bytes(olivetti.find_olivetti_file().read_bytes()[:-10])
    with pytest.raises(ChecksumError, match="olivettifaces.mat has MD5 .* truncated, corrupted"):
        olivetti.load_olivetti(tmp_path)


@needs_real
def test_download_checks_the_digest_and_falls_back(tmp_path):
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"not faces")
    good = olivetti.find_olivetti_file().resolve().as_uri()
    path = olivetti.download_olivetti(tmp_path / "data", urls=(bad.as_uri(), good))
    assert path == tmp_path / "data" / "olivetti" / olivetti.FILENAME
    assert olivetti.load_olivetti(tmp_path / "data")[0].shape == (400, 4096)
    with pytest.raises(DatasetNotFoundError, match="does not match the known digest"):
        olivetti.download_olivetti(tmp_path / "other", urls=(bad.as_uri(),))


def test_people_folds_are_disjoint_and_test_everyone_once():
    folds = olivetti.people_folds(8, seed=3)
    assert len(folds) == 8
    for fold in folds:
        parts = [set(fold[k]) for k in ("train", "valid", "test")]
        assert [len(p) for p in parts] == [30, 5, 5]
        assert set().union(*parts) == set(range(40)) and sum(map(len, parts)) == 40
    assert sorted(p for f in folds for p in f["test"]) == list(range(40))
    assert folds == olivetti.people_folds(8, seed=3) != olivetti.people_folds(8, seed=4)
    assert [len(f["train"]) for f in olivetti.people_folds(4)] == [20] * 4
    with pytest.raises(ValueError, match="n_folds must be"):
        olivetti.people_folds(7)


def test_select_people():
    ids = torch.arange(6).repeat_interleave(2)
    images = torch.arange(12.0)[:, None]
    assert olivetti.select_people(images, ids, [1, 4]).flatten().tolist() == [2, 3, 8, 9]


@needs_real
def test_faces_builder_scales_the_tfd_nets_and_constrains_norms():
    trainer = experiments.build("faces", "cpu", size=32, scale=100, people=list(range(5)), iterations=3,
                                log_every=1, batch_size=20)
    assert trainer.data.shape == (50, 1024) and trainer.config.noise == "gaussian" and trainer.config.lr_d == 0.05
    assert trainer.G.net[0].out_features == 80 and trainer.D.net[1].units == 12
    with torch.no_grad():
        for p in trainer.D.parameters():
            p.mul_(1e4)
    trainer.run(progress=False)
    for net in (trainer.G, trainer.D):
        for layer in net.modules():
            if isinstance(layer, torch.nn.Linear):
                assert layer.weight.norm(dim=1).max() <= 1.9365 * (1 + 1e-5)
