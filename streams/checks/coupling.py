"""The coupling rule, checked: no stream package requires an exact version of something the
stream does not provide itself (docs/specgen.md, "The coupling rule").

A stream reuses Fedora's packages.  A requirement such as ``python3.14dist(lark) = 1.2.2`` on
one of them means Fedora cannot update lark without breaking the stream's installation (dnf
then refuses the update, or removes the stream), so specgen never writes one
(:func:`streams.specgen.requires.reused_dep`).  This check proves it on what is actually
there, hand-edited and packager-owned specs included:

* the binary RPMs of the published repository: their ``Requires`` as rpm formats them
  (:mod:`streams.checks.rpms`);
* the stream's spec files, read by rpm's own spec parser (``rpm.spec``, macros expanded as
  rpmbuild expands them): the ``BuildRequires`` (which no binary header carries) and the
  ``Requires`` of every package, so a pin is caught before anything is built.

A dependency is *exact* when it is ``NAME = EVR``, or a rich dependency (rpm's boolean
dependencies, https://rpm-software-management.github.io/rpm/manual/boolean_dependencies.html)
whose every comparison on ``NAME`` is ``=`` (or ``>= V`` together with ``<= V``).  It is a
violation when ``NAME`` is not provided inside the stream: not by any of its packages (RPMs
and specs), and not in its own ``NAME-stream`` namespace (the stream's packages move
together, so the stream's own requirements are exact by design).  ``python(abi) = X.Y`` is
not a version pin but the interpreter's ABI, which every Fedora Python package requires
exactly (Fedora's Python packaging guidelines, "Automatically generated dependencies"), and
``rpmlib(...)`` names rpm features; both are exempt.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import rpm

from streams.checks.model import CheckResult
from streams.checks.rpms import RpmInfo

#: Names that an exact requirement may use without coupling the stream to a base version,
#: with the reason (printed in the check's evidence).
EXEMPT: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^python\(abi\)$"),
        "the interpreter's ABI, which every Python package requires exactly",
    ),
    (re.compile(r"^rpmlib\("), "an rpm feature, not a package"),
)

# The comparison operators of rpm dependencies; in a rich dependency every token is separated
# by spaces, and parentheses open or close a group only at a token's start or end (a name can
# hold its own: python3dist(x), libfoo.so.1()(64bit)).
_OPERATORS = frozenset({"=", "<", ">", "<=", ">="})


def _terms(text: str) -> list[tuple[str, str, str]]:
    """``(name, operator, evr)`` of every comparison in a rich dependency."""
    tokens = text.split()
    out = []
    for i in range(len(tokens) - 2):
        if tokens[i + 1] in _OPERATORS:
            out.append((tokens[i].lstrip("("), tokens[i + 1], tokens[i + 2].rstrip(")")))
    return out


@dataclass(frozen=True, slots=True)
class Pin:
    """An exact requirement of a stream package on something the stream does not provide."""

    where: str
    """The RPM (its NEVRA) or the spec file (its name) that carries the requirement."""
    kind: str
    """``requires`` or ``build-requires``."""
    dependency: str
    """The dependency as rpm prints it."""
    name: str
    """The pinned name."""

    def sentence(self) -> str:
        return (
            f"{self.where} {self.kind} {self.dependency}: an exact version of {self.name}, "
            "which the stream does not provide (a base package: Fedora could not update it "
            "without breaking the stream; require a range, e.g. >= V with < NEXT)"
        )


def pinned_names(dependency: str) -> list[str]:
    """The names ``dependency`` (as rpm prints it) requires at one exact version.

    >>> pinned_names("python3.14dist(lark) = 1.2.2")
    ['python3.14dist(lark)']
    >>> pinned_names("(python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)")
    []
    >>> pinned_names("(python3dist(torch) = 2.9.1 with python3dist(torch[opt]) = 2.9.1)")
    ['python3dist(torch)', 'python3dist(torch[opt])']
    """
    text = dependency.strip()
    if not text.startswith("("):
        parts = text.split()
        return [parts[0]] if len(parts) == 3 and parts[1] == "=" else []
    terms: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, op, evr in _terms(text):
        terms[name].add((op, evr))
    out = []
    for name, comparisons in terms.items():
        ops = {op for op, _ in comparisons}
        evrs = {evr for _, evr in comparisons}
        if ops == {"="} or (ops == {">=", "<="} and len(evrs) == 1):
            out.append(name)
    return sorted(out)


def exemption(name: str) -> str | None:
    """Why an exact requirement on ``name`` is allowed, or None."""
    for pattern, why in EXEMPT:
        if pattern.search(name):
            return why
    return None


@dataclass(frozen=True, slots=True)
class SpecDeps:
    """What one spec file declares, read by rpm's spec parser."""

    path: Path
    build_requires: tuple[str, ...]
    requires: tuple[tuple[str, str], ...]
    """``(package name, dependency)`` of every package the spec builds."""
    provides: tuple[str, ...]


def _deps(hdr: rpm.hdr, kind: str) -> list[str]:
    # DNEVR() is "R name = 1.0": a one-letter tag and a space before the dependency
    return [d.DNEVR()[2:] for d in rpm.ds(hdr, kind)]


