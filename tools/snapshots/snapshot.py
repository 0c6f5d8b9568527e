"""The embedded Fedora base snapshots: from Fedora's package tables to real rpm-md repositories.

``streams/data/fedora/<snapshot>.tsv`` lists, for one release point, every binary package that
installs a Python distribution (rpm name, epoch, RPM version, PyPI name, extra), extracted from
Fedora's own spec files; ``interpreters.tsv`` lists the CPython interpreters built there (both
copied from the shared data, see ``docs/snapshots.md``).  This module turns one table into the
packages of an rpm-md repository, written with createrepo_c (:mod:`tools.snapshots.repodata`):

* one package per binary package, ``noarch`` (the snapshot does not model architectures, so one
  repository serves every target of the release), release ``1.fcNN``, the table's epoch;
* ``Provides``: its own ``name = EVR`` (added by the writer, as rpmbuild does),
  ``python3dist(NAME) = V`` and ``python3.Xdist(NAME) = V`` for the release's main Python
  (Fedora builds ``python3-*`` for the main interpreter only), ``...(NAME[EXTRA])`` for extras
  packages; ``V`` is the PEP 440 version in RPM form
  (:func:`~streams.solver.versions.dist_provide`);
* ``Requires``: ``python(abi) = 3.X`` and the requirements Fedora's generator derives from the
  core metadata of that exact version on PyPI (:func:`~streams.solver.pydeps.requires_for`,
  markers evaluated for the main Python on x86_64 Linux); an extras package also requires its
  base package at the same EVR, as ``%python_extras_subpkg`` does;
* the interpreters: ``python3`` (main; ``python(abi) = 3.X``, ``/usr/bin/python3`` and
  ``/usr/bin/python3.X``) and ``python3.Y`` for each alternative one (``/usr/bin/python3.Y``).

A row whose version has no release (or no readable metadata) on PyPI still provides, but its
only requirement is ``python(abi)`` (where the files are installed, not derived from metadata);
such rows are listed in ``missing-metadata.tsv`` next to the repository, with the reason.

These ``Requires`` are derived, not Fedora's own: Fedora sometimes patches pins in ``%prep``.

The pure part is :func:`build_snapshot` (rows + interpreters + metadata in, packages out);
:func:`fetch_metadata` talks to the index and :func:`write_snapshot` to the filesystem.
"""

from __future__ import annotations

import calendar
import fnmatch
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import Problem, RecipeError, ServiceError, StreamsError, UsageError
from streams.infra.fsutil import atomic_write_text
from streams.solver.index import CoreMetadata, ProjectNotFoundError, Reporter
from streams.solver.pydeps import requires_for
from streams.solver.versions import dist_dep_name, dist_provide
from streams.targets import RELEASES, Interpreter
from tools.snapshots.repodata import DepInput, PackageInfo, WrittenRepo, write_repo

__all__ = [
    "SNAPSHOTS",
    "MissingRow",
    "Snapshot",
    "SnapshotInfo",
    "TableRow",
    "build_snapshot",
    "fetch_metadata",
    "metadata_key",
    "parse_interpreters",
    "parse_table",
    "pep440_version",
    "write_snapshot",
]

TABLE_COLUMNS = ("rpm_name", "epoch", "version", "dist_name", "extra", "source_spec", "confidence")
INTERPRETER_COLUMNS = ("snapshot", "rpm_name", "version", "main")
MISSING_FILE = "missing-metadata.tsv"
ARCH = "noarch"
MARKER_ARCH = "x86_64"
"""Markers (``platform_machine``) are evaluated for this architecture."""


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """One release point: which rawhide state the table describes and how to label packages."""

    name: str
    """``f45`` or ``rawhide``: the table's file name and the repository's directory name."""
    fedora: int
    """``%fedora`` of the release point (rawhide: 46); the dist tag is ``fc<fedora>``."""
    python: str
    """The main Python (``3.15``)."""
    date: str
    """The day rawhide was captured (``YYYY-MM-DD``), also every timestamp in the repository."""
    mirror_commit: str
    """Commit of the ``major/fedora-rpm-specs`` mirror the table was extracted from."""

    @property
    def release(self) -> str:
        return f"1.fc{self.fedora}"

    @property
    def timestamp(self) -> int:
        """``date`` at 00:00 UTC, as seconds since the epoch."""
        return calendar.timegm(time.strptime(self.date, "%Y-%m-%d"))


