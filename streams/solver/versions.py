"""PEP 440 versions and specifiers in RPM form, by the rules of Fedora's dependency generator.

Fedora does not write ``Requires``/``Provides`` for Python packages by hand: rpmbuild runs
``pythondistdeps.py`` from ``python-rpm-generators`` on every installed ``.dist-info`` and turns
its PEP 440 version and ``Requires-Dist`` specifiers into RPM dependencies.  A stream has to speak
exactly the same language, or a bundled package would not satisfy (or would wrongly satisfy) a
Fedora package's requirement.  This module follows that script; the functions and names it
mirrors are cited as ``pythondistdeps.py: RpmVersion`` etc. (read from Fedora's dist-git,
mirrored as ``sailfishos-mirror/python-rpm-generators``, rawhide; docs/reference/contracts.md
§4 summarises it).

RPM EVRs are compared by rpm itself (``rpm.labelCompare``), never by code here.

The rules are lossy in a few documented places (``docs/versions.md``): local version labels are
dropped, and only one of the pre/dev/post suffixes is kept (pre wins over dev, dev over post).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import VersionError

__all__ = [
    "OPERATORS",
    "Evr",
    "convert_specifier",
    "dist_dep_name",
    "dist_provide",
    "exact_pins",
    "join_deps",
    "python_minor",
    "rpm_dep",
    "rpm_evr",
    "rpm_version",
    "rpm_version_tag",
    "series_range",
    "split_specifiers",
]

#: The PEP 440 comparison operators, longest first so a regex alternation matches correctly.
OPERATORS: tuple[str, ...] = ("===", "~=", "==", "!=", "<=", ">=", "<", ">")

_SPEC_RE = re.compile(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*(\S+?)\s*$")
_EVR_RE = re.compile(r"^(?:(?P<epoch>\d+):)?(?P<version>[^\s:-]+)(?:-(?P<release>[^\s:-]+))?$")


# --------------------------------------------------------------------------------------------
# Evr: an RPM epoch-version-release ordered by rpm itself


@functools.total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Evr:
    """An RPM ``[epoch:]version[-release]`` whose order is rpm's own (``rpm.labelCompare``).

    Equality is rpm's too: ``Evr(0, "1.0") == Evr(0, "1.00")`` because rpm compares numeric
    segments as numbers.  A missing release sorts before any release, as in ``labelCompare``;
    that is an ordering, not dependency matching (where a missing release matches any): use
    libsolv or ``rpm.ds`` for the latter.
    """

    epoch: int
    version: str
    release: str | None = None

    def __post_init__(self) -> None:
        if self.epoch < 0:
            raise VersionError(f"RPM epoch must be >= 0, got {self.epoch}", text=str(self.epoch))
        for part, value in (("version", self.version), ("release", self.release)):
            if value is None:
                continue
            if not value or re.search(r"[\s:-]", value):
                raise VersionError(
                    f"invalid RPM {part} {value!r}: must be non-empty without '-', ':' or spaces",
                    text=value,
                )

    @classmethod
    def parse(cls, text: str) -> Evr:
        """Parse ``"1:2.0-3"``, ``"2.0-3"`` or ``"2.0"`` (epoch 0, no release)."""
        m = _EVR_RE.match(text.strip())
        if m is None:
            raise VersionError(
                f"invalid RPM EVR {text!r}",
                text=text,
                hint="expected [EPOCH:]VERSION[-RELEASE], e.g. 1:2.0-3",
            )
        epoch = m.group("epoch")
        return cls(int(epoch) if epoch else 0, m.group("version"), m.group("release"))

    def _label(self) -> tuple[str, str, str | None]:
        return (str(self.epoch), self.version, self.release)

    def compare(self, other: Evr) -> int:
        """-1, 0 or 1 as rpm orders ``self`` against ``other``."""
        import rpm  # the system's bindings; imported on first comparison (start-up cost)

        return int(rpm.labelCompare(self._label(), other._label()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Evr):
            return NotImplemented
        return self.compare(other) == 0

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Evr):
            return NotImplemented
        return self.compare(other) < 0

    def __hash__(self) -> int:
        # rpm-equal EVRs can be spelled differently ("1.0" == "1.00" == "1_0"); only the epoch is
        # guaranteed equal between them, so the hash uses nothing else.
        return hash(self.epoch)

    def __str__(self) -> str:
        text = f"{self.epoch}:{self.version}" if self.epoch else self.version
        return f"{text}-{self.release}" if self.release is not None else text


# --------------------------------------------------------------------------------------------
# PEP 440 -> RPM version


@dataclass(frozen=True, slots=True)
class _Parts:
    """The parts of a PEP 440 version that Fedora's rules keep (the local label is dropped)."""

    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None
    dev: int | None
    post: int | None

    @classmethod
    def of(cls, version: str | Version, *, context: str | None = None) -> _Parts:
        if isinstance(version, str):
            text = version
            try:
                version = Version(text)
            except InvalidVersion as exc:
                where = f" in {context}" if context else ""
                raise VersionError(
                    f"{text!r}{where} is not a valid PEP 440 version",
                    text=context or text,
                    hint="Fedora's generator cannot convert it either; fix the metadata",
                ) from exc
        return cls(version.epoch, version.release, version.pre, version.dev, version.post)

    @property
    def plain(self) -> bool:
        """True when the version has no pre, dev or post suffix (a final release)."""
        return self.pre is None and self.dev is None and self.post is None

    def without_last(self) -> _Parts:
        return replace(self, release=self.release[:-1])

    def incremented(self) -> _Parts:
        """Last release component + 1, no suffixes (pythondistdeps.py: RpmVersion.increment)."""
        return _Parts(self.epoch, (*self.release[:-1], self.release[-1] + 1), None, None, None)

    def __str__(self) -> str:
        # pythondistdeps.py: RpmVersion.__str__ -- epoch "N:", trailing zero components stripped
        # (at least one kept), then exactly one suffix: pre "~rc1" > dev "~~dev3" > post "^post1".
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        return self.text(tuple(release))

    def text(self, release: tuple[int, ...]) -> str:
        text = ".".join(str(x) for x in release)
        if self.epoch:
            text = f"{self.epoch}:{text}"
        if self.pre is not None:
            text += f"~{self.pre[0]}{self.pre[1]}"
        elif self.dev is not None:
            text += f"~~dev{self.dev}"
        elif self.post is not None:
            text += f"^post{self.post}"
        return text


