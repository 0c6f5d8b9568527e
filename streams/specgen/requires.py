"""Requirements become spec dependencies: ``BuildRequires`` from build requirements,
``Requires`` from runtime requirements, and the automatic-requires filter of arch specs.

Pure.  A distribution the stream bundles is required through the stream's own namespaced
provide (``NAME-stream-python3dist(x)``); anything else is reused from Fedora
(``python3dist(x)``, or ``python3.Xdist(x)`` for an alternative interpreter).

The coupling rule (docs/specgen.md): a requirement on a reused package is never an exact
version.  An upstream pin (``lark==1.2.2``) is widened to its release series
(:func:`streams.solver.versions.series_range`: ``>= 1.2.2, < 1.3``) by :func:`reused_dep`,
and the widening is reported in specgen's warnings; requirements on the stream's own packages
stay exact (they are built and updated together).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from streams.errors import SpecGenError
from streams.lock import LockedPackage
from streams.solver.versions import (
    dist_dep_name,
    exact_pins,
    rpm_dep,
    rpm_version,
    series_range,
)
from streams.sources import BuildInfo
from streams.specgen import naming

# Build backends that compile Rust: their sdists need Fedora's Rust toolchain in the buildroot
# (Fedora's Rust packaging guidelines: BuildRequires cargo and rust; crates must then come from
# the sdist, vendored, because the buildroot has no network).
_RUST_BACKENDS = frozenset({"maturin", "setuptools-rust"})


def toolchain_for(build_requires: Iterable[str]) -> tuple[str, ...]:
    """``cargo``/``rust`` when a Rust build backend is among ``build_requires`` (tells whether
    a build compiles crates; the spec's tools come from :func:`build_tools_for`)."""
    names = set()
    for text in build_requires:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return ("cargo", "rust") if names & _RUST_BACKENDS else ()


# RPM names of compilers: a recipe that lists one in [packages.NAME] build-requires says the
# build compiles code, whatever streams judged from the sdist (the spec is then arch-specific).
COMPILERS = frozenset({"gcc", "gcc-c++", "clang", "gcc-gfortran", "rust", "cargo"})


def marks_native(recipe_build_requires: Iterable[str]) -> bool:
    """Whether the recipe's ``build-requires`` name a compiler (see :data:`COMPILERS`)."""
    return any(dep.split()[0] in COMPILERS for dep in recipe_build_requires if dep.strip())


def build_tools_for(
    pkg: LockedPackage, build: BuildInfo | None, *, noarch: bool
) -> tuple[str, ...]:
    """The compilers, tools and libraries a spec ``BuildRequires``, beyond Python ones.

    The lock's ``build-tools`` (recipe, Fedora's spec, inference: see
    :mod:`streams.lock.build_section.tools`); for a lock without them, what the sdist's info
    infers, with ``gcc`` for a compiled build that names no compiler.
    """
    if pkg.build_tools:
        return tuple(t.rpm for t in pkg.build_tools)
    tools = [rpm for rpm, _why in build.tools] if build is not None else []
    if not noarch and not any(t in COMPILERS for t in tools):
        tools.append("gcc")
    return tuple(tools)


COUPLING_RULE = "coupling rule: a stream never pins a base package exactly"


def _readable(spec: SpecifierSet) -> str:
    """``>= 1.2.2, < 1.3``: lower bounds first, then the rest, as a packager reads a range."""
    order = {">=": 0, ">": 0, "~=": 0, "<": 1, "<=": 1}
    items = sorted(spec, key=lambda s: (order.get(s.operator, 2), s.operator, s.version))
    return ", ".join(f"{s.operator} {s.version}" for s in items)


def reused_dep(
    name_in_rpm: str,
    req: Requirement,
    *,
    who: str,
    verb: str,
    warnings: list[str] | None,
) -> str:
    """The RPM dependency on a package reused from Fedora, under the coupling rule.

    ``req``'s specifier with every exact pin widened to its release series
    (:func:`~streams.solver.versions.series_range`), converted as Fedora's generator converts
    it (:func:`~streams.solver.versions.rpm_dep`).  When a pin was widened, one sentence goes
    to ``warnings``: ``who`` (the package, or "metapackage") ``verb`` ("requires",
    "build-requires") what, and what the spec requires instead.

    >>> w: list[str] = []
    >>> reused_dep("python3.14dist(lark)", Requirement("lark==1.2.2"), who="vllm",
    ...            verb="requires", warnings=w)
    '(python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)'
    """
    pins = exact_pins(req.specifier)
    if not pins:
        return rpm_dep(name_in_rpm, req.specifier)
    wide = series_range(req.specifier)
    if warnings is not None:
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        name = canonicalize_name(req.name)
        warnings.append(
            f"{who}: {verb} {req.name}{extras}{req.specifier}; Fedora's {name} is reused, "
            f"so the spec {verb} {name} {_readable(wide)} ({COUPLING_RULE})"
        )
    return rpm_dep(name_in_rpm, wide)


def map_build_requires(
    requires: Iterable[str],
    *,
    stream: str,
    python: str,
    main_python: bool,
    bundled: Mapping[str, str],
    ignore: Iterable[str] = (),
    system: Iterable[str] = (),
    environment: Mapping[str, str] | None = None,
    owner: str = "",
    warnings: list[str] | None = None,
) -> tuple[str, ...]:
    """Spec ``BuildRequires`` for a package's PEP 508 build requirements.

    - a name in ``ignore`` (recipe ``ignore-build-requires``) is dropped;
    - a name in ``bundled`` (normalized name -> locked version) is a stream package:
      ``NAME-stream-python3dist(x)`` with the requirement's own constraint;
    - anything else is reused from Fedora: ``python3dist(x)`` (``python3.Xdist(x)`` for an
      alternative interpreter), converted by :func:`streams.solver.versions.rpm_dep`, an
      exact pin widened to its release series (:func:`reused_dep`, the coupling rule; the
      sentence saying so goes to ``warnings``, naming ``owner``);
    - requirements whose marker is false on the target (``environment``) are dropped;
    - ``system`` (recipe ``build-requires``, RPM dependencies) are added as written.

    Extras (``foo[bar]``) map to the extra's provide, as Fedora's generator writes them.
    The result is sorted and without duplicates.
    """
    ignored = {canonicalize_name(n) for n in ignore}
    env = dict(environment or {})
    out: set[str] = set()
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise SpecGenError(
                f"invalid build requirement {text!r} ({exc})",
                hint="fix the sdist's [build-system] requires, or drop it with "
                "[packages.NAME] ignore-build-requires",
            ) from exc
        if req.marker is not None and not _marker_true(req.marker, env):
            continue
        name = canonicalize_name(req.name)
        if name in ignored:
            continue
        extras: list[str | None] = [*sorted(req.extras)] or [None]
        for i, extra in enumerate(extras):
            if name in bundled:
                out.add(rpm_dep(naming.stream_provide(stream, name, extra), req.specifier))
                continue
            dep = dist_dep_name(name, "3" if main_python else python, extra)
            said = warnings if i == 0 else None  # one sentence per requirement
            out.add(reused_dep(dep, req, who=owner, verb="build-requires", warnings=said))
    out.update(s.strip() for s in system if s.strip())
    return tuple(sorted(out))


def _marker_true(marker: Marker, env: Mapping[str, str]) -> bool:
    return bool(marker.evaluate({**env, "extra": ""}))


def _applicable(pkg: LockedPackage, env: Mapping[str, str]) -> list[Requirement]:
    out: list[Requirement] = []
    for text in pkg.requires:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise SpecGenError(
                f"{pkg.name}: invalid requirement {text!r} in the lock ({exc})",
                hint="regenerate the lock: streams lock",
            ) from exc
        if req.marker is not None and not _evaluate(req.marker, env, pkg.extras):
            continue
        out.append(req)
    return out


def _evaluate(marker: Marker, env: Mapping[str, str], extras: Sequence[str]) -> bool:
    return any(marker.evaluate({**env, "extra": extra}) for extra in ("", *extras))


def runtime_requires(
    pkg: LockedPackage,
    stream: str,
    python: str,
    packages: Mapping[str, LockedPackage],
    env: Mapping[str, str],
    warnings: list[str],
) -> list[str]:
    """Spec ``Requires`` of ``pkg`` from its locked requirements that apply on ``env``.

    A bundled dependency is required at its locked version through the stream's provide
    (exact: the stream's packages move together); a reused one with the requirement's own
    range, exact pins widened by :func:`reused_dep` (the coupling rule).  A requirement that
    is not in the lock is dropped with a warning.
    """
    out: set[str] = set()
    for req in _applicable(pkg, env):
        name = canonicalize_name(req.name)
        if name == canonicalize_name(pkg.name):
            continue
        dep = packages.get(name)
        if dep is None:
            warnings.append(f"{pkg.name}: requirement {req} is not in the lock; not required")
            continue
        extras: list[str | None] = [*sorted(req.extras)] or [None]
        for i, extra in enumerate(extras):
            if dep.origin == "bundle":
                provide = naming.stream_provide(stream, name, extra)
                out.add(f"{provide} = {rpm_version(dep.version)}")
            else:
                said = warnings if i == 0 else None  # one sentence per requirement
                out.add(
                    reused_dep(
                        dist_dep_name(name, python, extra),
                        req,
                        who=pkg.name,
                        verb="requires",
                        warnings=said,
                    )
                )
    return sorted(out)


def _ere_escape(text: str) -> str:
    """Escape POSIX extended-regex metacharacters (rpm compiles filters with regcomp)."""
    return re.sub(r"([.\\\[\](){}*+?|^$])", r"\\\1", text)


def soname_filter(libs: Sequence[str]) -> str:
    """``__requires_exclude`` regex for automatic requires on the stream's own libraries:
    rpm's ELF generator writes ``libfoo.so.1()(64bit)``; rpm matches POSIX extended regexes.
    Backslashes are doubled because rpm's macro expansion of ``%global`` eats one."""
    if not libs:
        return ""
    alternatives = "|".join(_ere_escape(lib).replace("\\", "\\\\") for lib in sorted(set(libs)))
    return f"^({alternatives})\\\\("
