"""CIFAR-10 loader on small archives in the real format, written here (the real archive is not available)."""
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
import torch

from ganlib import experiments
from ganlib.data import cifar10
from ganlib.data.files import ChecksumError, DatasetNotFoundError, md5sum


class Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 `str` opcodes (SHORT_BINSTRING / BINSTRING), as cPickle wrote the real batches."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_string(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_string


def py2_pickle(obj) -> bytes:
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    # the real files name numpy 1's module; numpy 2 writes numpy._core
    return buf.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def batch(n, start):
    data = ((np.arange(n * 3072).reshape(n, 3072) + start * 7) % 251).astype(np.uint8)
    return {b"batch_label": b"batch", b"labels": [int((start + i) % 10) for i in range(n)], b"data": data,
            b"filenames": [b"img%d.png" % (start + i) for i in range(n)]}


def write_archive(folder, n=10_000, extra=None):
    """A cifar-10-python.tar.gz with five training batches and a test batch of n images each."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / cifar10.ARCHIVE
    with tarfile.open(path, "w:gz") as tar:
        members = {f"data_batch_{i}": py2_pickle(batch(n, i * n)) for i in range(1, 6)}
        members["test_batch"] = py2_pickle(batch(n, 0))
        members.update(extra or {})
        for name, payload in members.items():
            info = tarfile.TarInfo(f"{cifar10.FOLDER}/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


N = 10  # images per batch in the written archives (the real batches have 10,000)
SCALED = {"train": (cifar10.TRAIN_BATCHES, 0, 4 * N), "valid": (cifar10.TRAIN_BATCHES, 4 * N, 5 * N),
          "train_full": (cifar10.TRAIN_BATCHES, 0, 5 * N), "test": (("test_batch",), 0, N)}


@pytest.fixture
def small(tmp_path, monkeypatch):
    """An archive of six batches of N images; the split table scaled by N / 10,000 to match it."""
    monkeypatch.setattr(cifar10, "SPLITS", SCALED)
    path = write_archive(tmp_path / "cifar10", n=N)
    return tmp_path, md5sum(path)


def test_split_table_is_the_papers():
    assert cifar10.SPLITS["train"] == (cifar10.TRAIN_BATCHES, 0, 40_000)  # train[0:40000]
    assert cifar10.SPLITS["valid"] == (cifar10.TRAIN_BATCHES, 40_000, 50_000)
    assert cifar10.SPLITS["test"] == (("test_batch",), 0, 10_000)
    assert cifar10.TRAIN_BATCHES == tuple(f"data_batch_{i}" for i in range(1, 6))


def test_written_batches_use_only_numpy_globals_like_the_real_files():
    import pickletools

    globals_ = [arg for op, arg, _ in pickletools.genops(py2_pickle(batch(2, 0))) if op.name == "GLOBAL"]
    assert sorted(set(globals_)) == ["numpy dtype", "numpy ndarray", "numpy.core.multiarray _reconstruct"]


def test_safe_load_rebuilds_the_batch():
    original = batch(3, 5)
    loaded = cifar10.safe_load(py2_pickle(original))
    assert loaded[b"labels"] == original[b"labels"] and loaded[b"filenames"] == original[b"filenames"]
    assert loaded[b"data"].dtype == np.uint8 and np.array_equal(loaded[b"data"], original[b"data"])


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


@pytest.mark.parametrize("payload", [Exploit(), {b"data": Exploit()}, [eval], pickle.loads])
def test_crafted_pickles_are_refused_before_anything_runs(payload):
    data = pickle.dumps(payload, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        cifar10.safe_load(data)


def test_refusal_names_the_global(monkeypatch):
    data = pickle.dumps(Exploit(), protocol=2)
    called = []
    monkeypatch.setattr(os, "system", lambda cmd: called.append(cmd))
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        cifar10.safe_load(data)
    assert called == []


def test_splits_as_the_authors_code(small):
    root, md5 = small
    train, train_labels = cifar10.load_cifar10("train", root, gcn=None, expected_md5=md5)
    valid, _ = cifar10.load_cifar10("valid", root, gcn=None, expected_md5=md5)
    test, test_labels = cifar10.load_cifar10("test", root, gcn=None, expected_md5=md5)
    full, full_labels = cifar10.load_cifar10("train_full", root, gcn=None, expected_md5=md5)
    assert train.shape == (4 * N, 3072) and valid.shape == (N, 3072) and test.shape == (N, 3072)
    assert torch.equal(full[:4 * N], train) and torch.equal(full[4 * N:], valid)
    expected = np.concatenate([batch(N, i * N)[b"data"] for i in range(1, 6)])
    assert torch.allclose(full, torch.from_numpy(expected.astype(np.float32)) / 255)
    assert full_labels[:3].tolist() == [0, 1, 2] and train.dtype == torch.float32
    assert 0 <= train.min() and train.max() <= 1


def test_gcn_is_applied_by_default(small):
    root, md5 = small
    images, _ = cifar10.load_cifar10("valid", root, expected_md5=md5)
    assert torch.allclose(images.norm(dim=1), torch.full((N,), 55.0), rtol=1e-4)


def test_archive_md5_is_checked_by_default(small):
    root, md5 = small
    assert md5 != cifar10.MD5
    with pytest.raises(ChecksumError, match=f"has MD5 {md5}, expected {cifar10.MD5}"):
        cifar10.load_cifar10("train", root)


def test_missing_archive_error_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        cifar10.load_cifar10("train", tmp_path)
    assert "GANLIB_DATA" in str(info.value) and "download_cifar10" in str(info.value)


def test_archive_with_a_malicious_batch_is_refused(tmp_path):
    path = write_archive(tmp_path / "cifar10", n=4, extra={"test_batch": pickle.dumps(Exploit(), protocol=2)})
    with pytest.raises(pickle.UnpicklingError):
        cifar10.load_cifar10("test", tmp_path, expected_md5=md5sum(path))


def test_bad_split_is_a_value_error(small):
    with pytest.raises(ValueError, match="split must be one of"):
        cifar10.load_cifar10("validation", small[0])


def test_archive_too_small_for_the_split_is_reported(tmp_path):
    path = write_archive(tmp_path / "cifar10", n=N)
    with pytest.raises(ChecksumError, match="needs 40000 images, the archive has 50"):
        cifar10.load_cifar10("train", tmp_path, expected_md5=md5sum(path))


def test_download_checks_the_md5_and_tries_the_next_url(tmp_path, small):
    root, md5 = small
    good = (root / "cifar10" / cifar10.ARCHIVE).resolve().as_uri()
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not cifar")
    path = cifar10.download_cifar10(tmp_path / "data", urls=(bad.as_uri(), good), expected_md5=md5)
    assert md5sum(path) == md5
    with pytest.raises(DatasetNotFoundError, match="does not match the known digest"):
        cifar10.download_cifar10(tmp_path / "other", urls=(bad.as_uri(),), expected_md5=md5)


def test_global_contrast_normalize_against_a_direct_computation():
    torch.manual_seed(0)
    x = torch.rand(5, 3072, dtype=torch.float64) * 255
    y = cifar10.global_contrast_normalize(x, 55.0)
    centred = x.numpy() - x.numpy().mean(axis=1, keepdims=True)
    expected = 55.0 * centred / np.sqrt((centred**2).sum(axis=1, keepdims=True))
    assert np.allclose(y.numpy(), expected)
    assert torch.allclose(y.mean(1), torch.zeros(5, dtype=torch.float64), atol=1e-12)
    # invariant to brightness and contrast: a x + b gives the same result for a > 0
    assert torch.allclose(cifar10.global_contrast_normalize(3 * x + 10, 55.0), y)


def test_global_contrast_normalize_leaves_constant_images_at_zero_and_checks_input():
    y = cifar10.global_contrast_normalize(torch.full((2, 12), 7.0))
    assert torch.equal(y, torch.zeros(2, 12))
    with pytest.raises(ValueError, match="scale must be positive"):
        cifar10.global_contrast_normalize(torch.ones(2, 3), 0.0)
    with pytest.raises(ValueError, match="x must be"):
        cifar10.global_contrast_normalize(torch.ones(3))


def test_for_display_maps_into_unit_range_channel_major():
    x = cifar10.global_contrast_normalize(torch.rand(4, 3072))
    img = cifar10.for_display(x)
    assert img.shape == (4, 3, 32, 32) and img.min() >= 0 and img.max() <= 1
    assert torch.allclose((img.view(4, -1) * 2 - 1).abs().amax(1), torch.ones(4))
    # channel-major: the first 1024 values are the red plane
    assert torch.equal(img[:, 0].reshape(4, -1), ((x / x.abs().amax(1, keepdim=True) + 1) / 2)[:, :1024])


def test_builders_make_trainers_on_the_written_archive(small):
    root, md5 = small
    fc = experiments.build("cifar10-fc", "cpu", root, hidden=16, units=8, expected_md5=md5, iterations=2,
                           log_every=1, batch_size=10)
    fc.run(progress=False)
    assert fc.data.shape == (4 * N, 3072) and fc.config.lr_d == 0.025 and len(fc.history["d_loss"]) == 2
    conv = experiments.build("cifar10-conv", "cpu", root, hidden=16, channels=4, d_channels=(4, 4, 4), units=4,
                             expected_md5=md5, iterations=1, batch_size=10)
    assert conv.data.shape == (4 * N, 3, 32, 32) and experiments.cifar10_conv_config().batch_size == 128
    assert conv.config.lr_g == 0.004
    with pytest.raises(ValueError, match=r"\['widht'\] are neither TrainConfig fields nor options of 'cifar10-fc'"):
        experiments.build("cifar10-fc", "cpu", root, widht=3)
