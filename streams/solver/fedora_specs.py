"""Fedora's own spec facts: what Fedora's spec for a distribution builds with, and its license.

``streams/data/fedora/<snapshot>-specs.tsv`` holds, per release point and per PyPI
distribution Fedora packages, the non-Python ``BuildRequires`` of Fedora's spec (compilers,
build tools, ``pkgconfig(...)``, ``-devel`` libraries; conditionals evaluated by rpm for that
release point) and the ``License:`` of the binary package that installs it, as written (SPDX,
Fedora's own review).  The tables are made by ``tools/make_spec_facts.py`` from the
``major/fedora-rpm-specs`` mirror at the commit of each embedded snapshot (docs/snapshots.md).

Like the snapshots, each table is rawhide on its capture day, not the later stable release.

:func:`spec_facts` looks one distribution up by snapshot key (``f44``), :func:`target_spec_facts`
by :class:`~streams.targets.Target`.  A release point without a table (and the host target)
gives None.  A table that is not well formed is a :class:`~streams.errors.RecipeError` naming
the file and line (exit code 2).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from packaging.utils import canonicalize_name

from streams.errors import Problem, RecipeError
from streams.targets import Target

__all__ = [
    "COLUMNS",
    "SpecFacts",
    "all_spec_facts",
    "load_table",
    "parse_table",
    "spec_facts",
    "table_name",
    "target_spec_facts",
]

COLUMNS = ("dist_name", "source_spec", "build_requires", "license")
SEPARATOR = ","
"""Between the dependencies of ``build_requires`` (written ``", "``; rpm accepts commas between
dependencies in a ``BuildRequires:`` line, and no dependency contains one)."""


@dataclass(frozen=True, slots=True)
class SpecFacts:
    """What Fedora's spec says about one distribution at one release point."""

    dist_name: str
    """The PyPI distribution, PEP 503-normalized."""
    source_spec: str
    """Fedora's spec file (``python-cryptography.spec``)."""
    build_requires: tuple[str, ...]
    """Its non-Python ``BuildRequires`` as rpm writes them (``cmake >= 3.15``,
    ``pkgconfig(zlib)``); Python packages, Python macros, Rust crates and MinGW are left out."""
    license: str
    """Its ``License:`` tag as written (an SPDX expression on current Fedora)."""


def table_name(snapshot: str) -> str:
    """The file of a release point's table: ``f44-specs.tsv``."""
    return f"{snapshot}-specs.tsv"


def parse_table(text: str, *, source: str) -> dict[str, tuple[SpecFacts, ...]]:
    """Parse a table; every bad line is reported at once (RecipeError, exit code 2).

    Lines starting with ``#`` before the header are comments (the mirror commit).  A
    distribution built by several specs (``python-sqlalchemy.spec`` and the compat
    ``python-sqlalchemy1.4.spec``) has one row each; the main spec comes first: the shortest
    name, then alphabetical.
    """
    problems: list[Problem] = []
    found: dict[str, list[SpecFacts]] = {}
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not header_seen:
            if line.startswith("#"):
                continue
            header = tuple(line.split("\t"))
            if header != COLUMNS:
                raise RecipeError(
                    [
                        Problem(
                            source,
                            lineno,
                            None,
                            "",
                            f"unexpected header {line!r}",
                            hint="expected the tab-separated columns " + ", ".join(COLUMNS),
                        )
                    ]
                )
            header_seen = True
            continue
        if not line.strip():
            continue
        row = _parse_row(line, source=source, lineno=lineno, problems=problems)
        if row is not None:
            found.setdefault(row.dist_name, []).append(row)
    if not header_seen:
        problems.append(
            Problem(source, None, None, "", "no header line", hint="columns: " + ", ".join(COLUMNS))
        )
    if problems:
        raise RecipeError(problems)
    return {
        dist: tuple(sorted(rows, key=lambda r: (len(r.source_spec), r.source_spec)))
        for dist, rows in found.items()
    }


def _parse_row(line: str, *, source: str, lineno: int, problems: list[Problem]) -> SpecFacts | None:
    cols = line.split("\t")
    if len(cols) != len(COLUMNS):
        problems.append(
            Problem(
                source,
                lineno,
                None,
                "",
                f"{len(cols)} columns, expected {len(COLUMNS)}",
                hint="columns: " + ", ".join(COLUMNS),
            )
        )
        return None
    dist, spec, requires, license_ = cols
    before = len(problems)
    if not dist or canonicalize_name(dist) != dist:
        problems.append(
            Problem(
                source,
                lineno,
                None,
                "dist_name",
                f"{dist!r} is not a PEP 503-normalized distribution name",
                hint=f"write {canonicalize_name(dist)!r}" if dist else None,
            )
        )
    if not spec.endswith(".spec") or "/" in spec:
        problems.append(
            Problem(
                source,
                lineno,
                None,
                "source_spec",
                f"{spec!r} is not a spec file name",
                hint="e.g. python-cryptography.spec",
            )
        )
    deps = tuple(d.strip() for d in requires.split(SEPARATOR)) if requires.strip() else ()
    if any(not d for d in deps):
        problems.append(
            Problem(
                source,
                lineno,
                None,
                "build_requires",
                f"empty dependency in {requires!r}",
                hint="dependencies separated by ', ', e.g. 'gcc, pkgconfig(zlib)'",
            )
        )
    if not license_.strip():
        problems.append(
            Problem(source, lineno, None, "license", "empty license", hint="the spec's License:")
        )
    if len(problems) != before:
        return None
    return SpecFacts(dist, spec, deps, license_.strip())


@functools.cache
def load_table(snapshot: str) -> Mapping[str, tuple[SpecFacts, ...]] | None:
    """The embedded table of ``snapshot`` (``f44``), or None when it has none (cached)."""
    if not snapshot or "/" in snapshot:
        return None
    node = resources.files("streams.data").joinpath("fedora", table_name(snapshot))
    if not node.is_file():
        return None
    text = node.read_text(encoding="utf-8")
    return MappingProxyType(parse_table(text, source=f"streams/data/fedora/{table_name(snapshot)}"))


def all_spec_facts(release: str, dist: str) -> tuple[SpecFacts, ...]:
    """Every Fedora spec that builds ``dist`` at ``release``, the main spec first."""
    table = load_table(release)
    if table is None:
        return ()
    return table.get(canonicalize_name(dist), ())


def spec_facts(release: str, dist: str) -> SpecFacts | None:
    """Fedora's spec facts for ``dist`` at the snapshot ``release`` (``f44``), or None.

    None when the release point has no table, Fedora packages no such distribution, or rpm
    could not read its spec (``<snapshot>-specs-missing.tsv``).  The name is normalized here.
    """
    found = all_spec_facts(release, dist)
    return found[0] if found else None


def target_spec_facts(target: Target, dist: str) -> SpecFacts | None:
    """:func:`spec_facts` at ``target``'s snapshot; None for the host target."""
    if target.snapshot is None:
        return None
    return spec_facts(target.snapshot, dist)
