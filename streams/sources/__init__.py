"""Source inspection: which file a bundled distribution is built from, fetching it, and what
is in it (build system, native code, metadata, shared libraries).

Both the lock (its build section reads build requirements) and specgen (summaries, licenses,
console scripts) ask this room; neither reaches into the other.

* :mod:`.choose` -- the sdist, or the wheel that fits the target best (pure).
* :mod:`.fetch` -- downloads into the cache, checked against the lock's sha256.
* :mod:`.inspect` -- reading sdists and wheels without unpacking them.
* :mod:`.native` -- whether an sdist's default build makes compiled code, and its compilers.
* :mod:`.backend` -- asking the build backend (PEP 517 ``get_requires_for_build_wheel``).
* :mod:`.model` -- :class:`BuildInfo` and :class:`SourceInfo`.
* :mod:`.store` -- the content-addressed :class:`SourceInfoStore`.
* :mod:`.vendor` -- an sdist's Rust crates vendored into a reproducible tarball.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from streams.errors import SourceError
from streams.sources.backend import BackendAnswer, BackendAsker, BackendSettings, ask_backend
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
from streams.sources.native import refine
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
    "Asker",
    "BackendAnswer",
    "BackendAsker",
    "BackendSettings",
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
    "ask_backend",
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


Asker = Callable[[Path, BuildInfo], BackendAnswer]
"""``ask(sdist, build)``: what the sdist's backend asks beyond its static requirements."""


def inspect_source(
    src: SourceRef,
    *,
    dist: str,
    version: str,
    store: SourceInfoStore,
    fetch: Fetcher = cached_source,
    ask: Asker | None = None,
) -> SourceInfo:
    """What ``src`` (a file of ``dist`` ``version``) contains: from ``store``, else read once.

    A file whose info is not stored is fetched (``fetch``, default :func:`cached_source`),
    checked against its sha256, read, and its info stored for next time.  With ``ask``, an
    sdist whose backend has not been asked yet (:attr:`BuildInfo.dynamic` is None) is asked
    (:func:`ask_backend`) and the answer stored with it; an sdist that cannot be fetched for
    that (offline) keeps its stored info, with the reason in ``dynamic_error``.
    """
    info = store.get(src.sha256)
    wants_hook = ask is not None and src.kind == "sdist"
    if info is not None and not (wants_hook and info.build and info.build.dynamic is None):
        return info
    try:
        path = verified(fetch, SourceFetch.of(src, dist))
    except SourceError as exc:
        if info is None or info.build is None:
            raise
        build = replace(info.build, dynamic_error=f"not asked: {exc.message}")
        return replace(info, build=build)
    fresh = info is None
    if info is None:
        info = read_source_info(path, src.kind, dist, version)
    static = info.build
    if ask is not None and static is not None and static.dynamic is None:
        answer = ask(path, static)
        if answer.error:
            build = replace(static, dynamic_error=answer.error, dynamic_python=answer.python)
            info = replace(info, build=build)
            fresh = True  # stored without the answer: asked again next time
        else:
            build = refine(
                replace(
                    static, dynamic=answer.requires, dynamic_error="", dynamic_python=answer.python
                )
            )
            info = replace(info, build=build)
            store.put(src.sha256, info)
            return info
    if fresh:
        store.put(src.sha256, replace(info, build=_unasked(info.build)))
    return info


def _unasked(build: BuildInfo | None) -> BuildInfo | None:
    return None if build is None else replace(build, dynamic_error="", dynamic_python="")