def rpm_version(version: str | Version) -> str:
    """The RPM version Fedora gives a PEP 440 version: ``"1!2.0rc1+x"`` → ``"1:2~rc1"``.

    Raises :class:`~streams.errors.VersionError` for a string that is not PEP 440.
    """
    return str(_Parts.of(version))


def rpm_version_tag(version: str | Version) -> str:
    """The ``Version:`` tag of a package built from ``version``: the upstream version in RPM
    form, every release component kept (``2.14.0`` -> ``2.14.0``, ``2.12.0a1`` ->
    ``2.12.0~a1``, ``1.0.post2`` -> ``1.0^post2``, ``1.0.dev3`` -> ``1.0~~dev3``).

    Fedora's Python packaging guidelines ("Versioning": the Version is the upstream version,
    with ``~`` for pre-releases and ``^`` for post-release snapshots) and the general
    Versioning guidelines.  Only the dependency provides that Fedora's generator writes
    (:func:`rpm_version`) drop trailing zeros; rpm does not compare ``2.14.0`` and ``2.14``
    equal (``rpm.labelCompare`` says ``2.14.0`` is newer), so a tag and a provide must each
    keep their own form.  The local label is dropped as in :func:`rpm_version`; the PEP 440
    epoch is not part of the tag (it goes to the ``Epoch:`` tag: ``Version(v).epoch``).
    """
    parts = _Parts.of(version)
    return replace(parts, epoch=0).text(parts.release)