def _info(name: str, date: str, commit: str) -> SnapshotInfo:
    release = next(r for r in RELEASES.values() if r.snapshot == name)
    return SnapshotInfo(name, release.number, release.python, date, commit)


# Dates and commits of the major/fedora-rpm-specs mirror each table was taken from (the rawhide
# state on each branch day): docs/snapshots.md.
SNAPSHOTS: dict[str, SnapshotInfo] = {
    s.name: s
    for s in (
        _info("f43", "2025-08-12", "3487d235551d07e4d41f2c40b25e16f9b531cc4a"),
        _info("f44", "2026-02-03", "0cb455f48d97bcbadb38f6f802de02fbe4a9fbb7"),
        _info("f45", "2026-08-11", "7addc172328ad1e2b797ea4493e5a573a7630376"),
        _info("rawhide", "2026-08-22", "10e71f1b94b0df256b81ddebc759ad0f08fd3ef7"),
    )
}


def get_snapshot(name: str) -> SnapshotInfo:
    """The release point ``name`` (``f45``), or a UsageError listing the known ones."""
    try:
        return SNAPSHOTS[name]
    except KeyError:
        raise UsageError(
            f"unknown snapshot {name!r}", hint=f"known snapshots: {', '.join(SNAPSHOTS)}"
        ) from None


# --- tables ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of a ``<snapshot>.tsv`` table: a binary package and a distribution it installs."""

    rpm_name: str
    epoch: int
    version: str
    """RPM ``Version`` as in the spec (``2.12.0~a1``)."""
    dist_name: NormalizedName
    extra: str | None
    source_spec: str
    confidence: str
    line: int = 0

    @property
    def base_name(self) -> str:
        """The package an extras package belongs to: ``python3-foo`` for ``python3-foo+bar``."""
        return self.rpm_name.split("+", 1)[0]


def _header_problem(source: str, header: list[str], expected: Sequence[str]) -> Problem:
    return Problem(
        source,
        1,
        None,
        "",
        "unexpected header " + repr("\t".join(header)),
        hint="expected the tab-separated columns " + ", ".join(expected),
    )


def parse_table(text: str, *, source: str) -> list[TableRow]:
    """Parse a release point's table; every bad line is reported at once (RecipeError, exit 2)."""
    lines = text.splitlines()
    if not lines:
        raise RecipeError([Problem(source, None, None, "", "empty table")])
    header = lines[0].split("\t")
    if tuple(header) != TABLE_COLUMNS:
        raise RecipeError([_header_problem(source, header, TABLE_COLUMNS)])
    rows: list[TableRow] = []
    problems: list[Problem] = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != len(TABLE_COLUMNS):
            problems.append(
                Problem(
                    source,
                    lineno,
                    None,
                    "",
                    f"{len(cols)} columns, expected {len(TABLE_COLUMNS)}",
                    hint="columns: " + ", ".join(TABLE_COLUMNS),
                )
            )
            continue
        rpm_name, epoch, version, dist, extra, spec, confidence = (c.strip() for c in cols)
        if not epoch.isdigit() and epoch != "":
            problems.append(
                Problem(source, lineno, None, "epoch", f"{epoch!r} is not a number or empty")
            )
            continue
        if not rpm_name or not version or not dist:
            problems.append(
                Problem(source, lineno, None, "", "rpm_name, version and dist_name are required")
            )
            continue
        if ("+" in rpm_name) != bool(extra):
            problems.append(
                Problem(
                    source,
                    lineno,
                    None,
                    "extra",
                    f"{rpm_name!r} and extra {extra!r} disagree",
                    hint="python3-foo+bar rows have extra 'bar'; other rows leave it empty",
                )
            )
            continue
        rows.append(
            TableRow(
                rpm_name,
                int(epoch or 0),
                version,
                canonicalize_name(dist),
                extra or None,
                spec,
                confidence,
                lineno,
            )
        )
    if problems:
        raise RecipeError(problems)
    return rows


