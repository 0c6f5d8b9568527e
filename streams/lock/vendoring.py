"""The lock's vendored crates: every bundled sdist that builds Rust crates gets a vendor tarball.

Vendoring happens at lock time, not at build or specgen time: the lock records the tarball's
sha256 (:class:`~streams.lock.model.LockedVendor`), so every later step (specgen copying it
into ``SOURCES/``, a Copr or Koji build from the SRPM) uses exactly the crates that were
locked, and a tarball made again from the sdist (a fresh cache) is refused unless it is the
same.  It needs the crate registry once, like resolving needs the index.

Which sdists: those built from an sdist (not a wheel) whose build info says they compile
native code or use a Rust build backend (maturin, setuptools-rust); each is opened and its
Cargo manifests found (:func:`streams.sources.vendor.find_cargo_project`).  Where crates come
from is ``STREAMS_CARGO_REGISTRY`` (:class:`~streams.sources.vendor.CrateRegistry`): unset
means crates.io, a directory means a local directory registry, ``none`` vendors nothing.
``streams lock --offline`` vendors only from a directory registry; with crates.io it leaves
the crates out (specgen warns), so an offline lock never depends on what a cache happens to
hold.
"""

from __future__ import annotations

import logging

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import LockError, SourceError
from streams.lock.context import LockContext
from streams.lock.model import LockedPackage, LockedTarget, LockedVendor
from streams.sources import (
    CrateRegistry,
    SourceFetch,
    choose_source,
    find_cargo_project,
    inspect_source,
    vendor_crates,
    verified,
)

__all__ = ["RUST_BACKENDS", "add_vendored_crates", "builds_rust"]

log = logging.getLogger(__name__)

RUST_BACKENDS = frozenset({"maturin", "setuptools-rust"})
"""Build requirements that compile Rust crates (normalised names)."""


def builds_rust(requires: tuple[str, ...] | list[str]) -> bool:
    """True when one of ``requires`` (PEP 508) is a Rust build backend."""
    for text in requires:
        try:
            if canonicalize_name(Requirement(text).name) in RUST_BACKENDS:
                return True
        except InvalidRequirement:
            continue
    return False


def add_vendored_crates(
    target: LockedTarget, ctx: LockContext, *, registry: CrateRegistry | None = None
) -> LockedTarget:
    """``target`` with :attr:`LockedPackage.vendor` set for every bundled sdist with crates.

    Raises :class:`LockError` (exit 2) when crates cannot be vendored: the message names the
    sdist and the crates cargo could not get, the hint how to point at a registry.
    """
    registry = registry or CrateRegistry.from_env()
    out: list[LockedPackage] = []
    for pkg in target.package:
        out.append(_vendored(pkg, ctx, registry))
    return target.model_copy(update={"package": tuple(out)})


def _vendored(pkg: LockedPackage, ctx: LockContext, registry: CrateRegistry) -> LockedPackage:
    if pkg.origin != "bundle":
        return pkg
    wanted = ctx.recipe.package_settings(pkg.name).source
    src, _note = choose_source(pkg, wanted, ctx.python, ctx.target.arch)
    if src.kind != "sdist":
        return pkg
    dist = str(canonicalize_name(pkg.name))
    try:
        info = inspect_source(src, dist=dist, version=pkg.version, store=ctx.store, fetch=ctx.fetch)
    except SourceError as exc:
        raise LockError(
            f"cannot tell whether {pkg.name} {pkg.version} builds Rust crates: {exc.message}",
            hint="run without --offline once (the sdist is downloaded and cached), or give "
            "recorded build info with --seed DIR",
        ) from exc
    requires = pkg.build_requires or (info.build.requires if info.build else ())
    rust = builds_rust(requires)
    if info.pure and not rust:
        return pkg  # no compiled code: no crates
    if not registry.enabled or (ctx.options.offline and not registry.offline):
        if rust:
            why = "STREAMS_CARGO_REGISTRY=none" if not registry.enabled else "--offline"
            log.warning(
                "%s %s: its Rust crates are not vendored (%s); its build will need the "
                "crate registry",
                pkg.name,
                pkg.version,
                why,
            )
        return pkg
    try:
        path = verified(ctx.fetch, SourceFetch.of(src, dist))
        project = find_cargo_project(path, name=src.filename or None)
        if project is None:
            return pkg
        made = vendor_crates(
            path,
            project,
            dist=dist,
            version=pkg.version,
            registry=registry,
            label=src.filename or None,
        )
    except SourceError as exc:
        raise LockError(
            f"{pkg.name} {pkg.version}: {exc.message}",
            hint=exc.hint,
        ) from exc
    vendor = LockedVendor(
        filename=made.filename,
        sha256=made.sha256,
        sdist_sha256=src.sha256,
        manifests=made.manifests,
        crates=made.crates,
        registry="directory" if registry.directory is not None else "crates-io",
    )
    return pkg.model_copy(update={"vendor": vendor})
