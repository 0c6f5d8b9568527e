"""Which third-party libraries a wheel carries, and under which license each one is.

The table is data: ``streams/data/licenses/bundled-libraries.toml``, one row per library (its
soname stems, the component, its SPDX license, whether Fedora could ship the binary, why, and
the source of those facts).  A wheel's shared library (:attr:`SourceInfo.bundled`) is a bundled
third-party library when its soname stem is in the table, wherever it lies
(``torch/lib/libgomp.so.1``, ``nvidia/cu13/lib/libcudart.so.13``), or when it lies in one of the
``NAME.libs/`` folders auditwheel grafts outside libraries into -- there a library the table
does not know is reported as unidentified, since nothing says what it is.  Any other library is
taken to be the package's own code, under its declared license.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from streams.errors import SourceError
from streams.sources.binaries import soname_stem
from streams.sources.model import SourceInfo

__all__ = ["BundledLibrary", "LibraryFacts", "bundled_libraries", "library_table"]


@dataclass(frozen=True, slots=True)
class LibraryFacts:
    """One row of the table."""

    names: tuple[str, ...]
    component: str
    license: str
    allowed: bool
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class BundledLibrary:
    """A library found inside a wheel."""

    path: str
    """Member path in the wheel (``torchvision.libs/libcudart.faf08d9a.so.13``)."""
    soname: str
    """Its ``DT_SONAME``, or its file name when the ELF header was not read."""
    facts: LibraryFacts | None
    """The table's row, or None for an unidentified library in a ``NAME.libs/`` folder."""

    @property
    def stem(self) -> str:
        return soname_stem(self.soname)


@functools.cache
def library_table() -> dict[str, LibraryFacts]:
    """The table by soname stem."""
    path = resources.files("streams.data").joinpath("licenses", "bundled-libraries.toml")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:  # pragma: no cover - shipped data
        raise SourceError(f"{path}: unreadable bundled-library table ({exc})") from exc
    table: dict[str, LibraryFacts] = {}
    for row in data.get("library", ()):
        facts = LibraryFacts(
            names=tuple(row["names"]),
            component=str(row["component"]),
            license=str(row["license"]),
            allowed=bool(row["allowed"]),
            why=str(row.get("why", "")),
            source=str(row.get("source", "")),
        )
        for name in facts.names:
            table[name] = facts
    return table


def _lookup(stem: str) -> LibraryFacts | None:
    """The row for ``stem``, also without dotted variants (``libnvrtc-builtins.alt``)."""
    table = library_table()
    while stem:
        if stem in table:
            return table[stem]
        if "." not in stem:
            return None
        stem = stem.rsplit(".", 1)[0]
    return None


def _grafted(path: str) -> bool:
    """In a folder auditwheel grafts libraries into: ``NAME.libs/`` or ``.libs/``."""
    parent = PurePosixPath(path).parent.name
    return parent.endswith(".libs")


def bundled_libraries(info: SourceInfo) -> tuple[BundledLibrary, ...]:
    """The third-party libraries of a wheel's :class:`SourceInfo` (none for an sdist).

    Without :attr:`SourceInfo.bundled` (an info recorded before streams read member paths),
    :attr:`SourceInfo.shared_libs` (file names only) is used: the table still recognises the
    libraries, unidentified ones cannot be told from the package's own.
    """
    if info.kind != "wheel":
        return ()
    members: list[tuple[str, str]]
    if info.bundled is not None:
        members = [(path, soname or PurePosixPath(path).name) for path, soname in info.bundled]
    else:
        members = [(name, name) for name in info.shared_libs]
    found: dict[str, BundledLibrary] = {}
    for path, soname in members:
        facts = _lookup(soname_stem(soname))
        if facts is None and not _grafted(path):
            continue
        key = soname_stem(soname)
        found.setdefault(key, BundledLibrary(path=path, soname=soname, facts=facts))
    return tuple(found[k] for k in sorted(found))
