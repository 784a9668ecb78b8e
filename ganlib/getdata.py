"""Make sure a notebook has its data, wherever it runs (CI, a laptop, Colab).

`ensure_mnist()` is what an MNIST chapter calls in its setup cell. It returns the folder holding the four
MNIST files, each checked against its MD5 sum (ganlib.mnist.FILES), and downloads them only when the reader
did not say where the data is and no copy is found:

1. `data_dir=` or $GANLIB_DATA given: the files must be there; a DatasetNotFoundError says how to get them
   (a place the reader chose is never written to behind their back).
2. Else ./data, then the cache folder ($GANLIB_CACHE, else $XDG_CACHE_HOME/ganlib, else ~/.cache/ganlib).
3. Else, with `download=True`, the files are fetched into the cache folder from the mirrors in
   ganlib.mnist.MIRRORS, each checked against its MD5 sum before it is kept.

When the files come from ./data or the cache, $GANLIB_DATA is set to that place for the rest of the process,
so that functions called later without a data_dir (e.g. `experiments.build("mnist")`) find the same files.
"""
from __future__ import annotations

import os
from pathlib import Path

from .mnist import DATA_ENV, FILES, MIRRORS, DatasetNotFoundError, download_mnist, find_mnist_dir, verify_file

CACHE_ENV = "GANLIB_CACHE"


def cache_root() -> Path:
    """Where downloaded datasets go: $GANLIB_CACHE, else $XDG_CACHE_HOME/ganlib, else ~/.cache/ganlib."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "ganlib"


def _verified(folder: Path) -> Path:
    for name in FILES:
        verify_file(folder / name)
    return folder


def ensure_mnist(data_dir: str | os.PathLike | None = None, *, download: bool = True,
                 mirrors: tuple[str, ...] = MIRRORS) -> Path:
    """The folder with the four MNIST files (MD5-checked), downloading them into the cache only when absent.

    Parameters
    ----------
    data_dir: a folder chosen by the reader; when given (or when $GANLIB_DATA is set) nothing is downloaded.
    download: whether to fetch the files when no copy is found (False raises DatasetNotFoundError instead).
    mirrors: base URLs to fetch from, in order (tests pass a file:// URL).

    Raises DatasetNotFoundError when the files are not found and may not be downloaded, ChecksumError when a
    file is present but corrupted (it is never silently replaced).
    """
    if not isinstance(download, bool):
        raise ValueError(f"download must be True or False, got {download!r}")
    if isinstance(mirrors, str) or not all(isinstance(m, str) for m in mirrors):
        raise ValueError(f"mirrors must be a tuple of base URLs (strings), got {mirrors!r}")
    if data_dir is not None or os.environ.get(DATA_ENV):
        return _verified(find_mnist_dir(data_dir))
    for root in (Path("data"), cache_root()):
        try:
            folder = _verified(find_mnist_dir(root))
        except DatasetNotFoundError:
            continue
        os.environ[DATA_ENV] = str(root.resolve())
        return folder
    if not download:
        raise DatasetNotFoundError(
            f"MNIST not found in ./data or {cache_root()}, and download=False. Set {DATA_ENV} to a folder "
            f"that holds the four files, or call ensure_mnist() with download=True (needs internet).")
    folder = download_mnist(cache_root(), mirrors=mirrors)
    os.environ[DATA_ENV] = str(cache_root().resolve())
    return _verified(folder)
