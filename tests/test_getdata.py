"""ensure_mnist: found where the reader says, else in ./data or the cache, else downloaded with checksums."""
import os
import shutil
from pathlib import Path

import pytest

from ganlib.getdata import cache_root, ensure_mnist
from ganlib.mnist import DATA_ENV, FILES, ChecksumError, DatasetNotFoundError, find_mnist_dir


@pytest.fixture(scope="module")
def real_mnist():
    try:
        return find_mnist_dir()
    except DatasetNotFoundError:
        pytest.skip(f"real MNIST not found (set {DATA_ENV})")


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """A working directory without ./data, no $GANLIB_DATA, and an empty cache."""
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setenv("GANLIB_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_folder_the_reader_names_is_used_and_never_downloaded_into(real_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(real_mnist))
    assert ensure_mnist(mirrors=()) == real_mnist
    monkeypatch.delenv(DATA_ENV)
    with pytest.raises(DatasetNotFoundError):
        ensure_mnist(tmp_path / "empty", mirrors=("file:///nonexistent/",))
    assert not (tmp_path / "empty").exists()


def test_downloads_into_the_cache_with_checksums_only_when_absent(real_mnist, no_data):
    mirror = real_mnist.resolve().as_uri() + "/"
    folder = ensure_mnist(mirrors=(mirror,))
    assert folder == cache_root() / "MNIST" / "raw" and folder.is_relative_to(no_data)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert os.environ[DATA_ENV] == str(cache_root().resolve())  # later calls without data_dir find it
    os.environ.pop(DATA_ENV)
    assert ensure_mnist(mirrors=()) == folder  # found in the cache: no second download


def test_a_local_data_folder_wins_over_the_cache(real_mnist, no_data):
    shutil.copytree(real_mnist, no_data / "data" / "mnist")
    assert ensure_mnist(mirrors=()).resolve() == (no_data / "data" / "mnist").resolve()


def test_no_download_when_forbidden_or_impossible(no_data):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        ensure_mnist(download=False)
    with pytest.raises(DatasetNotFoundError, match="could not download"):
        ensure_mnist(mirrors=((no_data / "nowhere").as_uri() + "/",))


def test_a_corrupted_copy_is_reported_not_replaced(real_mnist, no_data):
    folder = Path(shutil.copytree(real_mnist, cache_root() / "MNIST" / "raw"))
    victim = folder / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-10])
    with pytest.raises(ChecksumError, match="t10k-labels"):
        ensure_mnist(mirrors=(real_mnist.as_uri() + "/",))
    assert victim.stat().st_size < (real_mnist / victim.name).stat().st_size


@pytest.mark.parametrize("kwargs", [{"download": "yes"}, {"mirrors": "https://example.org/"}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ensure_mnist(**kwargs)
