"""What a spec needs from a source file, read once at lock time and stored by sha256.

Two things are read from each bundled distribution's source file (sdist or wheel):

- :class:`BuildInfo` (sdists only): ``[build-system]`` of ``pyproject.toml`` -- ``requires``,
  ``build-backend`` and ``backend-path`` -- and whether the sdist contains compiled-language
  sources (then the spec is arch-specific and needs a compiler).
- :class:`SourceInfo`: the core metadata a spec shows (summary, description, license fields,
  home page) and, for wheels, the console scripts, whether the wheel is pure, and the shared
  libraries it ships (the spec filters automatic requires on exactly those).

Both are stored in a content-addressed :class:`SourceInfoStore` keyed by the file's sha256
(``fsutil.cache_dir("buildinfo")``), with optional read-only seed directories so a recorded
fixture can ship them pre-extracted.  ``streams lock`` fills the store; ``streams specgen``
then needs nothing but the lock and the store, so it runs offline.

:func:`map_build_requires` turns a package's PEP 508 build requirements into spec
``BuildRequires`` given what the lock reuses from Fedora and what it bundles.
"""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import SpecGenError
from streams.infra.archive import Archive, ArchiveError
from streams.infra.fsutil import atomic_write_text, cache_dir
from streams.solver.index._metadata import MetadataReadError, parse_core_metadata
from streams.solver.versions import dist_dep_name, rpm_dep
from streams.specgen import naming

__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "BuildInfo",
    "SourceInfo",
    "SourceInfoStore",
    "map_build_requires",
    "read_build_info",
    "read_source_info",
]

# When an sdist has no pyproject.toml, or one without [build-system], front ends fall back to
# setuptools' legacy backend.  PEP 517 ("If the pyproject.toml file is absent, or the
# build-backend key is missing, the source tree is not using this specification, and tools
# should revert to the legacy behaviour of running setup.py") and PEP 518 ("tools should use
# ... requires = ["setuptools>=40.8.0", "wheel"]"); pip's ``pyproject.load_pyproject_toml``
# does the same with backend "setuptools.build_meta:__legacy__".
LEGACY_REQUIRES: tuple[str, ...] = ("setuptools>=40.8.0", "wheel")
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"

SCHEMA_VERSION = 1

