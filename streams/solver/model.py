"""Values that flow between the solver stages: upstream pins, the closure, decisions.

Upstream resolution (``upstream.py``) produces an :class:`UpstreamClosure`; reconciliation
(``reconcile.py``) turns it, with the base repositories, into :class:`Decision` objects that the
lock records.  Everything here is a frozen value: no I/O, cheap to compare and to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from packaging.requirements import Requirement
from packaging.utils import NormalizedName
from packaging.version import Version

Origin = Literal["fedora", "bundle"]
SourceKind = Literal["sdist", "wheel"]


@dataclass(frozen=True, slots=True, order=True)
class SourceFile:
    """One upstream file a bundled distribution can be built or repackaged from."""

    kind: SourceKind
    url: str
    sha256: str
    filename: str = ""
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Pin:
    """One distribution of the upstream closure, as the upstream resolver pinned it.

    ``requires`` are the distribution's ``Requires-Dist`` whose markers hold on the target
    (with ``extras`` requested of it by someone in the closure); ``extras`` are those extras.
    """

    name: NormalizedName
    version: Version
    requires: tuple[Requirement, ...] = ()
    extras: frozenset[str] = frozenset()
    sources: tuple[SourceFile, ...] = ()
    requires_python: str | None = None
    summary: str = ""
    license: str = ""

    def source(self, kind: SourceKind) -> SourceFile | None:
        for s in self.sources:
            if s.kind == kind:
                return s
        return None


@dataclass(frozen=True, slots=True)
class UpstreamClosure:
    """The upstream resolution of a recipe for one target and interpreter."""

    target: str
    python: str  # "3.14"
    top: tuple[Requirement, ...]  # the recipe's [requires]
    pins: tuple[Pin, ...]

    def by_name(self) -> dict[NormalizedName, Pin]:
        return {p.name: p for p in self.pins}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the lock records for one distribution of the runtime view."""

    name: NormalizedName
    version: str  # PEP 440 (for Fedora packages: converted back from the RPM version)
    origin: Origin
    rpm: str  # Fedora's binary package, or the stream package name
    evr: str  # RPM [epoch:]version[-release]
    reason: str
    requires: tuple[str, ...] = ()  # applicable requirements (PEP 508, markers evaluated)
    repo: str = ""  # base repo name for Fedora packages, "stream" for bundles
    sources: tuple[SourceFile, ...] = field(default=())
    extras: tuple[str, ...] = ()
