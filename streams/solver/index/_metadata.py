"""Reading core metadata out of metadata files, wheels and sdists (pure, over bytes/files).

Specifications:

- Core metadata format (email headers, ``Metadata-Version``, ``Dynamic``):
  https://packaging.python.org/en/latest/specifications/core-metadata/ .  PEP 643
  (Metadata-Version 2.2) says a field of an sdist's ``PKG-INFO`` is reliable unless it is
  listed in ``Dynamic``.
- Wheel layout (``{name}-{version}.dist-info/METADATA``): PEP 427 / the binary distribution
  format specification.
- ``*.egg-info/requires.txt`` is setuptools' legacy form: plain requirements, then sections
  ``[extra]``, ``[extra:marker]`` or ``[:marker]`` (setuptools ``pkg_resources`` "split_sections").
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from packaging.markers import InvalidMarker, Marker
from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.infra.archive import Archive, ArchiveError
from streams.solver.index._models import CoreMetadata, MetadataSource

log = logging.getLogger(__name__)

_DIST_INFO_METADATA = re.compile(r"^([^/]+)\.dist-info/METADATA$")
_EGG_INFO_REQUIRES = re.compile(r"(?:^|/)([^/]+)\.egg-info/requires\.txt$")
# The largest PKG-INFO / METADATA / requires.txt we are willing to read (descriptions can be
# long, but not this long); protects against decompression bombs in hostile archives.
MAX_MEMBER = 32 * 1024 * 1024


class MetadataReadError(ValueError):
    """A distribution file does not contain readable core metadata."""


def parse_core_metadata(
    data: bytes | str,
    *,
    source: MetadataSource,
    filename: str,
    file_sha256: str | None,
    fallback_name: str | None = None,
    fallback_version: str | None = None,
    requires_dist: tuple[str, ...] | None = None,
    provides_extra: tuple[str, ...] | None = None,
    note: str | None = None,
) -> CoreMetadata:
    """Parse core metadata leniently (packaging's RawMetadata); odd fields are ignored.

    ``requires_dist`` / ``provides_extra`` override what the file says (legacy sdists).
    """
    raw, unparsed = parse_email(data)
    if unparsed:
        log.debug("%s: ignoring unparsed metadata fields %s", filename, sorted(unparsed))
    name = raw.get("name") or fallback_name
    version = raw.get("version") or fallback_version
    if not name or not version:
        raise MetadataReadError(f"{filename}: core metadata has no Name or Version")
    urls = raw.get("project_urls") or {}
    return CoreMetadata(
        name=name,
        version=version,
        requires_dist=requires_dist
        if requires_dist is not None
        else tuple(raw.get("requires_dist") or ()),
        requires_python=raw.get("requires_python"),
        provides_extra=provides_extra
        if provides_extra is not None
        else tuple(raw.get("provides_extra") or ()),
        summary=raw.get("summary"),
        license=raw.get("license"),
        license_expression=raw.get("license_expression"),
        classifiers=tuple(raw.get("classifiers") or ()),
        home_page=raw.get("home_page"),
        project_urls=tuple((str(k), str(v)) for k, v in urls.items()),
        description=raw.get("description"),
        metadata_version=raw.get("metadata_version"),
        dynamic=tuple(raw.get("dynamic") or ()),
        source=source,
        filename=filename,
        file_sha256=file_sha256,
        note=note,
    )


def _and_markers(parts: Iterable[str]) -> str:
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({p})" for p in parts)


def requires_txt_to_requires_dist(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Convert setuptools' ``requires.txt`` into (Requires-Dist lines, extras), in file order.

    ``[extra]`` becomes ``; extra == "extra"``, ``[:marker]`` becomes ``; marker``, and
    ``[extra:marker]`` both.  A requirement's own marker is kept and and-ed in.  Lines that do
    not parse are skipped (logged): the result is a best effort for legacy sdists.
    """
    requires: list[str] = []
    extras: list[str] = []
    section_marker = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].strip().partition(":")
            extra = extra.strip()
            parts = []
            if marker.strip():
                parts.append(marker.strip())
            if extra:
                if extra not in extras:
                    extras.append(extra)
                parts.append(f'extra == "{extra}"')
            section_marker = _and_markers(parts)
            continue
        try:
            req = Requirement(line)
            if section_marker:
                combined = _and_markers([str(req.marker) if req.marker else "", section_marker])
                req.marker = Marker(combined)
        except (InvalidRequirement, InvalidMarker) as exc:
            log.debug("requires.txt:%d: skipping %r (%s)", lineno, line, exc)
            continue
        requires.append(str(req))
    return tuple(requires), tuple(extras)


def _pick_metadata_member(names: Iterable[str], name: NormalizedName) -> str:
    """The wheel's ``*.dist-info/METADATA`` member; the project's own if there are several."""
    candidates = [n for n in names if _DIST_INFO_METADATA.match(n)]
    if not candidates:
        raise MetadataReadError("no *.dist-info/METADATA in the wheel")
    if len(candidates) == 1:
        return candidates[0]
    for member in sorted(candidates):
        m = _DIST_INFO_METADATA.match(member)
        assert m is not None
        stem = m.group(1).rsplit("-", 1)[0]
        if canonicalize_name(stem) == name:
            return member
    raise MetadataReadError(f"several *.dist-info directories, none for {name}: {candidates}")


