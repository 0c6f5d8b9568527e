"""Pure context builders: a locked target plus stored source infos -> one context per spec.

No I/O here.  :func:`build_contexts` takes values (the lock's target, the stream settings
from the recipe, the :class:`~streams.sources.SourceInfo` of every bundled source)
and returns :class:`SpecPlan`: the spec contexts, the sources to fetch, the licenses and the
warnings of the specgen summary.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.errors import SpecGenError
from streams.lock import LockedPackage, LockedSource, LockedTarget, Revision
from streams.solver.pydeps import environment
from streams.solver.versions import dist_dep_name, rpm_version, rpm_version_tag
from streams.sources import (
    SourceFetch,
    SourceInfo,
    VendorFetch,
    choose_source,
    licenses,
    source_filename,
)
from streams.specgen import naming
from streams.specgen.render import safe_token
from streams.targets import TARGETS

if TYPE_CHECKING:
    from streams.recipe import Recipe
from streams.specgen.requires import (
    build_tools_for,
    map_build_requires,
    marks_native,
    reused_dep,
    runtime_requires,
    soname_filter,
    toolchain_for,
)

__all__ = [
    "INSTALL_HELPER",
    "PackageOptions",
    "SpecContext",
    "SpecPlan",
    "StreamSettings",
    "build_contexts",
    "changelog_date",
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
    license: str = ""
    """``[packages.NAME] license``: the packager's reviewed expression (locks made before
    the lock recorded licenses are reviewed again here, with it)."""
    env: tuple[tuple[str, str], ...] = ()
    """``[packages.NAME] env``: variables exported in ``%build``, sorted by name."""


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
    app: str = ""
    """The top-level requirement whose version the runtime and metapackage carry
    (:attr:`Recipe.application`)."""
    packages: Mapping[str, PackageOptions] = field(default_factory=dict)
    family: str = ""
    """The recipe's own stream name, when this is one of its variants (``NAME-VARIANT``)."""
    variant: str = ""
    """The variant (``cuda``, ``cpu``), ``""`` for a recipe without variants."""
    variant_description: str = ""
    """The hardware the variant serves."""

    def options(self, dist: str) -> PackageOptions:
        return self.packages.get(canonicalize_name(dist), PackageOptions())

    @classmethod
    def from_recipe(cls, recipe: Recipe) -> StreamSettings:
        """From a recipe."""
        reqs = recipe.normalized_requires
        return cls(
            name=recipe.name,
            prefix=recipe.prefix,
            summary=recipe.stream.summary,
            license=recipe.stream.license,
            exports=tuple(recipe.stream.exports),
            top_level=tuple(reqs),
            top_level_specifiers={k: str(v.specifier) for k, v in reqs.items()},
            app=recipe.application or "",
            packages={
                canonicalize_name(k): PackageOptions(
                    source=v.source,
                    build_requires=tuple(v.build_requires),
                    ignore_build_requires=tuple(v.ignore_build_requires),
                    license=v.license or "",
                    env=tuple(sorted(v.env.items())),
                )
                for k, v in recipe.packages.items()
            },
            family=recipe.family if recipe.variant_name else "",
            variant=recipe.variant_name,
            variant_description=(
                recipe.variant_section.description if recipe.variant_section else ""
            ),
        )


@dataclass(frozen=True, slots=True)
class SpecContext:
    """One spec to render: its file name, template and template variables."""

    rpm_name: str
    template: str
    variables: Mapping[str, Any]
    source: SourceFetch | None = None
    vendor: VendorFetch | None = None
    """The sdist's vendored Rust crates (``Source2``), when the lock has them."""

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
    """The changelog date of a lock that records none (written before revisions existed):
    ``SOURCE_DATE_EPOCH`` (UTC) when set, else 2000-01-01.

    Never "today": the same lock must give the same bytes.  rpm rejects dates before 1990
    (``bad date in %changelog``), so the epoch itself cannot be the fallback.
    """
    if source_date_epoch and source_date_epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(source_date_epoch), tz=_dt.UTC).date()
    return _DEFAULT_DATE


