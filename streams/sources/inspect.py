"""Reading a downloaded sdist or wheel, once, without unpacking it.

- :func:`read_build_info`: ``[build-system]`` of ``pyproject.toml`` (``requires``,
  ``build-backend``, ``backend-path``) and whether the default build makes compiled code,
  judged from the backend and its configuration (:mod:`streams.sources.native`), with the
  compilers and tools it needs.
- :func:`read_source_info`: the core metadata a spec shows (summary, description, license
  fields, home page) and, for wheels, the console scripts, whether the wheel is pure, and the
  shared libraries it ships.

The text read here is untrusted: specgen escapes it before it reaches a spec.
"""

from __future__ import annotations

import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

from packaging.metadata import parse_email

from streams.errors import SourceError
from streams.infra.archive import Archive, ArchiveError
from streams.solver.index import MetadataReadError, parse_core_metadata
from streams.sources.binaries import (
    MAX_ELF_READ,
    is_compiled_member,
    is_extension_name,
    is_shared_library_name,
    read_soname,
)
from streams.sources.description import plain_description
from streams.sources.licensefiles import identify_license_text, license_file_members
from streams.sources.model import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    MAX_DESCRIPTION,
    BuildInfo,
    SourceInfo,
)
from streams.sources.native import judge, refine

# A shared library shipped in a wheel: lib*.so or lib*.so.N (auditwheel's vendored copies in
# NAME.libs/ keep their SONAME as the file name); Python extension modules are not libraries.
_SHARED_LIB = re.compile(r"^lib[^/]*\.so(\.[0-9][0-9.]*)?$")


def _open(path: Path, opened: zipfile.ZipFile | None = None) -> Archive:
    try:
        return Archive(path, opened=opened)
    except ArchiveError as exc:
        raise SourceError(
            str(exc), hint="the cached file may be truncated; delete it from the cache and retry"
        ) from exc


_T = TypeVar("_T")


def _guard(path: Path, read: Callable[[], _T]) -> _T:
    """Run ``read``; an unreadable member becomes a SourceError naming the file."""
    try:
        return read()
    except ArchiveError as exc:
        raise SourceError(str(exc), hint=f"check or re-download {path.name}") from exc


def _top_level(names: Iterable[str], basename: str) -> str | None:
    """``TOP/basename`` if the archive has it (sdists have one top-level directory)."""
    paths = [PurePosixPath(n) for n in names]
    found = sorted(
        (str(p) for p in paths if p.name == basename and len(p.parts) <= 2),
        key=lambda n: (len(PurePosixPath(n).parts), n),
    )
    return found[0] if found else None


def _reader(archive: Archive, names: list[str]) -> Callable[[str], str | None]:
    """``read(rel)``: the text of ``TOP/rel`` in the sdist, or None when it has no such file."""
    have = set(names)
    tops = sorted({PurePosixPath(n).parts[0] for n in names if len(PurePosixPath(n).parts) > 1})
    top = tops[0] if len(tops) == 1 else ""

    def read(rel: str) -> str | None:
        member = str(PurePosixPath(top, rel)) if top else rel
        if member not in have:
            return None
        try:
            return archive.read(member, limit=4 * 1024 * 1024).decode("utf-8", "replace")
        except ArchiveError:
            return None

    return read


def _verdict(
    archive: Archive, names: list[str], pyproject: dict[str, Any], backend: str, path: Sequence[str]
) -> BuildInfo:
    read = _reader(archive, names)
    v = judge(names, read, pyproject=pyproject, backend=backend, backend_path=path)
    return BuildInfo((), backend, native=v.native, native_reason=v.reason, tools=v.tools)


