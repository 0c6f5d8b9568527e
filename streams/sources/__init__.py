"""Source inspection: which file a bundled distribution is built from, fetching it, and what
is in it (build system, native code, metadata, shared libraries).

Both the lock (its build section reads build requirements) and specgen (summaries, licenses,
console scripts) ask this room; neither reaches into the other.

* :mod:`.choose` -- the sdist, or the wheel that fits the target best (pure).
* :mod:`.fetch` -- downloads into the cache, checked against the lock's sha256.
* :mod:`.inspect` -- reading sdists and wheels without unpacking them.
* :mod:`.model` -- :class:`BuildInfo` and :class:`SourceInfo`.
* :mod:`.store` -- the content-addressed :class:`SourceInfoStore`.
* :mod:`.vendor` -- an sdist's Rust crates vendored into a reproducible tarball.
"""

from __future__ import annotations

from streams.sources.choose import (
    Distribution,
    SourceKind,
    SourceRef,
    choose_source,
    source_filename,
    target_tags,
)
from streams.sources.fetch import Fetcher, SourceFetch, cached_source, sha256_file, verified
from streams.sources.inspect import read_build_info, read_source_info
from streams.sources.model import LEGACY_BACKEND, LEGACY_REQUIRES, BuildInfo, SourceInfo
from streams.sources.store import SourceInfoStore
from streams.sources.vendor import (
    CrateRegistry,
    VendorFetch,
    cached_vendor,
    find_cargo_project,
    vendor_crates,
)

__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "BuildInfo",
    "CrateRegistry",
    "Distribution",
    "Fetcher",
    "SourceFetch",
    "SourceInfo",
    "SourceInfoStore",
    "SourceKind",
    "SourceRef",
    "VendorFetch",
    "cached_source",
    "cached_vendor",
    "choose_source",
    "find_cargo_project",
    "inspect_source",
    "read_build_info",
    "read_source_info",
    "sha256_file",
    "source_filename",
    "target_tags",
    "vendor_crates",
    "verified",
]


def inspect_source(
    src: SourceRef,
    *,
    dist: str,
    version: str,
    store: SourceInfoStore,
    fetch: Fetcher = cached_source,
) -> SourceInfo:
    """What ``src`` (a file of ``dist`` ``version``) contains: from ``store``, else read once.

    A file whose info is not stored is fetched (``fetch``, default :func:`cached_source`),
    checked against its sha256, read, and its info stored for next time.
    """
    info = store.get(src.sha256)
    if info is None:
        path = verified(fetch, SourceFetch.of(src, dist))
        info = read_source_info(path, src.kind, dist, version)
        store.put(src.sha256, info)
    return info