def rpm_evr(version: str | Version) -> Evr:
    """:func:`rpm_version` as an :class:`Evr` (no release)."""
    parts = _Parts.of(version)
    return Evr(parts.epoch, str(replace(parts, epoch=0)), None)


# --------------------------------------------------------------------------------------------
# PEP 440 specifier -> RPM dependency


def _invalid(name: str, operator: str, version: str, why: str) -> VersionError:
    text = f"{operator}{version}"
    return VersionError(
        f"cannot convert requirement {name} {text} to RPM: {why}",
        text=text,
        hint="Fedora's dependency generator fails the build on it too (exit 65); fix the metadata",
    )


def _compatible(name: str, operator: str, version: str) -> str:
    # pythondistdeps.py: convert_compatible
    if version.endswith(".*"):
        raise _invalid(name, operator, version, f"'{operator}' cannot use a '.*' prefix")
    parts = _Parts.of(version, context=f"{name} {operator}{version}")
    if len(parts.release) == 1:
        raise _invalid(name, operator, version, "'~=' needs at least two release components")
    upper = parts.without_last().incremented()
    return f"({name} >= {parts} with {name} < {upper})"


def _equal(name: str, operator: str, version: str) -> str:
    # pythondistdeps.py: convert_equal -- "==1.2.*" is treated as "~=1.2.0"
    if version.endswith(".*"):
        return _compatible(name, "~=", version[:-2] + ".0")
    return f"{name} = {_Parts.of(version, context=f'{name} {operator}{version}')}"


def _arbitrary_equal(name: str, operator: str, version: str) -> str:
    # pythondistdeps.py: convert_arbitrary_equal -- the string must still be PEP 440 to convert
    if version.endswith(".*"):
        raise _invalid(name, operator, version, "'===' cannot use a '.*' prefix")
    return f"{name} = {_Parts.of(version, context=f'{name} {operator}{version}')}"


def _not_equal(name: str, operator: str, version: str) -> str:
    # pythondistdeps.py: convert_not_equal
    if version.endswith(".*"):
        parts = _Parts.of(version[:-2], context=f"{name} {operator}{version}")
        # "~~" keeps the excluded prefix's dev and pre-releases out of the lower branch
        return f"({name} < {parts}~~ or {name} >= {parts.incremented()})"
    parts = _Parts.of(version, context=f"{name} {operator}{version}")
    return f"({name} < {parts} or {name} > {parts})"


def _ordered(name: str, operator: str, version: str) -> str:
    # pythondistdeps.py: convert_ordered
    if version.endswith(".*"):
        # Prefix matching with an ordered operator is not PEP 440 (packaging >= 22 rejects it),
        # but the generator still converts it: ">V.*" means ">=V", "<=V.*" means "<V".
        parts = _Parts.of(version[:-2], context=f"{name} {operator}{version}")
        operator = {">": ">=", "<=": "<"}.get(operator, operator)
    else:
        parts = _Parts.of(version, context=f"{name} {operator}{version}")
    text = str(parts)
    if parts.plain and operator == "<":
        text += "~~"  # "<2" must not admit 2's dev and pre-releases
    elif parts.plain and operator == ">":
        text += ".0"  # ">2" must not admit 2's post-releases ("2^post1" < "2.0")
    return f"{name} {operator} {text}"


_CONVERTERS = {
    "~=": _compatible,
    "==": _equal,
    "===": _arbitrary_equal,
    "!=": _not_equal,
    "<=": _ordered,
    "<": _ordered,
    ">=": _ordered,
    ">": _ordered,
}


def convert_specifier(name: str, operator: str, version: str) -> str:
    """One RPM dependency for ``name`` and one PEP 440 specifier (pythondistdeps.py: convert).

    ``name`` is the RPM dependency name as it should appear (``python3.14dist(attrs)``).
    ``~=X`` with one component and ``~=``/``===`` with ``.*`` raise
    :class:`~streams.errors.VersionError`, as the generator exits 65 on them.
    """
    try:
        converter = _CONVERTERS[operator]
    except KeyError:
        raise VersionError(
            f"unknown version operator {operator!r} in requirement on {name}",
            text=f"{operator}{version}",
            hint="valid operators: " + ", ".join(OPERATORS),
        ) from None
    return converter(name, operator, version.strip())


