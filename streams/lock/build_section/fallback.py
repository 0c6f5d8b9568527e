"""When an sdist cannot be built: its pure-Python wheel instead, or an error that says why.

A build requirement that no index has (a hatch build-hook plugin published nowhere, as
platformdirs' and filelock's ``python-sbom`` hook once was) makes the sdist unbuildable in any
buildroot.  A packager then repackages the distribution's pure wheel, which is the same
files the sdist would build; a compiled distribution has no such way out, and the lock
refuses it, naming the requirement and how the stream came to need the distribution.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from packaging.utils import canonicalize_name, parse_wheel_filename

from streams.lock.build_section.classify import Edge
from streams.lock.model import LockedPackage, LockedSource

__all__ = ["dependency_path", "pure_wheel"]


def pure_wheel(pkg: LockedPackage) -> LockedSource | None:
    """``pkg``'s pure-Python wheel (``py3-none-any``-like: every tag has ABI ``none`` and
    platform ``any``, PEP 425), the first by file name; None without one."""
    best: LockedSource | None = None
    for src in pkg.sources:
        if src.kind != "wheel":
            continue
        name = src.filename or src.url.rsplit("/", 1)[-1].split("#")[0]
        try:
            _, _, _, tags = parse_wheel_filename(name)
        except ValueError:
            continue
        pure = bool(tags) and all(t.abi == "none" and t.platform == "any" for t in tags)
        if pure and (best is None or name < (best.filename or best.url)):
            best = src
    return best


def dependency_path(edges: Iterable[Edge], tops: Iterable[str], name: str) -> list[str]:
    """The shortest path of requirement edges (runtime or build) from a top-level requirement
    to ``name``: ``["app", "lib", name]``; ``[name]`` when it is top-level or unreachable."""
    wanted = str(canonicalize_name(name))
    succ: dict[str, set[str]] = {}
    for a, b, _req, _kind in edges:
        succ.setdefault(str(canonicalize_name(a)), set()).add(str(canonicalize_name(b)))
    starts = sorted({str(canonicalize_name(t)) for t in tops})
    if wanted in starts:
        return [wanted]
    parent: dict[str, str] = {}
    queue: deque[str] = deque(starts)
    seen: set[str] = set(starts)
    while queue:
        here = queue.popleft()
        for nxt in sorted(succ.get(here, ())):
            if nxt in seen:
                continue
            parent[nxt] = here
            if nxt == wanted:
                path = [nxt]
                while path[-1] in parent:
                    path.append(parent[path[-1]])
                return path[::-1]
            seen.add(nxt)
            queue.append(nxt)
    return [wanted]


def names_of(packages: Mapping[str, LockedPackage]) -> dict[str, str]:
    """Normalised name -> the lock's spelling."""
    return {canonicalize_name(n): n for n in packages}
