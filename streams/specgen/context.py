"""Pure context builders: a locked target plus stored source infos -> one context per spec.

No I/O here.  :func:`build_contexts` takes values (the lock's target, the stream settings
from the recipe, the :class:`~streams.specgen.buildinfo.SourceInfo` of every bundled source)
and returns :class:`SpecPlan`: the spec contexts, the sources to fetch, the licenses and the
warnings of the specgen summary.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from streams.errors import SpecGenError
from streams.lock import LockedPackage, LockedSource, LockedTarget
from streams.solver.versions import dist_dep_name, rpm_dep, rpm_version
from streams.specgen import licenses, naming
from streams.specgen.buildinfo import SourceInfo, map_build_requires
from streams.specgen.render import safe_token

__all__ = [
    "INSTALL_HELPER",
    "PackageOptions",
    "SourceFetch",
    "SpecContext",
    "SpecPlan",
    "StreamSettings",
    "build_contexts",
    "changelog_date",
    "choose_source",
    "marker_environment",
]

#: The install helper every dist spec ships as Source1 (streams/specgen/templates/).
INSTALL_HELPER = "streams-install.py"
PACKAGER = "streams <streams@localhost>"
_DEFAULT_DATE = _dt.date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """``[packages.NAME]`` as specgen needs it."""

    source: Literal["sdist", "wheel"] = "sdist"
    build_requires: tuple[str, ...] = ()
    ignore_build_requires: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """What specgen takes from the recipe (kept separate so tests need no recipe file)."""

    name: str
    prefix: str
    summary: str
    license: str
    exports: tuple[str, ...] = ()
    top_level: tuple[str, ...] = ()
    """Normalized names of ``[requires]``: what the metapackage requires."""
    top_level_specifiers: Mapping[str, str] = field(default_factory=dict)
    packages: Mapping[str, PackageOptions] = field(default_factory=dict)

    def options(self, dist: str) -> PackageOptions:
        return self.packages.get(canonicalize_name(dist), PackageOptions())

    @classmethod
    def from_recipe(cls, recipe: Any) -> StreamSettings:
        """From a :class:`streams.recipe.Recipe`."""
        reqs = recipe.normalized_requires
        return cls(
            name=recipe.name,
            prefix=recipe.prefix,
            summary=recipe.stream.summary,
            license=recipe.stream.license,
            exports=tuple(recipe.stream.exports),
            top_level=tuple(reqs),
            top_level_specifiers={k: str(v.specifier) for k, v in reqs.items()},
            packages={
                canonicalize_name(k): PackageOptions(
                    source=v.source,
                    build_requires=tuple(v.build_requires),
                    ignore_build_requires=tuple(v.ignore_build_requires),
                )
                for k, v in recipe.packages.items()
            },
        )


@dataclass(frozen=True, slots=True)
class SourceFetch:
    """One file for ``SOURCES/``: where from and its expected sha256."""

    filename: str
    url: str
    sha256: str
    kind: Literal["sdist", "wheel"]
    dist: str


@dataclass(frozen=True, slots=True)
class SpecContext:
    """One spec to render: its file name, template and template variables."""

    rpm_name: str
    template: str
    variables: Mapping[str, Any]
    source: SourceFetch | None = None

    @property
    def filename(self) -> str:
        return f"{self.rpm_name}.spec"


@dataclass(frozen=True, slots=True)
class SpecPlan:
    """Everything ``streams specgen`` writes for one target."""

    target: str
    specs: tuple[SpecContext, ...]
    licenses: Mapping[str, str]
    """rpm name -> License of its spec."""
    warnings: tuple[str, ...]


def changelog_date(source_date_epoch: str | None) -> _dt.date:
    """The changelog date: ``SOURCE_DATE_EPOCH`` (UTC) when set, else 2000-01-01.

    Never "today": the same lock must give the same bytes.  rpm rejects dates before 1990
    (``bad date in %changelog``), so the epoch itself cannot be the fallback.
    """
    if source_date_epoch and source_date_epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(source_date_epoch), tz=_dt.UTC).date()
    return _DEFAULT_DATE


def marker_environment(python: str, arch: str) -> dict[str, str]:
    """PEP 508 marker values of a Fedora/Linux CPython target."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": arch,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
    }


