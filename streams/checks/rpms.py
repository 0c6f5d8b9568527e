"""What the checks read from built RPMs: NEVRA, provides, requires and the file list.

Headers are read with the rpm Python bindings (:func:`streams.publish.read_header`), signatures and
digests not verified: the checks look at content, and ``rpm -K`` (see
:mod:`streams.publish.sign`) is where signatures are verified.  Dependencies are formatted by
rpm itself (``rpm.ds(...).DNEVR()``), so they read exactly as ``rpm -q --provides`` prints them.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rpm

from streams.publish import read_header

# rpm's file flag for %ghost (rpm's include/rpm/rpmfiles.h, RPMFILE_GHOST = 1 << 6).
_RPMFILE_GHOST = 1 << 6


@dataclass(frozen=True, slots=True)
class RpmFile:
    """One entry of a package's file list."""

    path: str
    mode: int
    linkto: str
    digest: str
    ghost: bool

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.mode)

    def same_as(self, other: RpmFile) -> bool:
        """Whether rpm would let two packages share this path (identical type and content)."""
        return (
            stat.S_IFMT(self.mode) == stat.S_IFMT(other.mode)
            and self.linkto == other.linkto
            and self.digest == other.digest
        )


@dataclass(frozen=True, slots=True)
class RpmInfo:
    """The parts of one binary RPM header the checks need."""

    path: Path
    name: str
    nevra: str
    arch: str
    provides: tuple[str, ...]
    requires: tuple[str, ...]
    files: tuple[RpmFile, ...]

    @property
    def is_source(self) -> bool:
        return self.path.name.endswith(".src.rpm")


def _deps(hdr: rpm.hdr, kind: str) -> tuple[str, ...]:
    # DNEVR() is "P name = 1.0" / "R name >= 2": a one-letter tag and a space before the dep.
    return tuple(d.DNEVR()[2:] for d in rpm.ds(hdr, kind))


def read_rpm(path: Path) -> RpmInfo:
    """Read the header of ``path`` (PublishError if it is not an RPM)."""
    hdr = read_header(path)
    files = tuple(
        RpmFile(
            path=f.name,
            mode=f.mode,
            linkto=f.linkto or "",
            digest=f.digest or "",
            ghost=bool(f.fflags & _RPMFILE_GHOST),
        )
        for f in rpm.files(hdr)
    )
    return RpmInfo(
        path=path,
        name=str(hdr[rpm.RPMTAG_NAME]),
        nevra=str(hdr[rpm.RPMTAG_NEVRA]),
        arch=str(hdr[rpm.RPMTAG_ARCH] or "noarch"),
        provides=_deps(hdr, "provides"),
        requires=_deps(hdr, "requires"),
        files=files,
    )


def read_rpms(paths: Iterable[Path]) -> list[RpmInfo]:
    """Headers of every binary RPM in ``paths`` (source RPMs are skipped), sorted by NEVRA."""
    infos = [read_rpm(p) for p in paths if not p.name.endswith(".src.rpm")]
    return sorted(infos, key=lambda i: i.nevra)


def find_rpms(directory: Path) -> list[Path]:
    """Every ``*.rpm`` below ``directory`` except source RPMs, sorted."""
    return sorted(p for p in directory.rglob("*.rpm") if not p.name.endswith(".src.rpm"))
