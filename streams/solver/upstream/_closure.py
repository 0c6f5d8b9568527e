"""Stage 3: each pin's core metadata from the index client, and its applicable requirements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from packaging.requirements import Requirement
from packaging.utils import (
    NormalizedName,
    canonicalize_name,
)

from streams.errors import (
    ServiceError,
    StreamsError,
)
from streams.solver.index import CoreMetadata, DistFile, IndexClient, Reporter
from streams.solver.pydeps import environment, parse_requirements, without_marker
from streams.solver.upstream._pylock import PylockPackage


def fetch_metadata(
    clients: Sequence[IndexClient],
    packages: Sequence[PylockPackage],
    reporter: Reporter,
    workers: int,
) -> dict[NormalizedName, CoreMetadata]:
    """Core metadata of each package, preferring the very wheel uv picked.

    The cache is asked first by that wheel's sha256, so a warm run reads no index page at all.
    Errors are collected and raised together.
    """
    results: dict[NormalizedName, CoreMetadata] = {}
    failures: dict[NormalizedName, Exception] = {}

    def one(pkg: PylockPackage) -> None:
        try:
            results[pkg.name] = _metadata_of(clients, pkg)
        except Exception as exc:  # collected, re-raised below
            failures[pkg.name] = exc
        finally:
            reporter.advanced(f"{pkg.name} {pkg.version}")

    reporter.started(len(packages))
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="md") as pool:
            list(pool.map(one, packages))
    finally:
        reporter.finished()
    if failures:
        first = failures[min(failures)]
        if len(failures) == 1 and isinstance(first, StreamsError):
            raise first
        lines = [
            f"{name}: {getattr(exc, 'message', None) or exc}"
            for name, exc in sorted(failures.items())
        ]
        err = ServiceError(
            f"no core metadata for {len(failures)} pinned distribution(s): " + "; ".join(lines),
            service=clients[0].service,
            url=clients[0].index_url,
            hint=first.hint if isinstance(first, StreamsError) else None,
        )
        raise err from first
    return results


def _metadata_of(clients: Sequence[IndexClient], pkg: PylockPackage) -> CoreMetadata:
    wheels = [s for s in pkg.sources if s.kind == "wheel"]
    ordered = wheels + [s for s in pkg.sources if s.kind != "wheel"]
    for s in ordered:
        if s.sha256:
            cached = clients[0].cache.get_metadata(s.sha256)
            if cached is not None:
                return cached
    last: ServiceError | None = None
    for client in clients:
        try:
            project = client.project(pkg.name)
        except ServiceError as exc:
            if exc.status == 404 and client is not clients[-1]:
                last = exc
                continue
            raise
        by_name = {f.filename: f for f in project.files}
        prefer: DistFile | None = None
        for s in ordered:
            prefer = by_name.get(s.filename)
            if prefer is not None:
                break
        return client.metadata(pkg.name, pkg.version, prefer=prefer)
    assert last is not None
    raise last


def _top_extras(top: Sequence[Requirement], env: dict[str, str]) -> dict[NormalizedName, set[str]]:
    wanted: dict[NormalizedName, set[str]] = {}
    for req in top:
        if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
            wanted.setdefault(canonicalize_name(req.name), set()).update(
                canonicalize_name(e) for e in req.extras
            )
    return wanted


def closure_requirements(
    top: Sequence[Requirement],
    metadata: Mapping[NormalizedName, CoreMetadata],
    *,
    python: str,
    arch: str,
) -> tuple[dict[NormalizedName, tuple[Requirement, ...]], dict[NormalizedName, frozenset[str]]]:
    """Applicable requirements and requested extras of every distribution in ``metadata``.

    An extra ``foo[bar]`` asked for by the recipe or by any distribution's applicable
    requirement makes foo's ``extra == "bar"`` requirements apply; those may ask for further
    extras, so this iterates to a fixpoint.  Markers are evaluated for CPython ``python`` on
    Linux/``arch`` (:func:`streams.solver.pydeps.environment`).
    """
    env = environment(python, arch)
    wanted = _top_extras(top, env)
    parsed = {name: parse_requirements(md.requires_dist) for name, md in metadata.items()}

    def holds(req: Requirement, extra: str) -> bool:
        return req.marker is None or req.marker.evaluate({**env, "extra": extra})

    # the same selection as pydeps.applicable_requirements (Fedora's generator), on requirements
    # parsed once: main requirements hold without an extra; an extra's hold with it only
    applied: dict[NormalizedName, list[Requirement]] = {
        name: [r for r in reqs if holds(r, "")] for name, reqs in parsed.items()
    }
    done: dict[NormalizedName, set[str]] = {name: set() for name in parsed}
    todo = sorted(parsed)
    while todo:
        name = todo.pop()
        for extra in sorted(wanted.get(name, set()) - done[name]):
            done[name].add(extra)
            applied[name] += [
                r
                for r in parsed[name]
                if r.marker is not None and holds(r, extra) and not holds(r, "")
            ]
        for r in applied[name]:
            dep = canonicalize_name(r.name)
            new = {canonicalize_name(e) for e in r.extras} - wanted.get(dep, set())
            if new:
                wanted.setdefault(dep, set()).update(new)
                if dep in parsed and dep not in todo:
                    todo.append(dep)
    requires: dict[NormalizedName, tuple[Requirement, ...]] = {}
    for name, reqs in applied.items():
        seen: dict[str, Requirement] = {}
        for r in reqs:
            plain = without_marker(r)
            seen.setdefault(str(plain), plain)
        requires[name] = tuple(seen.values())
    extras_of = {n: frozenset(e) for n, e in wanted.items() if n in metadata and e}
    return requires, extras_of