def split_specifiers(spec: SpecifierSet | Specifier | str) -> list[tuple[str, str]]:
    """``(operator, version)`` pairs of a specifier set, in a stable order.

    A string is split leniently, so forms modern ``packaging`` rejects but Fedora's rules still
    define (``>1.0.*``) or reject with their own message (``~=1``) reach the converter.
    Duplicate pairs are dropped, as the generator does.
    """
    pairs: list[tuple[str, str]] = []
    if isinstance(spec, str):
        for item in spec.split(","):
            if not item.strip():
                continue
            m = _SPEC_RE.match(item)
            if m is None:
                raise VersionError(
                    f"invalid version specifier {item.strip()!r}",
                    text=item.strip(),
                    hint="expected OPERATOR VERSION with one of " + ", ".join(OPERATORS),
                )
            pairs.append((m.group(1), m.group(2)))
    elif isinstance(spec, Specifier):
        pairs.append((spec.operator, spec.version))
    else:
        pairs.extend(sorted((s.operator, s.version) for s in spec))
    unique: list[tuple[str, str]] = []
    for pair in pairs:
        if pair not in unique:
            unique.append(pair)
    return unique


def join_deps(name: str, converted: Iterable[str]) -> str:
    """Several converted specifiers on one name as the generator prints them.

    None → the bare name; one → itself; more → sorted and joined with ``with`` in parentheses
    (pythondistdeps.py: the output loop at the end of ``main``).
    """
    items = list(converted)
    if not items:
        return name
    if len(items) == 1:
        return items[0]
    return "(" + " with ".join(sorted(items)) + ")"


def rpm_dep(name_in_rpm: str, spec: SpecifierSet | Specifier | str) -> str:
    """The RPM dependency Fedora writes for ``name_in_rpm`` constrained by ``spec``.

    >>> rpm_dep("python3.14dist(requests)", ">=2.8,<3")
    '(python3.14dist(requests) < 3~~ with python3.14dist(requests) >= 2.8)'
    >>> rpm_dep("python3.14dist(attrs)", "")
    'python3.14dist(attrs)'
    """
    pairs = split_specifiers(spec)
    return join_deps(name_in_rpm, (convert_specifier(name_in_rpm, op, v) for op, v in pairs))


# --------------------------------------------------------------------------------------------
# The coupling rule: no exact pin on a reused base package


def _series_bounds(version: Version) -> tuple[str, str]:
    """``(lower, upper)`` PEP 440 versions of the release series of ``version``: ``MAJOR.MINOR``
    (``MAJOR`` alone for a one-part version), from ``version`` itself (its local label dropped:
    ``>=`` cannot carry one) up to the next series."""
    prefix = f"{version.epoch}!" if version.epoch else ""
    release = version.release
    if len(release) == 1:
        upper = f"{prefix}{release[0] + 1}"
    else:
        upper = f"{prefix}{release[0]}.{release[1] + 1}"
    return version.public, upper


def series_range(spec: SpecifierSet | str) -> SpecifierSet:
    """``spec`` with every exact pin (``==V``, ``===V``) widened to V's release series.

    The coupling rule (docs/specgen.md, "The coupling rule"): a stream never requires an exact
    version of a package it reuses from Fedora, or Fedora could not update that package without
    breaking the stream.  ``==V`` becomes ``>=V, <NEXT``, where NEXT is the next
    ``MAJOR.MINOR`` series (the next ``MAJOR`` for a one-part version); every other specifier is
    kept.  Wildcards (``==1.2.*``) are ranges already; ``===`` on a string that is not a PEP 440
    version is kept (Fedora's rules cannot convert it either, and say so).

    >>> str(series_range("==1.2.2"))
    '<1.3,>=1.2.2'
    >>> str(series_range("==2.9.1,!=2.9.0"))
    '!=2.9.0,<2.10,>=2.9.1'
    >>> str(series_range("==5"))
    '<6,>=5'
    >>> str(series_range("==1.2.*"))
    '==1.2.*'
    """
    specs = SpecifierSet(spec) if isinstance(spec, str) else spec
    out: list[str] = []
    for item in specs:
        if item.operator in ("==", "===") and not item.version.endswith(".*"):
            try:
                version = Version(item.version)
            except InvalidVersion:
                out.append(str(item))
                continue
            lower, upper = _series_bounds(version)
            out += [f">={lower}", f"<{upper}"]
        else:
            out.append(str(item))
    return SpecifierSet(",".join(out))


