"""Write rpm-md repositories from package descriptions, through createrepo_c's Python API.

Used for synthetic repositories (the load benchmark, tests) and for the embedded Fedora
snapshots under ``streams/data/fedora/``.  The packages need not exist as RPM files: the repo
describes them (names, EVRs, dependencies, files) and that is all libsolv needs to reason about
them.

Nothing here builds XML by hand: :class:`createrepo_c.Package` objects are dumped by
``PrimaryXmlFile``/``FilelistsXmlFile``/``OtherXmlFile``, and ``repomd.xml`` comes from
``Repomd``/``RepomdRecord`` (createrepo_c's own ``python/createrepo_c/__init__.py`` API).

Determinism: with ``timestamp`` set, every time field (package build/file times, repomd record
timestamps, repomd revision) is that value, packages are written in sorted NEVRA order and the
``pkgId`` of a package without one is derived from its NEVRA, so regenerating a repository from
the same input gives byte-identical files.  gzip output is stable because zlib writes a zero
mtime in the header; zstd output is stable by construction.

Compression: ``gz`` (default) is what the ``solv`` wheel's ``xfopen`` reads natively; ``zstd``
is what Fedora's own repos use and :mod:`streams.solver.repos` decompresses it with
createrepo_c before parsing, which costs a little time on a cold load.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import createrepo_c as cr

from streams.errors import UsageError

Compression = Literal["gz", "zstd", "xz", "none"]

_COMPRESSION = {
    "gz": (cr.GZ_COMPRESSION, ".gz"),
    "zstd": (cr.ZSTD_COMPRESSION, ".zst"),
    "xz": (cr.XZ_COMPRESSION, ".xz"),
    "none": (cr.NO_COMPRESSION, ""),
}

# rpm-md flag names (createrepo_c's cr_flag_to_str, contracts.md §5) and the operators they spell.
FLAGS = {"LT": "<", "GT": ">", "EQ": "=", "LE": "<=", "GE": ">="}
_OPERATORS = {"<": "LT", ">": "GT", "=": "EQ", "==": "EQ", "<=": "LE", ">=": "GE"}

DepTuple = tuple[str, str | None, str | None, str | None, str | None]
"""``(name, flags, epoch, version, release)``; flags one of LT GT EQ LE GE or None."""

DepInput = DepTuple | str
"""A tuple as above, or a string: ``name``, ``name OP [E:]V[-R]``, or a rich dep ``(...)``."""

_SIMPLE_DEP = re.compile(r"^(?P<name>\S+)\s+(?P<op><=|>=|==|=|<|>)\s+(?P<evr>\S+)$")


def parse_dep(dep: DepInput) -> DepTuple:
    """Normalise one dependency to the ``(name, flags, epoch, version, release)`` tuple.

    A rich dependency (a string starting with ``(``) stays whole in ``name`` with no flags,
    which is how createrepo_c writes it into primary.xml (an ``rpm:entry`` with only ``name``)
    and how libsolv's rpm-md parser expects it.
    """
    if isinstance(dep, tuple):
        name, flags, epoch, ver, rel = dep
        if flags is not None and flags not in FLAGS:
            raise UsageError(
                f"bad dependency flags {flags!r} in {dep!r}",
                hint=f"use one of {', '.join(FLAGS)} or None",
            )
        return (name, flags, epoch, ver, rel)
    text = dep.strip()
    if not text:
        raise UsageError("empty dependency string")
    if text.startswith("("):
        return (text, None, None, None, None)
    m = _SIMPLE_DEP.match(text)
    if m is None:
        if len(text.split()) != 1:
            raise UsageError(
                f"cannot parse dependency {dep!r}",
                hint="write 'name', 'name >= 1.0' or a rich dependency in parentheses",
            )
        return (text, None, None, None, None)
    epoch, ver, rel = split_evr(m["evr"])
    return (m["name"], _OPERATORS[m["op"]], epoch, ver, rel)


def split_evr(evr: str) -> tuple[str, str, str | None]:
    """``[E:]V[-R]`` into (epoch, version, release); the epoch defaults to ``"0"``."""
    epoch = "0"
    if ":" in evr:
        epoch, evr = evr.split(":", 1)
    ver, sep, rel = evr.rpartition("-")
    if not sep:
        return epoch, evr, None
    return epoch, ver, rel


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """One package of a repository to write.  Only ``name`` and ``version`` are required."""

    name: str
    version: str
    release: str = "1"
    epoch: int = 0
    arch: str = "noarch"
    summary: str = ""
    description: str = ""
    license: str = ""
    url: str = ""
    sourcerpm: str = ""
    provides: tuple[DepInput, ...] = ()
    requires: tuple[DepInput, ...] = ()
    conflicts: tuple[DepInput, ...] = ()
    obsoletes: tuple[DepInput, ...] = ()
    recommends: tuple[DepInput, ...] = ()
    files: tuple[str, ...] = ()
    dirs: tuple[str, ...] = field(default=())
    pkgid: str | None = None
    """sha256 of the RPM file; derived from the NEVRA when the package does not exist."""
    location: str | None = None
    """Path of the RPM file relative to the repo; default ``Packages/<n>/<nevra>.rpm``."""
    self_provide: bool = True
    """Add ``name = epoch:version-release`` to provides, as rpmbuild always does."""

    @property
    def nevra(self) -> str:
        e = f"{self.epoch}:" if self.epoch else ""
        return f"{self.name}-{e}{self.version}-{self.release}.{self.arch}"


def _cr_deps(
    deps: Iterable[DepInput],
) -> list[tuple[str, str | None, str | None, str | None, str | None, bool]]:
    out = []
    for d in deps:
        name, flags, epoch, ver, rel = parse_dep(d)
        out.append((name, flags, epoch, ver, rel, False))
    return out


def _cr_files(paths: Iterable[str], kind: str) -> list[tuple[str, str, str]]:
    out = []
    for p in paths:
        head, _, tail = p.rstrip("/").rpartition("/")
        out.append((kind, head + "/", tail))
    return out


def to_cr_package(info: PackageInfo, timestamp: int) -> cr.Package:
    """A :class:`createrepo_c.Package` describing ``info``."""
    pkg = cr.Package()
    pkg.name = info.name
    pkg.epoch = str(info.epoch)
    pkg.version = info.version
    pkg.release = info.release
    pkg.arch = info.arch
    pkg.summary = info.summary or info.name
    pkg.description = info.description or pkg.summary
    pkg.rpm_license = info.license
    pkg.url = info.url
    pkg.rpm_sourcerpm = info.sourcerpm
    pkg.pkgId = info.pkgid or hashlib.sha256(info.nevra.encode()).hexdigest()
    pkg.checksum_type = "sha256"
    pkg.location_href = info.location or f"Packages/{info.name[:1].lower()}/{info.nevra}.rpm"
    pkg.time_file = timestamp
    pkg.time_build = timestamp
    provides = list(info.provides)
    if info.self_provide:
        provides.append((info.name, "EQ", str(info.epoch), info.version, info.release))
    pkg.provides = _cr_deps(provides)
    pkg.requires = _cr_deps(info.requires)
    pkg.conflicts = _cr_deps(info.conflicts)
    pkg.obsoletes = _cr_deps(info.obsoletes)
    pkg.recommends = _cr_deps(info.recommends)
    pkg.files = _cr_files(info.files, "") + _cr_files(info.dirs, "dir")
    return pkg


@dataclass(frozen=True, slots=True)
class WrittenRepo:
    """Where a repository was written and what its repomd.xml says."""

    path: Path
    revision: str
    files: dict[str, Path]
    """repomd record type (``primary``, ``filelists``, ``other``) -> file path."""


def write_repo(
    dest: Path,
    packages: Sequence[PackageInfo],
    *,
    compression: Compression = "gz",
    timestamp: int | None = None,
    revision: str | None = None,
    filelists: bool = True,
    other: bool = True,
) -> WrittenRepo:
    """Write ``dest/repodata/`` (primary, filelists, other, repomd.xml) describing ``packages``.

    Files are named ``<sha256>-<type>.xml.<ext>`` as createrepo_c does by default.  An existing
    ``repodata`` directory is replaced only once the new one is complete (written next to it and
    renamed), so a crash leaves the old repository intact.  ``timestamp`` fixes every time
    field for byte-stable output; without it the current time is used.
    """
    if compression not in _COMPRESSION:
        raise UsageError(
            f"unknown compression {compression!r}", hint=f"use one of {', '.join(_COMPRESSION)}"
        )
    ctype, ext = _COMPRESSION[compression]
    ts = int(time.time()) if timestamp is None else timestamp
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / ".repodata.tmp"
    if tmp.exists():
        _rmtree(tmp)
    tmp.mkdir()
    ordered = sorted(packages, key=lambda p: (p.name, p.arch, p.epoch, p.version, p.release))

    kinds: list[tuple[str, type]] = [("primary", cr.PrimaryXmlFile)]
    if filelists:
        kinds.append(("filelists", cr.FilelistsXmlFile))
    if other:
        kinds.append(("other", cr.OtherXmlFile))
    writers = {}
    for kind, cls in kinds:
        w = cls(str(tmp / f"{kind}.xml{ext}"), ctype)
        w.set_num_of_pkgs(len(ordered))
        writers[kind] = w
    for info in ordered:
        pkg = to_cr_package(info, ts)
        for w in writers.values():
            w.add_pkg(pkg)
    for w in writers.values():
        w.close()

    repomd = cr.Repomd()
    repomd.set_revision(revision if revision is not None else str(ts))
    final: dict[str, Path] = {}
    for kind, _cls in kinds:
        rec = cr.RepomdRecord(kind, str(tmp / f"{kind}.xml{ext}"))
        rec.fill(cr.SHA256)
        rec.rename_file()  # prefixes the file name with its checksum, as createrepo_c does
        rec.timestamp = ts
        repomd.set_record(rec)
        final[kind] = Path(rec.location_real)
    repomd.sort_records()
    (tmp / "repomd.xml").write_text(repomd.xml_dump(), encoding="utf-8")

    target = dest / "repodata"
    old = dest / ".repodata.old"
    if old.exists():
        _rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        _rmtree(old)
    files = {k: target / p.name for k, p in final.items()}
    return WrittenRepo(dest, repomd.revision, files)


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)
