"""Solver decisions as lock records: the lock's packages and edges (pure)."""

from __future__ import annotations

from streams.lock.model import LockedEdge, LockedPackage, LockedSource
from streams.solver.model import Decision
from streams.solver.reconcile import Reconciliation


def locked_sources(d: Decision) -> tuple[LockedSource, ...]:
    """The upstream files of a decision, as the lock records them."""
    return tuple(
        LockedSource(kind=s.kind, url=s.url, sha256=s.sha256, filename=s.filename)
        for s in d.sources
    )


def locked_package(
    d: Decision,
    *,
    sources: tuple[LockedSource, ...] | None = None,
    reason: str | None = None,
    build_only: bool = False,
) -> LockedPackage:
    """The lock's record of ``d``; ``sources`` default to the decision's own for bundles."""
    if sources is None:
        sources = locked_sources(d) if d.origin == "bundle" else ()
    return LockedPackage(
        name=d.name,
        version=d.version,
        origin=d.origin,
        rpm=d.rpm,
        evr=d.evr,
        reason=d.reason if reason is None else reason,
        repo=d.repo,
        requires=d.requires,
        extras=d.extras,
        sources=sources,
        build_only=build_only,
    )


def locked_edges(result: Reconciliation) -> tuple[LockedEdge, ...]:
    """The runtime edges of a reconciliation."""
    return tuple(
        LockedEdge(source=e.source, target=e.target, requirement=e.requirement)
        for e in result.edges
    )