def exact_pins(spec: SpecifierSet | str) -> list[str]:
    """The exact pins of ``spec`` that :func:`series_range` widens, as written (``==1.2.2``).

    >>> exact_pins("==1.2.2,<3")
    ['==1.2.2']
    >>> exact_pins("==1.2.*")
    []
    """
    specs = SpecifierSet(spec) if isinstance(spec, str) else spec
    pins = []
    for item in sorted(specs, key=str):
        if item.operator in ("==", "===") and not item.version.endswith(".*"):
            try:
                Version(item.version)
            except InvalidVersion:
                continue
            pins.append(str(item))
    return pins


# --------------------------------------------------------------------------------------------
# Provides


_PYTHON_RE = re.compile(r"^(\d+)\.(\d+)(?:\.\d+.*)?$")


def python_minor(python: str) -> str:
    """``"3.14"`` for ``"3.14"`` or ``"3.14.2"``; a clear error for anything else."""
    m = _PYTHON_RE.match(python.strip())
    if m is None:
        raise VersionError(
            f"invalid Python version {python!r}", text=python, hint="expected X.Y, e.g. 3.14"
        )
    return f"{m.group(1)}.{m.group(2)}"


def dist_dep_name(name: str, python: str, extra: str | None = None) -> str:
    """``python3.14dist(foo-bar)`` or ``python3.14dist(foo-bar[extra])`` (PEP 503 name).

    ``python`` may also be a bare major version (``"3"``) for the ``python3dist()`` form.
    Extras are lower-cased, not otherwise normalized, as the generator does.
    """
    suffix = f"[{extra.lower()}]" if extra else ""
    return f"python{python}dist({canonicalize_name(name)}{suffix})"


def dist_provide(
    name: str,
    version: str | Version,
    python: str = "3.14",
    main: bool = True,
    *,
    extra: str | None = None,
    fail_if_zero: bool = False,
) -> list[str]:
    """The ``Provides`` Fedora generates for a distribution installed for ``python``.

    ``python3.14dist(foo-bar) = 1.2~rc1``, plus ``python3dist(foo-bar) = 1.2~rc1`` when
    ``python`` is the release's main Python (``main``; Fedora passes
    ``--majorver-provides-versions %{__default_python3_version}``).  With ``extra`` these are the
    provides of the extras subpackage ``python3-foo-bar+extra``.  A distribution named
    ``python`` also provides ``python(abi)``.  Sorted like the generator's output.

    ``fail_if_zero`` mirrors ``--fail-if-zero``, which Fedora passes unless the spec defines
    ``%_python_dist_allow_version_zero``: a version that converts to ``0`` raises.
    """
    minor = python_minor(python)
    rpmver = rpm_version(version)
    if fail_if_zero and rpmver == "0":
        raise VersionError(
            f"the version {version} of {name} normalizes to zero",
            text=str(version),
            hint="Fedora fails such builds unless %_python_dist_allow_version_zero is defined",
        )
    names = {dist_dep_name(name, minor, extra)}
    if main:
        names.add(dist_dep_name(name, minor.split(".")[0], extra))
    provides = [f"{n} = {rpmver}" for n in names]
    if canonicalize_name(name) == "python":
        provides.append(f"python(abi) = {minor}")
    return sorted(provides)