def read_spec(path: Path, sourcedir: Path | None = None) -> SpecDeps:
    """``path`` parsed by rpm (``rpm.spec``), ``%_sourcedir`` set to ``sourcedir`` (where a
    packager-owned spec's include is: ``SOURCES/`` beside ``SPECS/``, default the spec's own
    directory).  Raises ``ValueError`` with rpm's own error lines when rpm cannot parse it.
    """
    # A spec's %global/%define stay in rpm's global macro context after a parse, so each
    # parse starts from, and leaves, rpm's configuration alone (specfile's Macros.reinit, as
    # specfile does before each of its own parses).  rpm logs parse errors to the process's
    # stderr (fd 2); specfile's capture_stderr reads them there.
    from specfile.context_management import capture_stderr
    from specfile.macros import Macros

    where = sourcedir or path.parent
    failed: ValueError | None = None
    Macros.reinit()
    try:
        rpm.addMacro("_sourcedir", str(where.resolve()))
        with capture_stderr() as log:
            try:
                spec = rpm.spec(str(path))
            except ValueError as exc:
                failed = exc
    finally:
        Macros.reinit()
    if failed is not None:
        lines = [ln.decode(errors="replace").strip() for ln in log]
        errors = [ln for ln in lines if ln.startswith("error:")]
        raise ValueError("; ".join(errors) or str(failed)) from failed
    requires: list[tuple[str, str]] = []
    provides: list[str] = []
    for pkg in spec.packages:
        name = str(pkg.header[rpm.RPMTAG_NAME])
        requires += [(name, d) for d in _deps(pkg.header, "requires")]
        provides += _deps(pkg.header, "provides")
    return SpecDeps(
        path, tuple(_deps(spec.sourceHeader, "requires")), tuple(requires), tuple(provides)
    )


def read_specs(spec_dir: Path) -> tuple[list[SpecDeps], list[str]]:
    """Every ``*.spec`` of ``spec_dir`` read by :func:`read_spec` (``%_sourcedir`` is the
    ``SOURCES/`` beside it when there is one, as in ``out/NAME/TARGET/specs/``), and one
    sentence per spec rpm cannot parse."""
    sources = spec_dir.parent / "SOURCES"
    sourcedir = sources if sources.is_dir() else spec_dir
    specs: list[SpecDeps] = []
    unreadable: list[str] = []
    for path in sorted(spec_dir.glob("*.spec")):
        try:
            specs.append(read_spec(path, sourcedir))
        except ValueError as exc:
            unreadable.append(f"{path.name}: rpm cannot parse it ({exc})")
    return specs, unreadable


def _provided(provides: Iterable[str]) -> set[str]:
    return {p.split(" ", 1)[0] for p in provides}


@dataclass(frozen=True, slots=True)
class Coupling:
    """The pins found, and what was read to find them."""

    pins: tuple[Pin, ...]
    requirements: int
    """How many requirements (of RPMs and specs) were read."""
    exempt: tuple[str, ...]
    """One sentence per exempt name that was required exactly."""


def find_pins(stream: str, rpms: Sequence[RpmInfo], specs: Sequence[SpecDeps]) -> Coupling:
    """Every exact requirement of ``rpms`` and ``specs`` on a name the stream does not provide.

    The stream provides what any of its RPMs or spec packages provides, and every name in its
    own namespace (``STREAM-stream...``).
    """
    provided = _provided(p for info in rpms for p in info.provides)
    provided |= _provided(p for s in specs for p in s.provides)
    own = f"{stream}-stream"
    seen: list[tuple[str, str, str]] = [
        (info.nevra, "requires", dep) for info in rpms for dep in info.requires
    ]
    for s in specs:
        seen += [(s.path.name, "build-requires", dep) for dep in s.build_requires]
        seen += [(s.path.name, "requires", dep) for _pkg, dep in s.requires]
    pins: set[Pin] = set()
    exempt: set[str] = set()
    for where, kind, dep in seen:
        for name in pinned_names(dep):
            if name in provided or name.startswith(own):
                continue
            why = exemption(name)
            if why is not None:
                exempt.add(f"{name} is required exactly, which is allowed: {why}")
                continue
            pins.add(Pin(where, kind, dep, name))
    ordered = sorted(pins, key=lambda p: (p.where, p.kind, p.dependency, p.name))
    return Coupling(tuple(ordered), len(seen), tuple(sorted(exempt)))


def check_coupling(stream: str, rpms: Sequence[RpmInfo], spec_dir: Path | None) -> CheckResult:
    """The ``coupling`` check: fails on every pin (:func:`find_pins`) and on every spec of
    ``spec_dir`` that rpm cannot parse (the rule cannot be proved for it).  Without a spec
    directory only the RPMs are read, and the evidence says so."""
    specs: list[SpecDeps] = []
    unreadable: list[str] = []
    if spec_dir is not None and spec_dir.is_dir():
        specs, unreadable = read_specs(spec_dir)
        read = f"{len(rpms)} RPM headers and {len(specs)} specs of {spec_dir}"
    else:
        where = f" ({spec_dir} does not exist)" if spec_dir is not None else ""
        read = (
            f"{len(rpms)} RPM headers; no specs{where}, so BuildRequires were not read "
            "(give --spec-dir)"
        )
    found = find_pins(stream, rpms, specs)
    summary = (
        f"read {read}: {found.requirements} requirements, "
        f"{'none' if not found.pins else len(found.pins)} exact on a package the stream "
        "does not provide"
    )
    problems = [p.sentence() for p in found.pins] + unreadable
    return CheckResult("coupling", not problems, (*problems, *found.exempt, summary))
