"""Which file of a distribution to build from: its sdist, or the wheel that fits the target best.

Pure.  Works on anything that has a name, a version and source files (the lock's packages,
for one), so this room does not depend on the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypeVar

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

from streams.errors import SpecGenError

SourceKind = Literal["sdist", "wheel"]


class SourceRef(Protocol):
    """A source file as the lock records it."""

    @property
    def kind(self) -> SourceKind: ...
    @property
    def url(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def filename(self) -> str: ...


S = TypeVar("S", bound=SourceRef, covariant=True)


class Distribution(Protocol[S]):
    """A distribution with its source files (a locked package, for one)."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def sources(self) -> Sequence[S]: ...


def source_filename(src: SourceRef) -> str:
    """The file name of ``src``: as recorded, else the last path part of its URL."""
    return src.filename or src.url.rsplit("/", 1)[-1].split("#")[0]


def target_tags(python: str, arch: str) -> list[Tag]:
    """Wheel tags a Fedora CPython ``python`` on ``arch`` accepts, best first
    (PEP 425 ordering via packaging.tags; manylinux per PEP 600 with glibc up to 2.50)."""
    major, minor = (int(x) for x in python.split(".")[:2])
    platforms = [f"manylinux_2_{n}_{arch}" for n in range(50, 4, -1)]
    legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
    platforms += [f"{name}_{arch}" for name in legacy] + [f"linux_{arch}"]
    tags = list(cpython_tags((major, minor), platforms=platforms))
    tags += list(compatible_tags((major, minor), "cp" + f"{major}{minor}", platforms))
    return tags


_T = TypeVar("_T", bound=SourceRef)


def choose_source(
    pkg: Distribution[_T], wanted: SourceKind, python: str, arch: str
) -> tuple[_T, str | None]:
    """The source file of ``pkg`` for the target, and a warning when it is not the one asked.

    ``wheel``: the wheel whose tags rank best for the target's Python and arch.
    ``sdist``: the sdist; without one in the lock, the best wheel (with a warning).
    """
    sdists = [s for s in pkg.sources if s.kind == "sdist"]
    wheels = [s for s in pkg.sources if s.kind == "wheel"]
    if wanted == "sdist" and sdists:
        return sorted(sdists, key=lambda s: s.filename)[0], None
    if wheels:
        rank = {t: i for i, t in enumerate(target_tags(python, arch))}
        best: tuple[int, str, _T] | None = None
        for s in wheels:
            name = source_filename(s)
            try:
                _, _, _, tags = parse_wheel_filename(name)
            except ValueError:
                continue
            score = min((rank[t] for t in tags if t in rank), default=None)
            if score is not None and (best is None or (score, name) < best[:2]):
                best = (score, name, s)
        if best is not None:
            note = None
            if wanted == "sdist":
                note = f"{pkg.name}: the lock has no sdist; repackaging the wheel {best[1]}"
            return best[2], note
    if sdists:
        return sorted(sdists, key=lambda s: s.filename)[0], (
            f"{pkg.name}: no wheel in the lock fits Python {python} on {arch}; "
            "building the sdist instead"
        )
    raise SpecGenError(
        f"{pkg.name} {pkg.version}: the lock records no usable source for Python {python} "
        f"on {arch}",
        hint=f"re-lock: streams lock --upgrade {pkg.name}, or set [packages.{pkg.name}] url",
    )