def _shared_parents(prefix: str) -> list[str]:
    """The directories between the top-level one and the prefix (``/opt/streams`` for
    ``/opt/streams/NAME``), which every runtime owns as well: rpm allows several packages to
    own one directory when its attributes agree, so streams still install side by side, and
    no directory is left unowned (Fedora's Packaging Guidelines, "File and Directory
    Ownership").  The top-level directory (``/opt``, ``/srv``) is not owned: ``filesystem``
    owns the standard ones."""
    parts = prefix.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(2, len(parts))]


# -- the plan --------------------------------------------------------------------------------------


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
        "epoch": 0,
    }


def _revision(revision: Revision, version: str, when: _dt.date) -> dict[str, Any]:
    """``Release`` and the ``%changelog`` entry from the lock's revision.

    The date, packager and text were recorded when the lock changed (``streams lock``), so
    re-running specgen never changes them; a lock without them gets ``when`` and the default
    packager.  Fedora's Packaging Guidelines, "Changelogs": ``* DATE NAME <EMAIL> - V-R``.
    """
    date = when
    if revision.date:
        date = _dt.date.fromisoformat(revision.date)
    text = revision.text or f"Generated by streams specgen from the lock ({version})"
    return {
        "release": revision.release,
        "changelog_date": date.strftime("%a %b %d %Y"),
        "packager": revision.packager or PACKAGER,
        "changelog_text": text,
    }


def _obsoletes(target: LockedTarget, bundled: set[str]) -> list[str]:
    """``Obsoletes: PKG < V-(R+1)`` for every package of an earlier lock that the stream no
    longer bundles: every build up to the last one (any dist tag, ``1.fc44`` < ``2``)."""
    out = []
    for o in target.obsoletes:
        if o.name in bundled:
            continue
        version, _, release = o.evr.rpartition("-")
        nxt = f"{version}-{int(release) + 1}" if release.isdigit() else o.evr
        out.append(f"{safe_token(o.name, 'obsoleted package')} < {safe_token(nxt, 'EVR')}")
    return sorted(out)


