"""Merging a reconciled build closure into the lock: build-only bundles and their edges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import NormalizedName

from streams.lock.build_section.classify import Edge, plain
from streams.lock.model import LockedPackage
from streams.lock.records import locked_package
from streams.solver.reconcile import Reconciliation


@dataclass
class Merged:
    """What one round added."""

    added: list[str] = field(default_factory=list)
    """Distributions newly bundled to build others (their own build requirements come next)."""
    edges: set[Edge] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def merge_build_closure(
    result: Reconciliation,
    packages: dict[str, LockedPackage],
    *,
    needs: Mapping[NormalizedName, Sequence[Requirement]],
    requirers: Mapping[NormalizedName, set[str]],
) -> Merged:
    """Add what ``result`` bundles to ``packages`` (in place) as build-only bundles.

    A distribution the lock already has keeps its locked version (with a warning when the
    build closure wanted another).  Runtime edges between the new bundles and build edges from
    each requirer to what it needs are returned with them.
    """
    out = Merged()
    for d in result.decisions:
        if d.origin != "bundle":
            continue
        have = packages.get(d.name)
        if have is not None:
            if have.origin == "bundle" and have.version == d.version:
                continue
            out.warnings.append(
                f"building {', '.join(sorted(requirers.get(d.name, {'the stream'})))} needs "
                f"{d.name} {d.version}, but the stream has {d.name} {have.version} "
                f"({have.origin}); the build uses {have.version}"
            )
            continue
        who = sorted(requirers.get(d.name, set())) or sorted(
            e.source for e in result.edges if e.target == d.name
        )
        packages[d.name] = locked_package(
            d,
            reason=f"bundled to build {', '.join(who) or 'the stream'} "
            f"({d.reason.removeprefix('bundled: ')})",
            build_only=True,
        )
        out.added.append(d.name)
    for e in result.edges:
        src, dst = packages.get(e.source), packages.get(e.target)
        if src is not None and dst is not None and src.build_only and dst.origin == "bundle":
            out.edges.add((e.source, e.target, e.requirement, "runtime"))
    for dep, names in requirers.items():
        if dep in packages and packages[dep].origin == "bundle":
            for n in names:
                if n != dep:
                    req_text = ", ".join(sorted({plain(r) for r in needs.get(dep, ())}))
                    out.edges.add((n, dep, req_text, "build"))
    return out
