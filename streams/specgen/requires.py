"""Requirements become spec dependencies: ``BuildRequires`` from build requirements,
``Requires`` from runtime requirements, and the automatic-requires filter of arch specs.

Pure.  A distribution the stream bundles is required through the stream's own namespaced
provide (``NAME-stream-python3dist(x)``); anything else is reused from Fedora
(``python3dist(x)``, or ``python3.Xdist(x)`` for an alternative interpreter).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import SpecGenError
from streams.lock import LockedPackage
from streams.solver.versions import dist_dep_name, rpm_dep, rpm_version
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
) -> tuple[str, ...]:
    """Spec ``BuildRequires`` for a package's PEP 508 build requirements.

    - a name in ``ignore`` (recipe ``ignore-build-requires``) is dropped;
    - a name in ``bundled`` (normalized name -> locked version) is a stream package:
      ``NAME-stream-python3dist(x)`` with the requirement's own constraint;
    - anything else is reused from Fedora: ``python3dist(x)`` (``python3.Xdist(x)`` for an
      alternative interpreter), converted by :func:`streams.solver.versions.rpm_dep`;
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
        for extra in extras:
            if name in bundled:
                dep = naming.stream_provide(stream, name, extra)
            else:
                dep = dist_dep_name(name, "3" if main_python else python, extra)
            out.add(rpm_dep(dep, req.specifier))
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
        for extra in extras:
            if dep.origin == "bundle":
                provide = naming.stream_provide(stream, name, extra)
                out.add(f"{provide} = {rpm_version(dep.version)}")
            else:
                out.add(rpm_dep(dist_dep_name(name, python, extra), req.specifier))
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
