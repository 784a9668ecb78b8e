"""ensure_mnist and ensure_olivetti: found where the reader says, else in ./data or the cache, else downloaded
with checksums."""
import os
import shutil
from pathlib import Path

import pytest

from ganlib.data import olivetti
from ganlib.data.ensure import cache_root, ensure_mnist, ensure_olivetti
from ganlib.data.files import DATA_ENV, ChecksumError, DatasetNotFoundError
from ganlib.data.mnist import FILES, find_mnist_dir


@pytest.fixture(scope="module")
def real_mnist():
    try:
        return find_mnist_dir()
    except DatasetNotFoundError:
        pytest.skip(f"real MNIST not found (set {DATA_ENV})")


@pytest.fixture(scope="module")
def real_olivetti():
    try:
        path = olivetti.find_olivetti_file()
    except DatasetNotFoundError:
        pytest.skip(f"the real Olivetti faces not found (set {DATA_ENV})")
    olivetti.verify_olivetti(path)
    return path


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


def test_olivetti_in_the_folder_the_reader_names_is_used_and_never_downloaded_into(real_olivetti, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(real_olivetti.parent))
    assert ensure_olivetti(urls=()) == real_olivetti.parent
    assert olivetti.load_olivetti(ensure_olivetti(urls=()))[0].shape == (400, 4096)
    monkeypatch.delenv(DATA_ENV)
    with pytest.raises(DatasetNotFoundError, match="Olivetti"):
        ensure_olivetti(tmp_path / "empty", urls=("file:///nonexistent/olivettifaces.mat",))
    assert not (tmp_path / "empty").exists()


def test_olivetti_downloads_into_the_cache_with_checksums_only_when_absent(real_olivetti, no_data):
    bad = no_data / "not-faces.mat"
    bad.write_bytes(b"not faces")
    folder = ensure_olivetti(urls=(bad.as_uri(), real_olivetti.resolve().as_uri()))  # the first fails its digest
    assert folder == cache_root() / "olivetti" and folder.is_relative_to(no_data)
    assert sorted(p.name for p in folder.iterdir()) == [olivetti.FILENAME]
    assert os.environ[DATA_ENV] == str(cache_root().resolve())
    assert olivetti.load_olivetti()[0].shape == (400, 4096)  # later calls without data_dir find it
    os.environ.pop(DATA_ENV)
    assert ensure_olivetti(urls=()) == folder  # found in the cache: no second download


def test_olivetti_in_a_local_data_folder_wins_over_the_cache(real_olivetti, no_data):
    (no_data / "data" / "olivetti").mkdir(parents=True)
    shutil.copy(real_olivetti, no_data / "data" / "olivetti" / olivetti.FILENAME)
    shutil.copytree(real_olivetti.parent, cache_root() / "olivetti")
    assert ensure_olivetti(urls=()).resolve() == (no_data / "data" / "olivetti").resolve()
    assert os.environ[DATA_ENV] == str((no_data / "data").resolve())


def test_olivetti_not_downloaded_when_forbidden_or_impossible_and_corruption_reported(real_olivetti, no_data):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        ensure_olivetti(download=False)
    with pytest.raises(DatasetNotFoundError, match="could not download"):
        ensure_olivetti(urls=((no_data / "nowhere.mat").as_uri(),))
    assert not (cache_root() / "olivetti" / olivetti.FILENAME).exists()
    victim = cache_root() / "olivetti" / olivetti.FILENAME
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_bytes(real_olivetti.read_bytes()[:-10])
    with pytest.raises(ChecksumError, match="olivettifaces.mat"):
        ensure_olivetti(urls=(real_olivetti.resolve().as_uri(),))
    assert victim.stat().st_size < real_olivetti.stat().st_size


def test_mnist_then_olivetti_in_one_process_both_download(real_mnist, real_olivetti, no_data):
    """The $GANLIB_DATA that ensure_mnist set for the cache is not taken for the reader's choice."""
    ensure_mnist(mirrors=(real_mnist.resolve().as_uri() + "/",))
    assert ensure_olivetti(urls=(real_olivetti.resolve().as_uri(),)) == cache_root() / "olivetti"
    assert os.environ[DATA_ENV] == str(cache_root().resolve())


@pytest.mark.parametrize("kwargs", [{"download": "yes"}, {"urls": "https://example.org/olivettifaces.mat"}])
def test_olivetti_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ensure_olivetti(**kwargs)
