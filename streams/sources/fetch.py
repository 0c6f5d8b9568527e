"""Source files on disk: downloaded once into the cache and checked against the lock's sha256.

:func:`cached_source` looks in the index client's content-addressed cache first
(``cache_dir("index")/sha256/ab/abcdef...``), so files the lock step downloaded are not fetched
again, then in ``cache_dir("sources")``; a download is verified before it is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streams.errors import SourceError
from streams.infra import http
from streams.infra.fsutil import cache_dir
from streams.sources.choose import SourceKind, SourceRef, source_filename


@dataclass(frozen=True, slots=True)
class SourceFetch:
    """One file to fetch: where from, its expected sha256, and which distribution it is of."""

    filename: str
    url: str
    sha256: str
    kind: SourceKind
    dist: str

    @classmethod
    def of(cls, src: SourceRef, dist: str) -> SourceFetch:
        return cls(source_filename(src), src.url, src.sha256, src.kind, dist)


Fetcher = Callable[[SourceFetch], Path]
"""``fetch(source) -> path`` of the file; the default downloads into the cache."""


def sha256_file(path: Path) -> str:
    """The sha256 of ``path``, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_source(src: SourceFetch, *, offline: bool = False) -> Path:
    """The file of ``src`` in the cache, downloaded and verified when missing."""
    for candidate in (
        cache_dir("index") / "sha256" / src.sha256[:2] / src.sha256,
        cache_dir("sources") / src.sha256,
    ):
        if candidate.is_file():
            return candidate
    if offline:
        raise SourceError(
            f"{src.filename} is not in the cache (offline)",
            hint="run streams specgen once with network access",
        )
    target = cache_dir("sources") / src.sha256
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as fh:
        http.download(src.url, fh, service="source download")
    digest = sha256_file(tmp)
    if digest != src.sha256:
        tmp.unlink(missing_ok=True)
        raise SourceError(
            f"{src.filename}: downloaded file has sha256 {digest}, the lock says {src.sha256}",
            hint="the file on the index changed or the download was corrupted; re-lock",
        )
    tmp.replace(target)
    return target


def verified(fetch: Fetcher, src: SourceFetch) -> Path:
    """``fetch(src)``, refused unless the file has the sha256 the lock records."""
    path = fetch(src)
    if sha256_file(path) != src.sha256:
        raise SourceError(
            f"{src.filename}: the cached file does not match the lock's sha256 {src.sha256}",
            hint=f"delete {path} and run again; if it recurs, the index changed: re-lock",
        )
    return path
