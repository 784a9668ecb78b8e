"""MNIST from a data directory: the real files, the paper's splits, checksums and clear errors."""
import gzip
import shutil

import numpy as np
import pytest
import torch

from ganlib.data import files, mnist

REAL = files.data_root()
HAVE_REAL = any((REAL / sub / "train-images-idx3-ubyte.gz").is_file() for sub in ("mnist", "MNIST/raw", "."))


@pytest.mark.skipif(not HAVE_REAL, reason="no MNIST under $GANLIB_DATA (CI points it at ../shared/data)")
def test_real_mnist_splits_as_the_authors_code():
    train, train_labels = mnist.load_mnist("train")
    valid, _ = mnist.load_mnist("valid")
    test, test_labels = mnist.load_mnist("test")
    assert train.shape == (50_000, 784) and valid.shape == (10_000, 784) and test.shape == (10_000, 784)
    assert train.dtype == torch.float32 and train.min() == 0 and train.max() == 1
    assert train_labels[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]  # the canonical first digits
    assert test_labels[:4].tolist() == [7, 2, 1, 0]
    full, _ = mnist.load_mnist("train_full")
    assert torch.equal(full[50_000:], valid)


def test_missing_dataset_error_names_both_ways_to_get_it(tmp_path):
    with pytest.raises(files.DatasetNotFoundError) as info:
        mnist.load_mnist("train", data_dir=tmp_path)
    message = str(info.value)
    assert "GANLIB_DATA" in message and "download-mnist" in message and str(tmp_path) in message


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    write_idx(tmp_path / "x.gz", array)
    assert (mnist.read_idx(tmp_path / "x.gz") == array).all()


@pytest.mark.skipif(not HAVE_REAL, reason="needs the real files to copy")
def test_corrupted_file_fails_its_checksum_with_the_file_named(tmp_path):
    folder = tmp_path / "MNIST" / "raw"
    shutil.copytree(mnist.find_mnist_dir(), folder)
    target = folder / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-100])  # truncated
    with pytest.raises(files.ChecksumError, match="train-labels-idx1-ubyte.gz has MD5 .* truncated or corrupted"):
        mnist.load_mnist("train", data_dir=tmp_path)


@pytest.mark.skipif(not HAVE_REAL, reason="needs the real files as a local mirror")
def test_download_checks_md5_and_falls_back_to_the_next_mirror(tmp_path):
    good = mnist.find_mnist_dir().resolve().as_uri() + "/"
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in mnist.FILES:
        (bad / name).write_bytes(b"not mnist")
    folder = mnist.download_mnist(tmp_path / "data", mirrors=(bad.as_uri() + "/", good))
    assert sorted(p.name for p in folder.iterdir()) == sorted(mnist.FILES)
    assert mnist.load_mnist("test", data_dir=tmp_path / "data")[0].shape == (10_000, 784)
    with pytest.raises(files.DatasetNotFoundError, match="does not match the known digest"):
        mnist.download_mnist(tmp_path / "other", mirrors=(bad.as_uri() + "/",))


def test_embedded_subset_is_5000_real_digits():
    images, labels = mnist.mnist_subset()
    assert images.shape == (5000, 784) and 0 <= images.min() and images.max() == 1
    assert sorted(labels.unique().tolist()) == list(range(10))
