"""Make sure a notebook has its data, wherever it runs (CI, a laptop, Colab).

`ensure_mnist()` is what an MNIST chapter calls in its setup cell. It returns the folder holding the four
MNIST files, each checked against its MD5 sum (ganlib.mnist.FILES), and downloads them only when the reader
did not say where the data is and no copy is found. `ensure_olivetti()` does the same for the Olivetti faces
(olivettifaces.mat, checked against ganlib.olivetti.DIGESTS, fetched from ganlib.olivetti.URLS, the first of
which is the file scikit-learn's fetch_olivetti_faces downloads) and returns the folder that holds it:

1. `data_dir=` or $GANLIB_DATA given: the files must be there; a DatasetNotFoundError says how to get them
   (a place the reader chose is never written to behind their back).
2. Else ./data, then the cache folder ($GANLIB_CACHE, else $XDG_CACHE_HOME/ganlib, else ~/.cache/ganlib).
3. Else, with `download=True`, the files are fetched into the cache folder from the mirrors in
   ganlib.mnist.MIRRORS, each checked against its MD5 sum before it is kept.

When the files come from ./data or the cache, $GANLIB_DATA is set to that place for the rest of the process,
so that functions called later without a data_dir (e.g. `experiments.build("mnist")`, `olivetti.faces`) find
the same files. A $GANLIB_DATA set that way is not taken for the reader's choice by a later ensure_* call, so a
notebook may ensure MNIST and then the faces (or the reverse) in one process.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ganlib.data.files import DATA_ENV, DatasetNotFoundError
from ganlib.data.mnist import FILES, MIRRORS, download_mnist, find_mnist_dir, verify_file
from ganlib.data.olivetti import URLS as OLIVETTI_URLS
from ganlib.data.olivetti import download_olivetti, find_olivetti_file, verify_olivetti

CACHE_ENV = "GANLIB_CACHE"
_set_here: str | None = None  # the value this module gave $GANLIB_DATA (not the reader's choice)


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


def _check_arguments(download: object, sources: object, name: str) -> None:
    if not isinstance(download, bool):
        raise ValueError(f"download must be True or False, got {download!r}")
    if isinstance(sources, str) or not all(isinstance(m, str) for m in sources):
        raise ValueError(f"{name} must be a tuple of URLs (strings), got {sources!r}")


def _reader_chose(data_dir: str | os.PathLike | None) -> bool:
    """True if the reader named a data folder: data_dir, or a $GANLIB_DATA that this module did not set."""
    value = os.environ.get(DATA_ENV)
    return data_dir is not None or (bool(value) and value != _set_here)


def _remember(root: Path) -> None:
    global _set_here
    _set_here = os.environ[DATA_ENV] = str(root.resolve())


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
    _check_arguments(download, mirrors, "mirrors")
    return _ensure(data_dir, download, lambda folder: _verified(find_mnist_dir(folder)),
                   lambda: _verified(download_mnist(cache_root(), mirrors=mirrors)),
                   f"MNIST not found in ./data or {cache_root()}, and download=False. Set {DATA_ENV} to a folder "
                   f"that holds the four files, or call ensure_mnist() with download=True (needs internet).")


def ensure_olivetti(data_dir: str | os.PathLike | None = None, *, download: bool = True,
                    urls: tuple[str, ...] = OLIVETTI_URLS) -> Path:
    """The folder with olivettifaces.mat (digest-checked), downloading it into the cache only when absent.

    The same rules as ensure_mnist: a folder the reader named (`data_dir` or $GANLIB_DATA) must hold the file
    (<folder>/olivetti/ or <folder>/) and is never written to; else ./data, then the cache folder; else, with
    `download=True`, the file is fetched into <cache>/olivetti/ from `urls` in order (scikit-learn's figshare
    copy first), and kept only if its MD5 or SHA-256 is a known one (ganlib.olivetti.DIGESTS). The folder
    returned can be passed as `data_dir` to load_olivetti.

    Raises DatasetNotFoundError when the file is not found and may not be downloaded, ChecksumError when it is
    present but corrupted (it is never silently replaced).
    """
    _check_arguments(download, urls, "urls")
    return _ensure(data_dir, download, _verified_olivetti_folder,
                   lambda: download_olivetti(cache_root(), urls=urls).parent,
                   f"the Olivetti faces not found in ./data or {cache_root()}, and download=False. Set {DATA_ENV} to "
                   f"a folder that holds olivettifaces.mat, or call ensure_olivetti() with download=True (needs "
                   f"internet).")


def _verified_olivetti_folder(folder: str | os.PathLike | None) -> Path:
    path = find_olivetti_file(folder)
    verify_olivetti(path)
    return path.parent


def _ensure(data_dir: str | os.PathLike | None, download: bool, locate: Callable[[str | os.PathLike | None], Path],
            fetch: Callable[[], Path], missing: str) -> Path:
    """The rules both ensure_* follow: the reader's folder if named (never written to); else ./data, then the
    cache; else download into the cache, or raise DatasetNotFoundError(missing) when download is False."""
    if _reader_chose(data_dir):
        return locate(data_dir)
    for root in (Path("data"), cache_root()):
        try:
            found = locate(root)
        except DatasetNotFoundError:
            continue
        _remember(root)
        return found
    if not download:
        raise DatasetNotFoundError(missing)
    found = fetch()
    _remember(cache_root())
    return found
