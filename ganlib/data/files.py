"""Finding, checking and fetching data files, shared by the MNIST, Olivetti and CIFAR-10 loaders.

A file is looked for in a data directory (an argument, else $GANLIB_DATA, else ./data), checked against a
known digest, and never silently replaced: a missing file raises DatasetNotFoundError saying how to get it,
a wrong one ChecksumError naming it. Downloads go to a temporary file that is kept only if its digest matches.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path
from typing import Callable

DATA_ENV = "GANLIB_DATA"


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is missing; the message says how to get it."""


class ChecksumError(ValueError):
    """A data file is present but is not the file it should be."""


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else $GANLIB_DATA, else ./data."""
    return Path(data_dir or os.environ.get(DATA_ENV) or "data").expanduser()


def file_digest(path: Path, algorithm: str = "md5") -> str:
    """The hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def md5sum(path: Path) -> str:
    return file_digest(path, "md5")


def find_data_files(data_dir: str | os.PathLike | None, filenames: tuple[str, ...], subfolders: tuple[str, ...],
                    dataset: str, download_call: str) -> Path:
    """The first folder <root>/<subfolder> ("" is the root itself) that holds every one of `filenames`, or a
    DatasetNotFoundError (one line) naming the missing files (those a partial copy lacks, if there is one) and
    both ways to get them: a data directory, or `download_call` (needs internet)."""
    root = data_root(data_dir)
    candidates = [root / sub for sub in subfolders]
    for folder in candidates:
        if all((folder / name).is_file() for name in filenames):
            return folder
    partial = [(folder, [n for n in filenames if not (folder / n).is_file()]) for folder in candidates
               if any((folder / n).is_file() for n in filenames)]
    if partial:
        folder, missing = min(partial, key=lambda pair: len(pair[1]))
        where = f"{dataset} is incomplete: {folder} lacks {', '.join(missing)}"
    else:
        missing = list(filenames)
        where = f"{dataset} not found: looked for {', '.join(filenames)} in {', '.join(str(c) for c in candidates)}"
    them = "it" if len(missing) == 1 else "them"
    raise DatasetNotFoundError(
        f"{where}. Either point ganlib at a folder that has {them} (data_dir=... or the environment variable "
        f"{DATA_ENV}, e.g. {DATA_ENV}=../shared/data), or download {them} with checksum checks: "
        f"`{download_call}` (needs internet)."
    )


def find_data_file(data_dir: str | os.PathLike | None, filename: str, subfolders: tuple[str, ...],
                   dataset: str, download_call: str) -> Path:
    """<root>/<subfolder>/<filename> for the first subfolder that has it (find_data_files for one file)."""
    return find_data_files(data_dir, (filename,), subfolders, dataset, download_call) / filename


def fetch_verified(urls: tuple[str, ...], target: Path, is_valid: Callable[[Path], bool], dataset: str) -> Path:
    """Download `target` from the first URL whose file passes `is_valid`; raise DatasetNotFoundError listing
    every URL's failure otherwise. Nothing unverified is ever left at `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        tmp = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
            if not is_valid(tmp):
                raise ChecksumError(f"{url} does not match the known digest of {target.name}")
            os.replace(tmp, target)
            return target
        except (OSError, ChecksumError) as exc:
            tmp.unlink(missing_ok=True)
            errors.append(f"{url}: {exc}")
    raise DatasetNotFoundError(f"could not download {dataset}:\n" + "\n".join(errors))
