"""Fedora's own spec facts per release point: non-Python ``BuildRequires`` and ``License:``.

For every spec that builds a Python distribution of a release point's table
(``streams/data/fedora/<snapshot>.tsv``, column ``source_spec``), rpm itself parses the spec as
it was in the ``major/fedora-rpm-specs`` mirror at that release point's commit, with Fedora's
``%fedora``, ``%dist`` and Python macros of that release point defined (:func:`fedora_macros`),
and reports:

* the source package's ``BuildRequires`` -- conditionals (``%if``, ``%{with ...}``, ``%bcond``
  defaults) are evaluated by rpm, so only the branches Fedora builds count -- keeping the
  compilers, build tools and libraries (``gcc-c++``, ``cmake``, ``pkgconfig(zlib)``,
  ``openssl-devel``, ``rust-packaging``...) and dropping what a Python build requirement
  already says (:func:`is_python_dep`), Rust crates packaged as RPMs (:func:`is_crate_dep`)
  and MinGW cross-compilation (:func:`is_cross_dep`);
* the ``License:`` of the binary package that installs the distribution (a subpackage may
  have its own), falling back to the source package's.

Dynamic build requirements (``%generate_buildrequires``) are not in a spec's header: for
Python they are what ``%pyproject_buildrequires`` asks the build backend, which streams asks
itself; ``%cargo_generate_buildrequires`` gives Rust crates, which streams vendors.

The spec is parsed in-process through rpm's Python bindings (``rpm.spec``; no ``rpmbuild``), one
spec per worker task, rpm's configuration reloaded before each so no spec sees another's
``%global``.  A spec rpm cannot parse, or one missing from the mirror, is listed in
``<snapshot>-specs-missing.tsv`` with rpm's error, and its distributions have no row.

The pure parts are :func:`non_python_build_requires`, :func:`fact_rows` and the renderers;
:func:`read_specs` talks to git and :func:`parse_specs` to rpm.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from streams.infra import proc
from streams.infra.fsutil import atomic_write_text
from tools.snapshots.snapshot import SnapshotInfo, TableRow

__all__ = [
    "MIRROR",
    "MISSING_COLUMNS",
    "SPECS_COLUMNS",
    "FactRow",
    "MissingSpec",
    "ParsedSpec",
    "fact_rows",
    "fedora_macros",
    "for_rpm_418",
    "is_crate_dep",
    "is_cross_dep",
    "is_python_dep",
    "missing_file",
    "non_python_build_requires",
    "parse_spec",
    "parse_specs",
    "read_specs",
    "render_missing",
    "render_table",
    "specs_file",
]

MIRROR = "major/fedora-rpm-specs"
SPECS_COLUMNS = ("dist_name", "source_spec", "build_requires", "license")
MISSING_COLUMNS = ("source_spec", "dist_names", "reason")
SEPARATOR = ", "
"""Between dependencies in ``build_requires``: rpm accepts commas between them in a
``BuildRequires:`` line too, and no dependency (rich ones included) contains a comma."""


def specs_file(snapshot: str) -> str:
    return f"{snapshot}-specs.tsv"


def missing_file(snapshot: str) -> str:
    return f"{snapshot}-specs-missing.tsv"


# --- the macros of a release point -----------------------------------------------------------


def fedora_macros(info: SnapshotInfo) -> dict[str, str]:
    """The macros Fedora's buildroot defines that the preambles of Python specs use.

    Debian's rpm has none of Fedora's macro packages, so these are defined here, by their
    documented meaning:

    * ``%fedora``, ``%dist``, ``%fcNN`` (redhat-rpm-config's dist macros; ``%rhel`` stays
      undefined, as on Fedora);
    * the Python ones (python-rpm-macros, ``macros.python3`` and ``macros.python-srpm``):
      ``%python3_pkgversion`` (``3``), ``%python3_version``, ``%__python3``, ``%python3``,
      the sitelib/sitearch paths, ``%py3_dist NAME...`` (``python3dist(NAME)``, lowercased as
      Fedora's Lua does a part of PEP 503), and ``%py_provides`` / ``%python_extras_subpkg`` /
      ``%pyproject_extras_subpkg`` as no-ops (they add provides and extras subpackages,
      which are not what is read here);
    * rpmautospec's ``%autorelease`` (``1%{?dist}``) and ``%autochangelog`` (empty);
    * the forge macros' ``%forgemeta`` as a no-op.

    Every other macro a spec uses is left as rpm leaves an undefined macro.
    """
    ver = info.python
    nodots = ver.replace(".", "")
    return {
        # mock's build directory, so that no path depends on who runs the tool
        "_topdir": "/builddir/build",
        "fedora": str(info.fedora),
        "dist": f".fc{info.fedora}",
        f"fc{info.fedora}": "1",
        "python3_pkgversion": "3",
        "python3_version": ver,
        "python3_version_nodots": nodots,
        "__python3": "/usr/bin/python3",
        "python3": "%{__python3}",
        "python3_sitelib": f"/usr/lib/python{ver}/site-packages",
        "python3_sitearch": f"/usr/lib64/python{ver}/site-packages",
        "python3_platform_triplet": "x86_64-linux-gnu",
        "python_wheel_pkg_prefix": "python%{python3_pkgversion}",
        "py3_dist()": (
            '%{lua:for i = 1, #arg do print("python3dist(" .. string.lower(arg[i]) .. ") ") end}'
        ),
        "py_provides()": "%{nil}",
        "python_extras_subpkg(n:i:f:FaA)": "%{nil}",
        "pyproject_extras_subpkg(n:i:f:FaA)": "%{nil}",
        "autorelease(e:s:hpb:n)": "1%{?dist}",
        "autochangelog": "%{nil}",
        "forgemeta(z:isva)": "%{nil}",
        # Fedora's %py_dist_name: the PEP 503 name (lowercase, runs of -_. to -)
        "py_dist_name()": '%{lua:print((string.lower(arg[1]):gsub("[-_.]+", "-")))}',
        # rpm 4.19's %{sub STRING START END} (string.sub), missing from Debian's 4.18
        "sub()": "%{lua:print(string.sub(arg[1], tonumber(arg[2]), tonumber(arg[3])))}",
        # %prep is not read; rpm 4.19's new %autosetup -C / %autopatch -q options would fail
        "autosetup(a:b:cCDn:TvNS:p:)": "%{nil}",
        "autopatch(vqp:m:M:)": "%{nil}",
    }


# --- which build requirements count -------------------------------------------------------

# What Fedora's Python macros and interpreter packages provide, not a compiler, tool or library
# a bundled build needs: the Python build requirements come from the build backend
# (pyproject-rpm-macros' %pyproject_buildrequires; Fedora's Python packaging guidelines,
# https://docs.fedoraproject.org/en-US/packaging-guidelines/Python/#_buildrequires).
_PYTHON_TOOLING = frozenset(
    {
        "pyproject-rpm-macros",
        "python-rpm-macros",
        "python3-rpm-macros",
        "python-srpm-macros",
        "python3-rpm-generators",
        "python-unversioned-command",
        "python(abi)",
    }
)
_PYTHON_NAME = re.compile(r"^python[0-9.]*(-|dist\(|\(|$)")
"""``python3``, ``python3-foo``, ``python3.14-foo``, ``python-foo``, ``python3dist(foo)``,
``python3.14dist(foo)``, ``python3(x86-32)``: an interpreter or a Python package (Fedora's
naming guidelines)."""
_RICH_WORDS = frozenset({"and", "or", "if", "else", "with", "without", "unless"})
_OPERATORS = frozenset({"<", "<=", "=", "==", ">=", ">"})
# MinGW cross-compilation packages build Windows binaries in separate subpackages (Fedora's
# MinGW guidelines, https://docs.fedoraproject.org/en-US/packaging-guidelines/MinGW/); a
# native build never needs them.
_CROSS_PREFIXES = ("mingw32-", "mingw64-", "ucrt64-")


def _atom_names(dep: str) -> list[str]:
    """The package names in a dependency: one for ``foo >= 1``, every operand of a rich one.

    Only for classifying by prefix: a rich dependency's parentheses are stripped from the
    ends of its words, so ``(pkgconfig(zlib) or foo)`` gives ``pkgconfig(zlib`` and ``foo``.
    """
    names: list[str] = []
    skip = False
    for word in dep.split():
        token = word.lstrip("(").rstrip(")") if dep.startswith("(") else word
        if skip:
            skip = False
        elif token in _OPERATORS:
            skip = True
        elif token and token not in _RICH_WORDS:
            names.append(token)
    return names


def _python_name(name: str) -> bool:
    if name in _PYTHON_TOOLING or _PYTHON_NAME.match(name):
        return True
    # python3-devel's provides and files: the interpreter's headers and pkg-config files
    return name.startswith(("pkgconfig(python", "/usr/bin/python"))


def is_python_dep(dep: str) -> bool:
    """Whether every package a dependency names is Python itself, a Python package or macros."""
    return all(_python_name(n) for n in _atom_names(dep))


def is_crate_dep(dep: str) -> bool:
    """Whether a dependency is on Rust crates packaged as RPMs (``crate(serde/default)``).

    streams vendors a Rust build's crates from its ``Cargo.lock`` instead.
    """
    return all(n.startswith("crate(") for n in _atom_names(dep))


def is_cross_dep(dep: str) -> bool:
    """Whether a dependency is for MinGW cross-compilation only."""
    return all(n.startswith(_CROSS_PREFIXES) for n in _atom_names(dep))


# Tools only Fedora's own spec steps use, never a build of the same sdist: source signature
# checks (%gpgverify, Fedora's guidelines "Source File Verification",
# https://docs.fedoraproject.org/en-US/packaging-guidelines/#_source_file_verification) and
# tomcli, with which Fedora's %prep edits pyproject.toml.
_SPEC_ONLY = frozenset({"gnupg2", "/usr/bin/gpgv2", "tomcli"})


def non_python_build_requires(deps: Iterable[str]) -> tuple[str, ...]:
    """The compilers, tools and libraries among a spec's BuildRequires, in rpm's order, once.

    Dropped: Python (:func:`is_python_dep`), MinGW cross builds (:func:`is_cross_dep`),
    Rust crates (:func:`is_crate_dep`),
    rpm's own ``rpmlib(...)`` features and the tools of Fedora's own spec steps
    (``gnupg2``, ``tomcli``).
    """
    out: list[str] = []
    for dep in deps:
        if dep in out or dep.startswith("rpmlib(") or dep.split()[0] in _SPEC_ONLY:
            continue
        if is_python_dep(dep) or is_cross_dep(dep) or is_crate_dep(dep):
            continue
        out.append(dep)
    return tuple(out)


# --- reading specs ---------------------------------------------------------------------------


def read_specs(git_dir: Path, commit: str, names: Iterable[str], dest: Path) -> dict[str, Path]:
    """Write the specs ``names`` of ``commit`` under ``dest``; the ones found, by name.

    One ``git archive`` of exactly those paths (names absent from the commit's ``specs/`` are
    skipped: they are reported as missing by the caller).
    """
    listed = proc.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", commit, "specs/"],
        what="git ls-tree",
    ).stdout.split()
    present = {p.removeprefix("specs/") for p in listed}
    wanted = sorted(set(names) & present)
    if not wanted:
        return {}
    archive = dest / "specs.tar"
    proc.run(
        ["git", "--git-dir", str(git_dir), "archive", "--format=tar", "-o", str(archive), commit]
        + [f"specs/{n}" for n in wanted],
        what="git archive",
    )
    out: dict[str, Path] = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("specs/")
            if member.isfile() and name in wanted:
                fh = tar.extractfile(member)
                assert fh is not None
                path = dest / name
                path.write_bytes(fh.read())
                out[name] = path
    archive.unlink()
    return out


# --- parsing with rpm ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedSpec:
    """What rpm says about one spec."""

    source_spec: str
    build_requires: tuple[str, ...]
    """Every ``BuildRequires`` of the source package as rpm writes it (``cmake >= 3.15``)."""
    licenses: Mapping[str, str]
    """``License:`` of each binary package, by package name."""
    source_license: str


class SpecParseError(Exception):
    """rpm could not parse a spec; the message is rpm's error lines."""


_LOG: list[IO[str]] = []


def _rpm_log() -> IO[str]:
    """This process's file for rpm's messages (rpm keeps writing to the file it was given)."""
    import rpm

    if not _LOG:
        _LOG.append(tempfile.TemporaryFile("w+"))  # noqa: SIM115 (kept for the process)
        rpm.setLogFile(_LOG[0])
        rpm.setVerbosity(rpm.RPMLOG_ERR)
    return _LOG[0]


_DECLARATIVE = re.compile(
    r"^(BuildSystem|BuildOption(\([a-z_]+\))?)\s*:"
    r"|^%(prep|conf|generate_buildrequires|build|install|check|clean)\s+-[ap]\b",
    re.IGNORECASE,
)


def for_rpm_418(text: str) -> str:
    """``text`` with rpm 4.20's declarative build lines (``BuildSystem:``, ``BuildOption:``,
    the ``%build -a``/``-p`` headers that append to or prepend the generated scriptlets)
    commented out, so that Debian's rpm 4.18 parses the rest (the lines of an appended
    scriptlet then join the section before it: no scriptlet is read here).

    They only generate the build scriptlets and, for ``BuildSystem: pyproject``, add
    ``python3-devel`` and ``pyproject-rpm-macros`` to BuildRequires, which are Python and
    dropped anyway (rpm's manual, "Declarative builds",
    https://rpm-software-management.github.io/rpm/manual/buildsystem.html; Fedora's
    pyproject-rpm-macros README, "BuildSystem: pyproject").
    """
    lines = text.splitlines(keepends=True)
    return "".join("#" + ln if _DECLARATIVE.match(ln) else ln for ln in lines)


def parse_spec(path: Path, macros: Mapping[str, str]) -> ParsedSpec:
    """Parse one spec with rpm's Python bindings, ``macros`` defined (SpecParseError)."""
    import rpm

    rpm.reloadConfig()
    for name, body in macros.items():
        # a name with "(opts)" is a parametric macro: define it through %define
        if "(" in name:
            rpm.expandMacro(f"%define {name} {body}")
        else:
            rpm.addMacro(name, body)
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    shimmed = for_rpm_418(text)
    if shimmed != text:
        path.write_text(shimmed, encoding="utf-8", errors="surrogateescape")
    log = _rpm_log()
    log.seek(0)
    log.truncate()
    try:
        # ANYARCH: ExclusiveArch (%{rust_arches}...) must not stop the parse; FORCE: no
        # source has to exist
        spec = rpm.spec(str(path), rpm.RPMSPEC_ANYARCH | rpm.RPMSPEC_FORCE)
    except (ValueError, rpm.error) as exc:
        log.flush()
        log.seek(0)
        lines = [ln.strip() for ln in log.read().splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error:")] or lines or [str(exc)]
        raise SpecParseError("; ".join(errors)) from None
    header = spec.sourceHeader
    deps = tuple(d.DNEVR()[2:] for d in rpm.ds(header, "requires"))
    licenses = {
        str(p.header[rpm.RPMTAG_NAME]): str(p.header[rpm.RPMTAG_LICENSE]) for p in spec.packages
    }
    return ParsedSpec(path.name, deps, licenses, str(header[rpm.RPMTAG_LICENSE]))


def _parse_one(args: tuple[str, dict[str, str]]) -> ParsedSpec | tuple[str, str]:
    path, macros = args
    try:
        return parse_spec(Path(path), macros)
    except SpecParseError as exc:
        # rpm names the file in some errors: keep the message free of the temporary directory
        return (Path(path).name, str(exc).replace(f"{Path(path).parent}/", ""))


def parse_specs(
    paths: Mapping[str, Path], macros: Mapping[str, str], *, workers: int = 2
) -> tuple[dict[str, ParsedSpec], dict[str, str]]:
    """Parse every spec (``workers`` processes); the parsed ones and rpm's error for the rest.

    Each worker runs in the specs' directory, so a spec's ``%(...)`` shell expansion sees
    nothing but specs.
    """
    parsed: dict[str, ParsedSpec] = {}
    failed: dict[str, str] = {}
    names = sorted(paths)
    if not names:
        return parsed, failed
    cwd = os.getcwd()
    os.chdir(paths[names[0]].parent)
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            jobs = [(str(paths[n]), dict(macros)) for n in names]
            for result in pool.map(_parse_one, jobs, chunksize=16):
                if isinstance(result, ParsedSpec):
                    parsed[result.source_spec] = result
                else:
                    failed[result[0]] = result[1]
    finally:
        os.chdir(cwd)
    return parsed, failed


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class FactRow:
    """One row of ``<snapshot>-specs.tsv``."""

    dist_name: str
    source_spec: str
    build_requires: tuple[str, ...]
    license: str


@dataclass(frozen=True, slots=True, order=True)
class MissingSpec:
    """A spec whose facts are unknown, and why."""

    source_spec: str
    dist_names: tuple[str, ...]
    reason: str


def fact_rows(
    rows: Sequence[TableRow], parsed: Mapping[str, ParsedSpec], failed: Mapping[str, str]
) -> tuple[list[FactRow], list[MissingSpec]]:
    """One row per (distribution, spec) of the package table whose spec rpm parsed.

    The license is the one of the binary package that installs the distribution (the table's
    ``rpm_name`` without ``+extra``), else the source package's.
    """
    by_key: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (str(row.dist_name), row.source_spec)
        # a plain row names the distribution's own package; an extras row only its base
        if key not in by_key or row.extra is None:
            by_key[key] = row.base_name
    facts: list[FactRow] = []
    missing: dict[str, list[str]] = {}
    for (dist, spec), rpm_name in by_key.items():
        info = parsed.get(spec)
        if info is None:
            missing.setdefault(spec, []).append(dist)
            continue
        license_ = info.licenses.get(rpm_name, info.source_license)
        facts.append(FactRow(dist, spec, non_python_build_requires(info.build_requires), license_))
    gone = [
        MissingSpec(
            spec,
            tuple(sorted(set(dists))),
            failed.get(spec, f"not in {MIRROR} at this commit"),
        )
        for spec, dists in missing.items()
    ]
    return sorted(facts), sorted(gone)


def _clean(text: str) -> str:
    """One line, no tab: rpm's error messages and licenses go in a TSV cell."""
    return " ".join(text.split())


def _preamble(info: SnapshotInfo, what: str) -> str:
    return (
        f"# {what} of Fedora's Python specs at {info.name} (rawhide of {info.date}), "
        f"{MIRROR} commit {info.mirror_commit}\n"
        "# made by tools/make_spec_facts.py; see docs/snapshots.md\n"
    )


def render_table(facts: Iterable[FactRow], info: SnapshotInfo) -> str:
    """``<snapshot>-specs.tsv``: two comment lines, the header, the sorted rows."""
    out = io.StringIO()
    out.write(_preamble(info, "Non-Python BuildRequires and License"))
    out.write("\t".join(SPECS_COLUMNS) + "\n")
    for f in sorted(facts):
        cells = (f.dist_name, f.source_spec, SEPARATOR.join(f.build_requires), _clean(f.license))
        out.write("\t".join(cells) + "\n")
    return out.getvalue()


def render_missing(missing: Iterable[MissingSpec], info: SnapshotInfo) -> str:
    """``<snapshot>-specs-missing.tsv``: the specs without facts and rpm's reason."""
    out = io.StringIO()
    out.write(_preamble(info, "Specs rpm could not read"))
    out.write("\t".join(MISSING_COLUMNS) + "\n")
    for m in sorted(missing):
        out.write("\t".join((m.source_spec, " ".join(m.dist_names), _clean(m.reason))) + "\n")
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Generated:
    """What :func:`generate` wrote for one release point."""

    facts: tuple[FactRow, ...]
    missing: tuple[MissingSpec, ...]
    specs: int
    table: Path
    missing_table: Path


def generate(
    info: SnapshotInfo,
    rows: Sequence[TableRow],
    git_dir: Path,
    data_dir: Path,
    *,
    workers: int = 2,
) -> Generated:
    """Extract and write ``<snapshot>-specs.tsv`` and ``<snapshot>-specs-missing.tsv``."""
    names = {r.source_spec for r in rows}
    with tempfile.TemporaryDirectory(prefix=f"specfacts-{info.name}-") as tmp:
        paths = read_specs(git_dir, info.mirror_commit, names, Path(tmp))
        parsed, failed = parse_specs(paths, fedora_macros(info), workers=workers)
    facts, missing = fact_rows(rows, parsed, failed)
    table = data_dir / specs_file(info.name)
    missing_table = data_dir / missing_file(info.name)
    atomic_write_text(table, render_table(facts, info))
    atomic_write_text(missing_table, render_missing(missing, info))
    return Generated(tuple(facts), tuple(missing), len(names), table, missing_table)