def parse_interpreters(text: str, *, source: str) -> dict[str, tuple[Interpreter, ...]]:
    """Parse ``interpreters.tsv``: snapshot name -> interpreters, main one first."""
    lines = text.splitlines()
    header = lines[0].split("\t") if lines else []
    if tuple(header) != INTERPRETER_COLUMNS:
        raise RecipeError([_header_problem(source, header, INTERPRETER_COLUMNS)])
    out: dict[str, list[Interpreter]] = {}
    problems: list[Problem] = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) != 4 or cols[3] not in ("yes", "no") or not cols[1].startswith("python3."):
            problems.append(
                Problem(
                    source,
                    lineno,
                    None,
                    "",
                    f"bad interpreter row {line!r}",
                    hint="snapshot, python3.X, RPM version, yes|no",
                )
            )
            continue
        snap, rpm_name, version, main = cols
        pyver = rpm_name.removeprefix("python")
        is_main = main == "yes"
        out.setdefault(snap, []).append(
            Interpreter(pyver, "python3" if is_main else rpm_name, version, is_main)
        )
    if problems:
        raise RecipeError(problems)
    return {
        k: tuple(sorted(v, key=lambda i: (not i.main, tuple(int(x) for x in i.version.split(".")))))
        for k, v in out.items()
    }


# --- versions -------------------------------------------------------------------------------

# Fedora's spelling of PEP 440 suffixes in RPM versions (Python packaging guidelines; the
# reverse of pythondistdeps.py's RpmVersion): 1.0~rc1 = 1.0rc1, 1.0~~dev3 = 1.0.dev3,
# 1.0^post1 = 1.0.post1.
_RPM_TO_PEP440 = (("~~dev", ".dev"), ("~", ""), ("^post", ".post"))


def pep440_version(rpm_ver: str) -> Version | None:
    """The PEP 440 version a table's RPM version stands for, or None (snapshots, git builds).

    Tried in order: the string as written (most versions are valid PEP 440 already), then with
    Fedora's RPM suffixes turned back into PEP 440 (``2.12.0~a1`` -> ``2.12.0a1``).  packaging
    normalises the result, so ``2.12.0`` matches PyPI's ``2.12.0`` and ``2.12``.
    """
    candidates = [rpm_ver]
    converted = rpm_ver
    for old, new in _RPM_TO_PEP440:
        converted = converted.replace(old, new)
    candidates.append(converted)
    for text in candidates:
        try:
            return Version(text)
        except InvalidVersion:
            continue
    return None


def metadata_key(row: TableRow) -> tuple[str, str] | None:
    """``(dist_name, normalised PEP 440 version)``: what to ask the index for this row."""
    version = pep440_version(row.version)
    return None if version is None else (str(row.dist_name), str(version))


# --- metadata -------------------------------------------------------------------------------


class MetadataSource(Protocol):
    """What :func:`fetch_metadata` needs: :class:`~streams.solver.index.IndexClient` has it."""

    def metadata_many(
        self,
        requests: Iterable[tuple[str, str | Version]],
        reporter: Reporter | None = None,
    ) -> Mapping[tuple[str, str | Version], CoreMetadata | Exception]: ...


MetadataResults = Mapping[tuple[str, str], CoreMetadata | Exception]


def fetch_metadata(
    rows: Iterable[TableRow], source: MetadataSource, reporter: Reporter | None = None
) -> dict[tuple[str, str], CoreMetadata | Exception]:
    """Core metadata of every distinct (dist, version) among ``rows`` (failures as exceptions)."""
    keys = sorted({k for k in (metadata_key(r) for r in rows) if k is not None})
    got = source.metadata_many(keys, reporter)
    return {k: got[k] for k in keys}


def failure_reason(exc: Exception) -> str:
    """A short, stable reason for a row without metadata (goes into missing-metadata.tsv)."""
    if isinstance(exc, ProjectNotFoundError):
        return "no such project on PyPI"
    if isinstance(exc, ServiceError):
        if exc.status == 404:
            return "no such release on PyPI"
        if "no core metadata" in exc.message:
            return "no readable metadata in the release's files"
        return "fetch failed"
    if isinstance(exc, StreamsError):
        return "unusable metadata: " + exc.message
    return f"fetch failed ({type(exc).__name__})"