# File suffixes of compiled-language sources: an sdist containing them builds extension
# modules (arch-specific RPM, needs a compiler).  Build backends that always compile.
_NATIVE_SUFFIXES = frozenset(
    {".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".f", ".f90", ".cu", ".go", ".zig"}
)
_NATIVE_BACKENDS = ("maturin", "mesonpy", "scikit_build_core", "setuptools_rust")
# A shared library shipped in a wheel: lib*.so or lib*.so.N (auditwheel's vendored copies in
# NAME.libs/ keep their SONAME as the file name); Python extension modules are not libraries.
_SHARED_LIB = re.compile(r"^lib[^/]*\.so(\.[0-9][0-9.]*)?$")
# The longest description kept: a spec's %description is a paragraph, not the README.
MAX_DESCRIPTION = 1200


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """The build system of an sdist (PEP 517/518)."""

    requires: tuple[str, ...]
    """``[build-system] requires`` as written (PEP 508), or :data:`LEGACY_REQUIRES`."""
    backend: str
    """``build-backend``, or :data:`LEGACY_BACKEND`."""
    backend_path: tuple[str, ...] = ()
    """``backend-path`` (in-tree backends, e.g. setuptools and flit-core build themselves)."""
    legacy: bool = False
    """True when the fallback was used (no pyproject.toml or no ``[build-system]``)."""
    native: bool = False
    """The sdist contains compiled-language sources or uses a compiling backend."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "requires": list(self.requires),
            "backend": self.backend,
            "backend-path": list(self.backend_path),
            "legacy": self.legacy,
            "native": self.native,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BuildInfo:
        return cls(
            requires=tuple(data["requires"]),
            backend=str(data["backend"]),
            backend_path=tuple(data.get("backend-path", ())),
            legacy=bool(data.get("legacy", False)),
            native=bool(data.get("native", False)),
        )


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the spec of one source file needs, read from the file itself (untrusted text)."""

    kind: Literal["sdist", "wheel"]
    name: str
    version: str
    summary: str = ""
    description: str = ""
    """The first prose paragraph(s) of the long description, at most MAX_DESCRIPTION chars."""
    license_expression: str = ""
    license: str = ""
    license_classifiers: tuple[str, ...] = ()
    url: str = ""
    build: BuildInfo | None = None
    pure: bool = True
    """A wheel that installs anywhere, or an sdist without native code: ``BuildArch: noarch``."""
    console_scripts: tuple[str, ...] = ()
    shared_libs: tuple[str, ...] = ()
    """File names of shared libraries the wheel ships (``libfoo.so.1``), sorted."""
    extras: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema-version": SCHEMA_VERSION,
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "summary": self.summary,
            "description": self.description,
            "license-expression": self.license_expression,
            "license": self.license,
            "license-classifiers": list(self.license_classifiers),
            "url": self.url,
            "build": self.build.to_dict() if self.build else None,
            "pure": self.pure,
            "console-scripts": list(self.console_scripts),
            "shared-libs": list(self.shared_libs),
            "extras": list(self.extras),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceInfo:
        if data.get("schema-version") != SCHEMA_VERSION:
            raise ValueError(f"unknown source info schema-version {data.get('schema-version')!r}")
        build = data.get("build")
        kind = data["kind"]
        if kind not in ("sdist", "wheel"):
            raise ValueError(f"unknown source kind {kind!r}")
        return cls(
            kind=kind,
            name=str(data["name"]),
            version=str(data["version"]),
            summary=str(data.get("summary", "")),
            description=str(data.get("description", "")),
            license_expression=str(data.get("license-expression", "")),
            license=str(data.get("license", "")),
            license_classifiers=tuple(data.get("license-classifiers", ())),
            url=str(data.get("url", "")),
            build=BuildInfo.from_dict(build) if build else None,
            pure=bool(data.get("pure", True)),
            console_scripts=tuple(data.get("console-scripts", ())),
            shared_libs=tuple(data.get("shared-libs", ())),
            extras=tuple(data.get("extras", ())),
        )


# -- reading archives ----------------------------------------------------------------------------


def _open(path: Path, opened: zipfile.ZipFile | None = None) -> Archive:
    try:
        return Archive(path, opened=opened)
    except ArchiveError as exc:
        raise SpecGenError(
            str(exc), hint="the cached file may be truncated; delete it from the cache and retry"
        ) from exc


_T = TypeVar("_T")


def _guard(path: Path, read: Callable[[], _T]) -> _T:
    """Run ``read``; an unreadable member becomes a SpecGenError naming the file."""
    try:
        return read()
    except ArchiveError as exc:
        raise SpecGenError(str(exc), hint=f"check or re-download {path.name}") from exc


def _top_level(names: Iterable[str], basename: str) -> str | None:
    """``TOP/basename`` if the archive has it (sdists have one top-level directory)."""
    paths = [PurePosixPath(n) for n in names]
    found = sorted(
        (str(p) for p in paths if p.name == basename and len(p.parts) <= 2),
        key=lambda n: (len(PurePosixPath(n).parts), n),
    )
    return found[0] if found else None


def _build_info(archive: Archive, names: list[str]) -> BuildInfo:
    native = any(PurePosixPath(n).suffix.lower() in _NATIVE_SUFFIXES for n in names)
    member = _top_level(names, "pyproject.toml")
    if member is None:
        return BuildInfo(LEGACY_REQUIRES, LEGACY_BACKEND, legacy=True, native=native)
    try:
        data = tomllib.loads(archive.read(member).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecGenError(
            f"{archive.name}: {member} is not valid TOML ({exc})",
            hint="pip and build fail on it too; bundle a wheel instead ([packages.NAME] "
            'source = "wheel") or point [packages.NAME] url at a fixed sdist',
        ) from exc
    system = data.get("build-system")
    if not isinstance(system, dict):
        return BuildInfo(LEGACY_REQUIRES, LEGACY_BACKEND, legacy=True, native=native)
    requires = system.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        # PEP 518: "requires" is mandatory in [build-system]; pip refuses such a project.
        raise SpecGenError(
            f"{archive.name}: {member} has [build-system] without a list of strings in 'requires'",
            hint="PEP 518 makes 'requires' mandatory; this sdist cannot be built as it is",
        )
    backend = system.get("build-backend")
    path = system.get("backend-path", [])
    backend_text = backend if isinstance(backend, str) and backend else LEGACY_BACKEND
    if any(backend_text.startswith(b) for b in _NATIVE_BACKENDS):
        native = True
    return BuildInfo(
        requires=tuple(requires),
        backend=backend_text,
        backend_path=tuple(str(p) for p in path) if isinstance(path, list) else (),
        legacy=not (isinstance(backend, str) and backend),
        native=native,
    )


def read_build_info(sdist: Path) -> BuildInfo:
    """The build system of ``sdist`` (a .tar.gz/.zip on disk): requires, backend, backend-path.

    Without ``pyproject.toml`` or ``[build-system]``: :data:`LEGACY_REQUIRES` and
    :data:`LEGACY_BACKEND` (``legacy=True``).  Raises :class:`SpecGenError` for unreadable
    archives and invalid ``pyproject.toml``.
    """
    with _open(sdist) as archive:
        return _guard(sdist, lambda: _build_info(archive, archive.names()))


def _first_paragraphs(text: str) -> str:
    """Prose from the start of a README: skip headings, badges, HTML, code and tables."""
    keep: list[str] = []
    size = 0
    in_code = False
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        stripped = block.strip()
        if stripped.startswith(("```", "~~~")):
            fences = stripped.count("```") + stripped.count("~~~")
            in_code = not in_code if fences % 2 else in_code
            continue
        if in_code or not stripped:
            continue
        lines = stripped.splitlines()
        first = lines[0].lstrip()
        if (
            first.startswith(("#", "<", "[!", "![", "|", ".. ", "[![", "---", "===", "***", ">"))
            or (len(lines) == 2 and re.fullmatch(r"[=\-~^*#]{3,}", lines[1].strip()))
            or re.fullmatch(r"[=\-~^*#]{3,}", first)
            or len(stripped) < 40
        ):
            continue
        keep.append(" ".join(line.strip() for line in lines))
        size += len(keep[-1])
        if size >= 400:
            break
    return "\n\n".join(keep)[:MAX_DESCRIPTION]


def _project_url(home_page: str | None, urls: Iterable[tuple[str, str]]) -> str:
    if home_page and home_page.strip() and home_page.strip().upper() != "UNKNOWN":
        return home_page.strip()
    table = [(label.strip().lower(), url.strip()) for label, url in urls]
    for wanted in ("homepage", "home", "home-page", "source", "source code", "repository"):
        for label, url in table:
            if label == wanted:
                return url
    return table[0][1] if table else ""


def _entry_point_scripts(text: str) -> tuple[str, ...]:
    """``[console_scripts]`` and ``[gui_scripts]`` names of an entry_points.txt (INI format,
    https://packaging.python.org/en/latest/specifications/entry-points/)."""
    scripts: list[str] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section in ("console_scripts", "gui_scripts") and "=" in line:
            scripts.append(line.split("=", 1)[0].strip())
    return tuple(sorted(set(scripts)))


def read_source_info(
    path: Path,
    kind: Literal["sdist", "wheel"],
    name: str,
    version: str,
    *,
    opened: zipfile.ZipFile | None = None,
) -> SourceInfo:
    """Everything :mod:`streams.specgen` needs from one downloaded source file.

    ``opened``: a wheel already open as a zip file (e.g. over HTTP range requests), read
    instead of ``path`` (which then only names it in messages).
    """
    with _open(path, opened) as archive:
        return _guard(path, lambda: _read_source_info(archive, path, kind, name, version))


def _read_source_info(
    archive: Archive, path: Path, kind: Literal["sdist", "wheel"], name: str, version: str
) -> SourceInfo:
    names = archive.names()
    build: BuildInfo | None = None
    scripts: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()
    if kind == "wheel":
        dist_info = sorted(
            (n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), key=len
        )
        if not dist_info:
            raise SpecGenError(f"{path.name}: no *.dist-info/METADATA in the wheel")
        meta_member = dist_info[0]
        folder = meta_member.rsplit("/", 1)[0]
        if f"{folder}/entry_points.txt" in names:
            scripts = _entry_point_scripts(
                archive.read(f"{folder}/entry_points.txt").decode("utf-8", "replace")
            )
        wheel_file = archive.read(f"{folder}/WHEEL").decode("utf-8", "replace")
        purelib = re.search(r"(?mi)^Root-Is-Purelib:\s*true\s*$", wheel_file) is not None
        basenames = {PurePosixPath(n).name for n in names}
        libs = tuple(sorted(b for b in basenames if _SHARED_LIB.match(b)))
        native = any(n.endswith(".so") or ".so." in PurePosixPath(n).name for n in names)
        pure = purelib and not native
    else:
        build = _build_info(archive, names)
        pure = not build.native
        pkg_info = _top_level(names, "PKG-INFO")
        if pkg_info is None:
            raise SpecGenError(f"{path.name}: no PKG-INFO in the sdist")
        meta_member = pkg_info
    try:
        md = parse_core_metadata(
            archive.read(meta_member),
            source="wheel" if kind == "wheel" else "sdist",
            filename=path.name,
            file_sha256=None,
            fallback_name=name,
            fallback_version=version,
        )
    except MetadataReadError as exc:
        raise SpecGenError(f"{path.name}: unreadable core metadata ({exc})") from exc
    return SourceInfo(
        kind=kind,
        name=name,
        version=version,
        summary=md.summary or "",
        description=_first_paragraphs(md.description or ""),
        license_expression=md.license_expression or "",
        license=(md.license or "")[:400],
        license_classifiers=tuple(c for c in md.classifiers if c.startswith("License ::")),
        url=_project_url(md.home_page, md.project_urls),
        build=build,
        pure=pure,
        console_scripts=scripts,
        shared_libs=libs,
        extras=md.provides_extra,
    )


# -- the store ------------------------------------------------------------------------------------


class SourceInfoStore:
    """Content-addressed store of :class:`SourceInfo`, one JSON file per source sha256.

    ``root`` (default ``cache_dir("buildinfo")``) is written; ``seeds`` are read-only
    directories searched after it (a recorded fixture ships its infos there).
    """

    def __init__(self, root: Path | None = None, seeds: Sequence[Path] = ()) -> None:
        self._root = root
        self.seeds = tuple(seeds)

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = cache_dir("buildinfo")
        return self._root

    @staticmethod
    def _name(sha256: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise SpecGenError(f"invalid sha256 {sha256!r} for the build info store")
        return f"{sha256}.json"

    def get(self, sha256: str) -> SourceInfo | None:
        """The stored info of the file with ``sha256``, or None."""
        name = self._name(sha256)
        for folder in (self.root, *self.seeds):
            path = folder / name
            try:
                data = json.loads(path.read_text("utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                raise SpecGenError(
                    f"{path}: unreadable build info ({exc})", hint="delete the file and re-lock"
                ) from exc
            try:
                return SourceInfo.from_dict(data)
            except (KeyError, ValueError, TypeError) as exc:
                raise SpecGenError(
                    f"{path}: invalid build info ({exc})", hint="delete the file and re-lock"
                ) from exc
        return None

    def put(self, sha256: str, info: SourceInfo) -> Path:
        path = self.root / self._name(sha256)
        atomic_write_text(path, json.dumps(info.to_dict(), indent=1, sort_keys=True) + "\n")
        return path

    def load(
        self, path: Path, *, sha256: str, kind: Literal["sdist", "wheel"], name: str, version: str
    ) -> SourceInfo:
        """The stored info, or read it from ``path`` (already hash-verified) and store it."""
        info = self.get(sha256)
        if info is None:
            info = read_source_info(path, kind, name, version)
            self.put(sha256, info)
        return info


# -- build requirements -> BuildRequires ----------------------------------------------------------


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