def _build_info(archive: Archive, names: list[str]) -> BuildInfo:
    member = _top_level(names, "pyproject.toml")
    if member is None:
        v = _verdict(archive, names, {}, LEGACY_BACKEND, ())
        return refine(replace(v, requires=LEGACY_REQUIRES, legacy=True))
    try:
        data = tomllib.loads(archive.read(member).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(
            f"{archive.name}: {member} is not valid TOML ({exc})",
            hint="pip and build fail on it too; bundle a wheel instead ([packages.NAME] "
            'source = "wheel") or point [packages.NAME] url at a fixed sdist',
        ) from exc
    system = data.get("build-system")
    if not isinstance(system, dict):
        v = _verdict(archive, names, data, LEGACY_BACKEND, ())
        return refine(replace(v, requires=LEGACY_REQUIRES, legacy=True))
    requires = system.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        # PEP 518: "requires" is mandatory in [build-system]; pip refuses such a project.
        raise SourceError(
            f"{archive.name}: {member} has [build-system] without a list of strings in 'requires'",
            hint="PEP 518 makes 'requires' mandatory; this sdist cannot be built as it is",
        )
    backend = system.get("build-backend")
    path = system.get("backend-path", [])
    backend_text = backend if isinstance(backend, str) and backend else LEGACY_BACKEND
    backend_path = tuple(str(p) for p in path) if isinstance(path, list) else ()
    v = _verdict(archive, names, data, backend_text, backend_path)
    return refine(
        replace(
            v,
            requires=tuple(requires),
            backend_path=backend_path,
            legacy=not (isinstance(backend, str) and backend),
        )
    )


def read_build_info(sdist: Path) -> BuildInfo:
    """The build system of ``sdist`` (a .tar.gz/.zip on disk): requires, backend, backend-path.

    Without ``pyproject.toml`` or ``[build-system]``: :data:`LEGACY_REQUIRES` and
    :data:`LEGACY_BACKEND` (``legacy=True``).  Raises :class:`SourceError` for unreadable
    archives and invalid ``pyproject.toml``.
    """
    with _open(sdist) as archive:
        return _guard(sdist, lambda: _build_info(archive, archive.names()))


def _first_paragraphs(text: str, content_type: str = "") -> str:
    """The first prose of a README as plain text: Markdown or reST by ``content_type``, markup,
    badges, HTML, code, tables and Windows/macOS sections dropped, lists one item per line
    (:func:`streams.sources.description.plain_description`)."""
    return plain_description(text, content_type, limit=MAX_DESCRIPTION)


def _content_type(metadata: bytes) -> str:
    """``Description-Content-Type`` of core metadata, or ``""``."""
    raw, _ = parse_email(metadata)
    return str(raw.get("description_content_type") or "")


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
    instead of ``path`` (which then only names it in messages); its libraries' ELF headers are
    then not read (each would cost downloading the whole member).
    """
    with _open(path, opened) as archive:
        return _guard(
            path,
            lambda: _read_source_info(archive, path, kind, name, version, read_elf=opened is None),
        )


def _read_source_info(
    archive: Archive,
    path: Path,
    kind: Literal["sdist", "wheel"],
    name: str,
    version: str,
    *,
    read_elf: bool = True,
) -> SourceInfo:
    names = archive.names()
    build: BuildInfo | None = None
    scripts: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()
    bundled: tuple[tuple[str, str], ...] = ()
    if kind == "wheel":
        dist_info = sorted(
            (n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), key=len
        )
        if not dist_info:
            raise SourceError(f"{path.name}: no *.dist-info/METADATA in the wheel")
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
        native = any(is_compiled_member(n) for n in names)
        pure = purelib and not native
        bundled = _bundled(archive, names, read_elf)
    else:
        build = _build_info(archive, names)
        pure = not build.native
        pkg_info = _top_level(names, "PKG-INFO")
        if pkg_info is None:
            raise SourceError(f"{path.name}: no PKG-INFO in the sdist")
        meta_member = pkg_info
    metadata = archive.read(meta_member)
    license_files = _license_files(archive, names, kind)
    try:
        md = parse_core_metadata(
            metadata,
            source="wheel" if kind == "wheel" else "sdist",
            filename=path.name,
            file_sha256=None,
            fallback_name=name,
            fallback_version=version,
        )
    except MetadataReadError as exc:
        raise SourceError(f"{path.name}: unreadable core metadata ({exc})") from exc
    return SourceInfo(
        kind=kind,
        name=name,
        version=version,
        summary=md.summary or "",
        description=_first_paragraphs(md.description or "", _content_type(metadata)),
        license_expression=md.license_expression or "",
        license=(md.license or "")[:400],
        license_classifiers=tuple(c for c in md.classifiers if c.startswith("License ::")),
        url=_project_url(md.home_page, md.project_urls),
        build=build,
        pure=pure,
        console_scripts=scripts,
        shared_libs=libs,
        extras=md.provides_extra,
        license_files=license_files,
        bundled=bundled if kind == "wheel" else None,
    )


def _license_files(archive: Archive, names: list[str], kind: str) -> tuple[tuple[str, str], ...]:
    """Each license file of the archive with the SPDX id askalono finds in it (or "")."""
    out: list[tuple[str, str]] = []
    for member in license_file_members(names, kind):
        try:
            text = archive.read(member, limit=1024 * 1024).decode("utf-8", "replace")
        except ArchiveError:
            out.append((member, ""))
            continue
        out.append((member, identify_license_text(text)))
    return tuple(out)


def _bundled(archive: Archive, names: list[str], read_elf: bool) -> tuple[tuple[str, str], ...]:
    """The shared libraries of a wheel, ``(member, DT_SONAME)``; extension modules left out.

    With ``read_elf`` each candidate of at most :data:`MAX_ELF_READ` bytes is read: its soname
    from the ELF dynamic section, and auditwheel's test drops extension modules that carry a
    library-like name.  Otherwise (a wheel read over HTTP ranges) the name decides and the
    soname is left empty.
    """
    out: list[tuple[str, str]] = []
    for member in sorted(names):
        if not is_compiled_member(member) or is_extension_name(member):
            continue
        named_library = is_shared_library_name(member)
        if not read_elf or archive.size(member) > MAX_ELF_READ:
            if named_library:
                out.append((member, ""))
            continue
        try:
            facts = read_soname(archive.read(member, limit=MAX_ELF_READ), member)
        except ArchiveError:
            facts = None
        if facts is None:
            if named_library:
                out.append((member, ""))
            continue
        soname, extension = facts
        if extension:
            continue
        if soname or named_library:
            out.append((member, soname))
    return tuple(out)