def is_transient(reason: str) -> bool:
    """Whether a missing-metadata reason may go away on a rerun (network trouble)."""
    return reason.startswith("fetch failed")


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MissingRow:
    """A table row whose requirements could not be derived; it still provides."""

    rpm_name: str
    dist_name: str
    version: str
    reason: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The packages of one snapshot repository and the rows without derived requirements."""

    info: SnapshotInfo
    packages: tuple[PackageInfo, ...]
    missing: tuple[MissingRow, ...]
    rows: int


def _provides(row: TableRow, python: str, pep440: Version | None) -> list[str]:
    extra = row.extra
    if pep440 is None:
        # Not PEP 440 (a git snapshot such as 0^20260603.6fbb5f7): the dist-info version is
        # unknown, so the RPM version stands in for it, unchanged.
        names = (
            dist_dep_name(row.dist_name, python, extra),
            dist_dep_name(row.dist_name, "3", extra),
        )
        return sorted(f"{n} = {row.version}" for n in names)
    return dist_provide(str(row.dist_name), pep440, python, True, extra=extra)


BINARY_RELEASE_REQUIREMENTS = Path(__file__).with_name("binary-release-requirements.toml")


@cache
def binary_release_drops() -> dict[NormalizedName, tuple[str, ...]]:
    """``binary-release-requirements.toml``: per distribution, the name patterns of the
    requirements its PyPI binary release adds and Fedora's source build does not have."""
    with BINARY_RELEASE_REQUIREMENTS.open("rb") as f:
        data = tomllib.load(f)
    return {canonicalize_name(k): tuple(v["drop"]) for k, v in data.items()}


def source_build_requirements(dist: str, requires_dist: Sequence[str]) -> list[str]:
    """``requires_dist`` without what the distribution's binary release alone adds."""
    drops = binary_release_drops().get(canonicalize_name(dist), ())
    if not drops:
        return list(requires_dist)
    out = []
    for text in requires_dist:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            out.append(text)  # requires_for reports it as unusable metadata
            continue
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in drops):
            out.append(text)
    return out


def _requires(
    row: TableRow, python: str, md: CoreMetadata | Exception | None
) -> tuple[list[str], str | None]:
    """Derived requirements of one row, or ``python(abi)`` alone and the reason why."""
    abi = [f"python(abi) = {python}"]
    if md is None:
        return abi, "not a PEP 440 version"
    if isinstance(md, Exception):
        return abi, failure_reason(md)
    extras = frozenset({row.extra}) if row.extra else frozenset()
    try:
        return (
            requires_for(
                source_build_requirements(row.dist_name, md.requires_dist),
                python=python,
                extras=extras,
                arch=MARKER_ARCH,
                provides_extra=md.provides_extra,
            ),
            None,
        )
    except StreamsError as exc:  # invalid Requires-Dist, unconvertible specifier, gone extra
        return abi, "unusable metadata: " + exc.message.splitlines()[0]


def _dep_sort_key(dep: str) -> tuple[int, str]:
    # python(abi) first, then by dependency name as the generator sorts (rich deps by content)
    return (0 if dep.startswith("python(abi)") else 1, dep.lstrip("("))


def _sourcerpm(row: TableRow, release: str) -> str:
    stem = row.source_spec.removesuffix(".spec")
    return f"{stem}-{row.version}-{release}.src.rpm" if stem else ""


def _interpreter_packages(info: SnapshotInfo, interps: Sequence[Interpreter]) -> list[PackageInfo]:
    out = []
    for i in interps:
        files = [i.executable]
        provides: list[DepInput] = [f"python(abi) = {i.version}"]
        if i.main:
            # python3.spec: the main interpreter's package also provides python3.X and ships
            # /usr/bin/python3.X next to /usr/bin/python3.
            files.append(f"/usr/bin/python{i.version}")
            provides.append((f"python{i.version}", "EQ", "0", i.rpm_version, info.release))
        out.append(
            PackageInfo(
                name=i.rpm_name,
                version=i.rpm_version,
                release=info.release,
                arch=ARCH,
                summary=f"CPython {i.version} interpreter",
                sourcerpm=f"python{i.version}-{i.rpm_version}-{info.release}.src.rpm",
                provides=tuple(provides),
                files=tuple(sorted(files)),
            )
        )
    return out