def read_wheel_metadata(
    fp: IO[bytes], name: NormalizedName, *, prefetch: Callable[[int, int], None] | None = None
) -> bytes:
    """``METADATA`` out of a wheel given as a seekable binary file.

    ``prefetch(start, length)``, when given, is told which byte span the member occupies
    before it is read, so a range-reading file can fetch it with one request.
    """
    try:
        with zipfile.ZipFile(fp) as zf:
            member = _pick_metadata_member(zf.namelist(), name)
            info = zf.getinfo(member)
            if info.file_size > MAX_MEMBER:
                raise MetadataReadError(f"{member} is {info.file_size} bytes; refusing to read")
            if prefetch is not None:
                # local header (30 bytes) + name + extra field (at most 64 KiB, usually none)
                prefetch(info.header_offset, 30 + len(info.filename) + 1024 + info.compress_size)
            return zf.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise MetadataReadError(f"not a readable wheel (zip): {exc}") from exc


def _shallowest(paths: Iterable[str]) -> str | None:
    ordered = sorted(paths, key=lambda p: (len(PurePosixPath(p).parts), p))
    return ordered[0] if ordered else None


def _is_static_requires(raw_version: str | None, dynamic: tuple[str, ...]) -> bool:
    """PEP 643: from Metadata-Version 2.2 a field not listed in Dynamic is exact."""
    try:
        new_enough = raw_version is not None and Version(raw_version) >= Version("2.2")
    except InvalidVersion:
        return False
    return new_enough and "requires-dist" not in {d.strip().lower() for d in dynamic}


def read_sdist_metadata(
    path: Path, *, filename: str, name: NormalizedName, version: str, file_sha256: str | None
) -> CoreMetadata:
    """Core metadata of an sdist: ``PKG-INFO`` when trustworthy, else ``requires.txt``."""
    try:
        archive = Archive(path, name=filename)
    except ArchiveError as exc:
        raise MetadataReadError(str(exc)) from exc
    try:
        return _sdist_metadata(
            archive, filename=filename, name=name, version=version, file_sha256=file_sha256
        )
    except ArchiveError as exc:
        raise MetadataReadError(str(exc)) from exc
    finally:
        archive.close()


def _sdist_metadata(
    archive: Archive, *, filename: str, name: NormalizedName, version: str, file_sha256: str | None
) -> CoreMetadata:
    names = archive.names()
    pkg_info = _shallowest(n for n in names if PurePosixPath(n).name == "PKG-INFO")
    if pkg_info is None:
        raise MetadataReadError(f"{filename}: no PKG-INFO in the sdist")
    data = archive.read(pkg_info)
    md = parse_core_metadata(
        data,
        source="sdist",
        filename=filename,
        file_sha256=file_sha256,
        fallback_name=name,
        fallback_version=version,
    )
    if _is_static_requires(md.metadata_version, md.dynamic):
        return md
    if _is_static_requires(md.metadata_version, ()):
        why = "Requires-Dist is listed in Dynamic"
    else:
        why = f"Metadata-Version {md.metadata_version or 'missing'}"
    # Prefer the egg-info of this project (sdists may vendor others), shallowest first.
    egg = [n for n in names if _EGG_INFO_REQUIRES.search(n)]
    own = [n for n in egg if canonicalize_name(_egg_stem(n)) == name]
    requires_txt = _shallowest(own) or _shallowest(egg)
    if requires_txt is None:
        return parse_core_metadata(
            data,
            source="sdist-legacy",
            filename=filename,
            file_sha256=file_sha256,
            fallback_name=name,
            fallback_version=version,
            note=f"legacy sdist ({why}) without egg-info/requires.txt: Requires-Dist is "
            "what PKG-INFO says and may be incomplete; only building the sdist would tell",
        )
    text = archive.read(requires_txt).decode("utf-8", errors="replace")
    requires, extras = requires_txt_to_requires_dist(text)
    return parse_core_metadata(
        data,
        source="sdist-legacy",
        filename=filename,
        file_sha256=file_sha256,
        fallback_name=name,
        fallback_version=version,
        requires_dist=requires,
        provides_extra=tuple(dict.fromkeys((*md.provides_extra, *extras))),
        note=f"legacy sdist ({why}): Requires-Dist rebuilt from {requires_txt}",
    )


def _egg_stem(member: str) -> str:
    m = _EGG_INFO_REQUIRES.search(member)
    assert m is not None
    return m.group(1)


def read_wheel_file(path: Path, name: NormalizedName) -> bytes:
    """``METADATA`` out of a wheel on disk."""
    with path.open("rb") as fh:
        return read_wheel_metadata(fh, name)