# -- choosing the source file -----------------------------------------------------------------


def _target_tags(python: str, arch: str) -> list[Tag]:
    """Wheel tags a Fedora CPython ``python`` on ``arch`` accepts, best first
    (PEP 425 ordering via packaging.tags; manylinux per PEP 600 with glibc up to 2.50)."""
    major, minor = (int(x) for x in python.split(".")[:2])
    platforms = [f"manylinux_2_{n}_{arch}" for n in range(50, 4, -1)]
    legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
    platforms += [f"{name}_{arch}" for name in legacy] + [f"linux_{arch}"]
    tags = list(cpython_tags((major, minor), platforms=platforms))
    tags += list(compatible_tags((major, minor), "cp" + f"{major}{minor}", platforms))
    return tags


# Build backends that compile Rust: their sdists need Fedora's Rust toolchain in the buildroot
# (Fedora's Rust packaging guidelines: BuildRequires cargo and rust; crates must then come from
# the sdist, vendored, because the buildroot has no network).
_RUST_BACKENDS = frozenset({"maturin", "setuptools-rust"})


def _toolchain_for(build_requires: Iterable[str]) -> tuple[str, ...]:
    """System build dependencies implied by the build backend (``cargo``/``rust`` for Rust)."""
    names = set()
    for text in build_requires:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return ("cargo", "rust") if names & _RUST_BACKENDS else ()


def choose_source(
    pkg: LockedPackage, wanted: Literal["sdist", "wheel"], python: str, arch: str
) -> tuple[LockedSource, str | None]:
    """The source file of ``pkg`` for the target, and a warning when it is not the one asked.

    ``wheel``: the wheel whose tags rank best for the target's Python and arch.
    ``sdist``: the sdist; without one in the lock, the best wheel (with a warning).
    """
    sdists = [s for s in pkg.sources if s.kind == "sdist"]
    wheels = [s for s in pkg.sources if s.kind == "wheel"]
    if wanted == "sdist" and sdists:
        return sorted(sdists, key=lambda s: s.filename)[0], None
    if wheels:
        rank = {t: i for i, t in enumerate(_target_tags(python, arch))}
        best: tuple[int, str, LockedSource] | None = None
        for s in wheels:
            name = s.filename or s.url.rsplit("/", 1)[-1].split("#")[0]
            try:
                _, _, _, tags = parse_wheel_filename(name)
            except ValueError:
                continue
            score = min((rank[t] for t in tags if t in rank), default=None)
            if score is not None and (best is None or (score, name) < best[:2]):
                best = (score, name, s)
        if best is not None:
            note = None
            if wanted == "sdist":
                note = f"{pkg.name}: the lock has no sdist; repackaging the wheel {best[1]}"
            return best[2], note
    if sdists:
        return sorted(sdists, key=lambda s: s.filename)[0], (
            f"{pkg.name}: no wheel in the lock fits Python {python} on {arch}; "
            "building the sdist instead"
        )
    raise SpecGenError(
        f"{pkg.name} {pkg.version}: the lock records no usable source for Python {python} "
        f"on {arch}",
        hint=f"re-lock: streams lock --upgrade {pkg.name}, or set [packages.{pkg.name}] url",
    )


def _filename(src: LockedSource) -> str:
    return src.filename or src.url.rsplit("/", 1)[-1].split("#")[0]


# -- requirements -------------------------------------------------------------------------------


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