def build_snapshot(
    info: SnapshotInfo,
    rows: Sequence[TableRow],
    interpreters: Sequence[Interpreter],
    metadata: MetadataResults,
) -> Snapshot:
    """The packages of the snapshot repository (pure: no I/O).

    ``metadata`` maps :func:`metadata_key` of a row to its core metadata or to the exception
    the index raised; a missing key counts as a failed fetch.  Rows of the same binary package
    (a few packages install several distributions) become one package with the union of their
    provides and requires.
    """
    main = [i for i in interpreters if i.main]
    if len(main) != 1 or main[0].version != info.python:
        raise UsageError(
            f"snapshot {info.name}: interpreters.tsv names main Python "
            f"{', '.join(i.version for i in main) or 'none'}, expected {info.python}"
        )
    python = info.python
    grouped: dict[str, list[TableRow]] = {}
    for row in rows:
        grouped.setdefault(row.rpm_name, []).append(row)
    packages: list[PackageInfo] = []
    missing: list[MissingRow] = []
    for rpm_name in sorted(grouped):
        group = grouped[rpm_name]
        first = group[0]
        provides: dict[str, None] = {}
        requires: dict[str, None] = {}
        for row in group:
            key = metadata_key(row)
            pep440 = pep440_version(row.version)
            for p in _provides(row, python, pep440):
                provides.setdefault(p)
            md: CoreMetadata | Exception | None
            if key is None:
                md = None
            else:
                md = metadata.get(key, ServiceError("not fetched", service="PyPI"))
            reqs, reason = _requires(row, python, md)
            for r in reqs:
                requires.setdefault(r)
            if reason is not None:
                missing.append(MissingRow(row.rpm_name, row.dist_name, row.version, reason))
        req_list: list[DepInput] = [*sorted(requires, key=_dep_sort_key)]
        if first.extra:
            # %python_extras_subpkg (python-rpm-macros, macros.python-srpm) writes
            # Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}
            req_list.append((first.base_name, "EQ", str(first.epoch), first.version, info.release))
        packages.append(
            PackageInfo(
                name=rpm_name,
                version=first.version,
                release=info.release,
                epoch=first.epoch,
                arch=ARCH,
                summary=f"{first.dist_name} {first.version} (streams snapshot {info.name})",
                sourcerpm=_sourcerpm(first, info.release),
                provides=tuple(provides),
                requires=tuple(req_list),
            )
        )
    packages.extend(_interpreter_packages(info, interpreters))
    missing.sort(key=lambda m: (m.rpm_name, m.dist_name))
    return Snapshot(info, tuple(packages), tuple(missing), len(rows))


# --- writing --------------------------------------------------------------------------------


def missing_tsv(missing: Iterable[MissingRow]) -> str:
    """``missing-metadata.tsv``: rpm_name, dist_name, version, reason (sorted)."""
    lines = ["rpm_name\tdist_name\tversion\treason"]
    lines += [f"{m.rpm_name}\t{m.dist_name}\t{m.version}\t{m.reason}" for m in missing]
    return "\n".join(lines) + "\n"


def write_snapshot(dest: Path, snapshot: Snapshot) -> WrittenRepo:
    """Write ``dest/repodata/`` (gzip, no sqlite, byte-stable) and ``dest/missing-metadata.tsv``.

    Every time field is the snapshot's date, so the same table and metadata give the same
    bytes.  gzip because the ``solv`` wheel's ``xfopen`` reads it natively (zstd would need a
    decompression step on every cold load).  No ``other.xml``: it would hold only changelogs
    (there are none) and a 64-character package id per package, about 190 KiB per snapshot
    that nothing reads; dnf and libsolv need only primary (and filelists).
    """
    written = write_repo(
        dest,
        snapshot.packages,
        compression="gz",
        timestamp=snapshot.info.timestamp,
        revision=f"{snapshot.info.name}-{snapshot.info.date}",
        filelists=True,
        other=False,
    )
    atomic_write_text(dest / MISSING_FILE, missing_tsv(snapshot.missing))
    return written


def generate(
    info: SnapshotInfo,
    table: Path,
    interpreters: Path,
    dest: Path,
    source: MetadataSource,
    reporter: Reporter | None = None,
) -> tuple[Snapshot, WrittenRepo]:
    """Read the tables, fetch metadata, build and write one snapshot (the generator's core)."""
    rows = parse_table(table.read_text("utf-8"), source=str(table))
    interps = parse_interpreters(interpreters.read_text("utf-8"), source=str(interpreters))
    if info.name not in interps:
        raise UsageError(f"{interpreters} lists no interpreters for snapshot {info.name}")
    metadata = fetch_metadata(rows, source, reporter)
    snap = build_snapshot(info, rows, interps[info.name], metadata)
    return snap, write_snapshot(dest, snap)