def _vendor_source(
    pkg: LockedPackage,
    src: LockedSource,
    dist: str,
    filename: str,
    build_requires: tuple[str, ...],
    warnings: list[str],
) -> VendorFetch | None:
    """The vendored crates of the sdist ``src``, when the lock vendored them from it; a
    warning when ``pkg`` builds with a Rust backend and has none (its build needs network)."""
    vendor = pkg.vendor
    if vendor is not None and vendor.sdist_sha256 == src.sha256:
        return VendorFetch(
            safe_token(vendor.filename, f"vendor tarball of {dist}"),
            vendor.sha256,
            SourceFetch(filename, src.url, src.sha256, src.kind, dist),
            vendor.manifests,
            dist,
            pkg.version,
        )
    if toolchain_for(build_requires):
        warnings.append(
            f"{pkg.name} {pkg.version}: builds Rust crates and the lock vendored none: its "
            "build needs the crate registry (no network in mock, Copr, Koji); lock with "
            "crates.io reachable or STREAMS_CARGO_REGISTRY=DIR (docs/specgen.md, 'Rust crates')"
        )
    return None


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
    env = environment(f"{python}.0", arch)
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
                f"{pkg.name} {pkg.version}: no build info for {source_filename(src)} "
                f"(sha256 {src.sha256[:12]}...)",
                hint="run `streams lock` (it reads the sources) or `streams specgen` online "
                "so the source can be downloaded and read",
            )
        chosen[canonicalize_name(pkg.name)] = (pkg, src, info)

    for name, (pkg, src, info) in chosen.items():
        safe_token(name, "distribution name")
        safe_token(pkg.version, f"version of {name}")
        filename = safe_token(source_filename(src), f"source file name of {name}")
        version = Version(pkg.version)
        rpm_name = naming.package_name(settings.name, name)
        # the license reviewed at lock time (declared + bundled libraries); a lock made
        # before that, or without reading sources: the same review, done here
        if pkg.license is not None:
            lic[rpm_name] = pkg.license.expression
        else:
            finding = licenses.find_license(
                name, info, TARGETS.get(target.name), override=settings.options(name).license
            )
            if finding.declared.warning:
                warnings.append(finding.declared.warning)
            lic[rpm_name] = finding.expression
        opts = settings.options(name)
        is_wheel = src.kind == "wheel"
        noarch = info.pure and not marks_native(opts.build_requires)
        build_requires: tuple[str, ...] = ()
        setup_dir = ""
        vendor: VendorFetch | None = None
        if not is_wheel:
            build = info.build
            reqs = pkg.build_requires or (build.all_requires if build else ())
            vendor = _vendor_source(pkg, src, name, filename, reqs, warnings)
            build_requires = map_build_requires(
                reqs,
                stream=settings.name,
                python=python,
                main_python=target.interpreter_main,
                bundled=bundled_versions,
                ignore=opts.ignore_build_requires,
                # the recipe's, Fedora's and the inferred compilers, tools and libraries
                system=(
                    *opts.build_requires,
                    *build_tools_for(pkg, build, noarch=noarch),
                    # vendored crates are compiled by Fedora's toolchain (deduplicated)
                    *(("cargo", "rust") if vendor else ()),
                ),
                environment=env,
                owner=pkg.name,
                warnings=warnings,
            )
            setup_dir = re.sub(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|zip|tar)$", "", filename)
        provides = [f"{naming.stream_provide(settings.name, name)} = {rpm_version(version)}"]
        provides += [
            f"{naming.stream_provide(settings.name, name, extra)} = {rpm_version(version)}"
            for extra in sorted({e.lower() for e in pkg.extras})
        ]
        summary = info.summary.strip() or f"The {name} Python distribution"
        url_basename = src.url.rsplit("/", 1)[-1].split("#")[0]
        tag = rpm_version_tag(version)
        variables = {
            **common,
            **_revision(pkg.revision, tag, date),
            "name": rpm_name,
            "dist": name,
            "version": tag,
            "epoch": version.epoch,
            "pep440_version": str(version),
            "summary": summary,
            "description": info.description.strip() or summary,
            "license": lic[rpm_name],
            "url": info.url,
            "source_url": src.url.split("#")[0],
            "source_fragment": "" if url_basename == filename else filename,
            "source_filename": filename,
            "source_sha256": src.sha256,
            "setup_dir": setup_dir,
            "noarch": noarch,
            "native_build": not is_wheel and not noarch,
            "build_requires": list(build_requires),
            "requires": runtime_requires(pkg, settings.name, python, packages, env, warnings),
            "provides": provides,
            # only the libraries this package ships itself: another package's copy of a
            # library, or the base's, is a real dependency rpm must keep
            "requires_exclude": "" if noarch else soname_filter(info.shared_libs),
            "install_helper": INSTALL_HELPER,
            "reason": " ".join(pkg.reason.split()),
            "vendor": ({"filename": vendor.filename, "sha256": vendor.sha256} if vendor else None),
            "build_env": [(k, v) for k, v in settings.options(name).env],
        }
        specs.append(
            SpecContext(
                rpm_name,
                "wheel.spec.j2" if is_wheel else "sdist.spec.j2",
                variables,
                SourceFetch(filename, src.url, src.sha256, src.kind, name),
                vendor,
            )
        )

    # version of the runtime and metapackage: the application's locked version (see
    # StreamSettings.app), so `dnf upgrade` follows the application; a recipe that also
    # requires a library (to bound it) does not give the stream that library's version.
    tops = [t for t in settings.top_level if t in packages]
    app = settings.app if settings.app in packages else (tops[0] if tops else "")
    app_version = rpm_version_tag(packages[app].version) if app else "0"
    stream_revision = _revision(target.revision, app_version, date)
    runtime = naming.runtime_package(settings.name)
    lic[runtime] = settings.license
    specs.append(
        SpecContext(
            runtime,
            "runtime.spec.j2",
            {
                **common,
                **stream_revision,
                "name": runtime,
                "version": app_version,
                "summary": settings.summary,
                "license": settings.license,
                "obsoletes": _obsoletes(
                    target, {naming.package_name(settings.name, n) for n in chosen}
                ),
                "prefix_parents": _shared_parents(paths.prefix),
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
            meta_requires.append(
                reused_dep(
                    dist_dep_name(top, python),
                    Requirement(f"{top}{spec}"),
                    who=meta,
                    verb="requires",
                    warnings=warnings,
                )
            )
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
                **stream_revision,
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
                "variant": settings.variant,
                "variant_description": settings.variant_description,
                "accelerator_provide": (
                    f"{settings.family}-stream-accelerator" if settings.variant else ""
                ),
            },
        )
    )
    return SpecPlan(target.name, tuple(specs), dict(sorted(lic.items())), tuple(warnings))