def _runtime_requires(
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


# -- the plan --------------------------------------------------------------------------------------


def _ere_escape(text: str) -> str:
    """Escape POSIX extended-regex metacharacters (rpm compiles filters with regcomp)."""
    return re.sub(r"([.\\\[\](){}*+?|^$])", r"\\\1", text)


def _soname_filter(libs: Sequence[str]) -> str:
    """``__requires_exclude`` regex for automatic requires on the stream's own libraries:
    rpm's ELF generator writes ``libfoo.so.1()(64bit)``; rpm matches POSIX extended regexes.
    Backslashes are doubled because rpm's macro expansion of ``%global`` eats one."""
    if not libs:
        return ""
    alternatives = "|".join(_ere_escape(lib).replace("\\", "\\\\") for lib in sorted(set(libs)))
    return f"^({alternatives})\\\\("


def _common(
    settings: StreamSettings, paths: naming.StreamPaths, target: LockedTarget, when: _dt.date
) -> dict[str, Any]:
    return {
        "stream": settings.name,
        "stream_prefix": paths.prefix,
        "stream_python_version": paths.python_version,
        "stream_interpreter": paths.interpreter,
        "stream_interpreter_dir": posixpath.dirname(paths.interpreter),
        "main_python": target.interpreter_main,
        "interpreter_package": target.interpreter,
        "runtime_name": naming.runtime_package(settings.name),
        "metapackage_name": naming.metapackage(settings.name),
        "target": target.name,
        "changelog_date": when.strftime("%a %b %d %Y"),
        "packager": PACKAGER,
    }


def build_contexts(
    settings: StreamSettings,
    target: LockedTarget,
    infos: Mapping[str, SourceInfo],
    *,
    arch: str,
    interpreter: str,
    date: _dt.date = _DEFAULT_DATE,
) -> SpecPlan:
    """The specs of one target: one per bundled distribution, the runtime, the metapackage.

    ``infos`` maps a source sha256 to its stored info (every chosen source must be there).
    ``interpreter`` is the system executable the prefix's python links to.
    """
    safe_token(settings.name, "stream name")
    python = target.python
    paths = naming.StreamPaths(settings.prefix, python, interpreter)
    env = marker_environment(python, arch)
    packages: dict[str, LockedPackage] = {str(canonicalize_name(p.name)): p for p in target.package}
    bundled = sorted(target.bundled(), key=lambda p: canonicalize_name(p.name))
    bundled_versions = {str(canonicalize_name(p.name)): p.version for p in bundled}
    warnings: list[str] = list(target.warnings)
    lic: dict[str, str] = {}
    specs: list[SpecContext] = []
    common = _common(settings, paths, target, date)

    chosen: dict[str, tuple[LockedPackage, LockedSource, SourceInfo]] = {}
    for pkg in bundled:
        opts = settings.options(pkg.name)
        src, note = choose_source(pkg, opts.source, python, arch)
        if note:
            warnings.append(note)
        info = infos.get(src.sha256)
        if info is None:
            raise SpecGenError(
                f"{pkg.name} {pkg.version}: no build info for {_filename(src)} "
                f"(sha256 {src.sha256[:12]}...)",
                hint="run `streams lock` (it reads the sources) or `streams specgen` online "
                "so the source can be downloaded and read",
            )
        chosen[canonicalize_name(pkg.name)] = (pkg, src, info)
    stream_libs = sorted({lib for _, _, info in chosen.values() for lib in info.shared_libs})

    for name, (pkg, src, info) in chosen.items():
        safe_token(name, "distribution name")
        safe_token(pkg.version, f"version of {name}")
        filename = safe_token(_filename(src), f"source file name of {name}")
        version = Version(pkg.version)
        rpm_name = naming.package_name(settings.name, name)
        choice = licenses.choose_license(
            name,
            expression=info.license_expression,
            license=info.license,
            classifiers=info.license_classifiers,
        )
        if choice.warning:
            warnings.append(choice.warning)
        lic[rpm_name] = choice.expression
        opts = settings.options(name)
        is_wheel = src.kind == "wheel"
        noarch = info.pure
        build_requires: tuple[str, ...] = ()
        setup_dir = ""
        if not is_wheel:
            build = info.build
            reqs = pkg.build_requires or (build.requires if build else ())
            build_requires = map_build_requires(
                reqs,
                stream=settings.name,
                python=python,
                main_python=target.interpreter_main,
                bundled=bundled_versions,
                ignore=opts.ignore_build_requires,
                # a compiler for sdists with native code, unless the recipe names one
                system=(
                    *opts.build_requires,
                    *(() if noarch else ("gcc",)),
                    *_toolchain_for(reqs),
                ),
                environment=env,
            )
            setup_dir = re.sub(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|zip|tar)$", "", filename)
        provides = [f"{naming.stream_provide(settings.name, name)} = {rpm_version(version)}"]
        provides += [
            f"{naming.stream_provide(settings.name, name, extra)} = {rpm_version(version)}"
            for extra in sorted({e.lower() for e in pkg.extras})
        ]
        summary = info.summary.strip() or f"The {name} Python distribution"
        url_basename = src.url.rsplit("/", 1)[-1].split("#")[0]
        variables = {
            **common,
            "name": rpm_name,
            "dist": name,
            "version": rpm_version(version),
            "pep440_version": str(version),
            "summary": summary,
            "description": info.description.strip() or summary,
            "license": choice.expression,
            "url": info.url,
            "source_url": src.url.split("#")[0],
            "source_fragment": "" if url_basename == filename else filename,
            "source_filename": filename,
            "source_sha256": src.sha256,
            "setup_dir": setup_dir,
            "noarch": noarch,
            "native_build": not is_wheel and not noarch,
            "build_requires": list(build_requires),
            "requires": _runtime_requires(pkg, settings.name, python, packages, env, warnings),
            "provides": provides,
            "requires_exclude": "" if noarch else _soname_filter(stream_libs),
            "install_helper": INSTALL_HELPER,
            "reason": " ".join(pkg.reason.split()),
        }
        specs.append(
            SpecContext(
                rpm_name,
                "wheel.spec.j2" if is_wheel else "sdist.spec.j2",
                variables,
                SourceFetch(filename, src.url, src.sha256, src.kind, name),
            )
        )

    # version of the runtime and metapackage: the locked version of the first top-level
    # requirement (sorted), so `dnf upgrade` follows the application.
    tops = [t for t in settings.top_level if t in packages]
    app_version = rpm_version(packages[tops[0]].version) if tops else "0"
    runtime = naming.runtime_package(settings.name)
    lic[runtime] = settings.license
    specs.append(
        SpecContext(
            runtime,
            "runtime.spec.j2",
            {
                **common,
                "name": runtime,
                "version": app_version,
                "summary": settings.summary,
                "license": settings.license,
            },
        )
    )
    meta = naming.metapackage(settings.name)
    meta_requires = [f"{runtime} = %{{version}}-%{{release}}"]
    for top in tops:
        dep = packages[top]
        if dep.origin == "bundle":
            meta_requires.append(
                f"{naming.stream_provide(settings.name, top)} = {rpm_version(dep.version)}"
            )
        else:
            spec = settings.top_level_specifiers.get(top, "")
            meta_requires.append(rpm_dep(dist_dep_name(top, python), spec))
    for top in settings.top_level:
        if top not in packages:
            warnings.append(f"top-level requirement {top} is not in the lock for {target.name}")
    lic[meta] = settings.license
    specs.append(
        SpecContext(
            meta,
            "metapackage.spec.j2",
            {
                **common,
                "name": meta,
                "version": app_version,
                "summary": settings.summary,
                "license": settings.license,
                "requires": meta_requires,
                "bundled": [
                    (canonicalize_name(p.name), rpm_version(p.version))
                    for p in bundled
                    if not p.build_only
                ],
                "exports": [safe_token(e, "export") for e in settings.exports],
            },
        )
    )
    return SpecPlan(target.name, tuple(specs), dict(sorted(lic.items())), tuple(warnings))
