"""Parsing of project pages: PEP 691 JSON and PEP 503 HTML into :class:`DistFile` values.

Pure functions over bytes.  Specifications:

- PEP 503 (HTML simple API): one anchor per file, the anchor text is the filename, the URL
  fragment may carry ``#<hashname>=<hex>``, ``data-requires-python`` is HTML-escaped,
  ``data-yanked`` (PEP 592) marks yanked files.
- PEP 691 (JSON simple API): ``{"meta": {"api-version"}, "name", "files": [...]}`` with
  ``hashes``, ``requires-python``, ``yanked`` (bool or reason) per file.
- PEP 658 / PEP 714: ``data-core-metadata`` / ``core-metadata`` (older name
  ``data-dist-info-metadata`` / ``dist-info-metadata``): ``true`` or ``{hashname: hex}``.
- PEP 700: ``versions``, and ``size`` / ``upload-time`` per file (JSON only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion
from pydantic import BaseModel, ConfigDict, Field

from streams.solver.index._models import DistFile, DistKind, Project

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_CONTENT_TYPE = "application/vnd.pypi.simple.v1+html"
# PEP 691 "Version + Format Selection": JSON first, legacy HTML (text/html) as a fallback.
ACCEPT = f"{JSON_CONTENT_TYPE}, {HTML_CONTENT_TYPE};q=0.2, text/html;q=0.1"


# Index JSON is a boundary, but it is a server's document, not user input: unknown keys are
# ignored (PEP 691 lets servers add keys) rather than forbidden as in recipes.
_JSON_CONFIG = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _JsonFile(BaseModel):
    model_config = _JSON_CONFIG

    filename: str
    url: str
    hashes: dict[str, str] = Field(default_factory=dict)
    requires_python: str | None = Field(default=None, alias="requires-python")
    core_metadata: bool | dict[str, str] | None = Field(default=None, alias="core-metadata")
    dist_info_metadata: bool | dict[str, str] | None = Field(
        default=None, alias="dist-info-metadata"
    )
    yanked: bool | str = False
    size: int | None = None
    upload_time: str | None = Field(default=None, alias="upload-time")


class _JsonProject(BaseModel):
    model_config = _JSON_CONFIG

    name: str
    files: list[_JsonFile] = Field(default_factory=list)
    versions: list[str] | None = None


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names the PEP 691 JSON form."""
    return (content_type or "").split(";")[0].strip().lower() == JSON_CONTENT_TYPE


def _metadata_flag(value: bool | str | Mapping[str, str] | None) -> tuple[bool, str | None]:
    """(advertised, sha256) from a PEP 658/714 value: bool, ``"sha256=hex"`` or a dict."""
    if value is None or value is False:
        return False, None
    if value is True:
        return True, None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "false"):
            return False, None
        if text.lower() == "true":
            return True, None
        algo, _, digest = text.partition("=")
        return True, (digest.lower() if algo.lower() == "sha256" and digest else None)
    sha = value.get("sha256")
    return True, (sha.lower() if sha else None)


def _classify(filename: str, project: NormalizedName) -> tuple[DistKind, Any] | None:
    """Parse a distribution filename; None (logged) when it is not a wheel or sdist we read."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            kind: DistKind = "wheel"
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            tags = frozenset()
            kind = "sdist"
        else:
            log.debug("%s: skipping %s (neither a wheel nor an sdist)", project, filename)
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as exc:
        log.debug("%s: skipping %s (%s)", project, filename, exc)
        return None
    if name != project:
        log.debug("%s: skipping %s (its name is %s)", project, filename, name)
        return None
    return kind, (version, tags)


def _dist_file(
    project: NormalizedName,
    filename: str,
    url: str,
    *,
    sha256: str | None,
    requires_python: str | None,
    yanked: bool | str | None,
    metadata: bool | str | Mapping[str, str] | None,
    size: int | None = None,
    upload_time: str | None = None,
) -> DistFile | None:
    parsed = _classify(filename, project)
    if parsed is None:
        return None
    kind, (version, tags) = parsed
    has_md, md_sha = _metadata_flag(metadata)
    is_yanked = yanked is not None and yanked is not False
    reason = yanked if isinstance(yanked, str) and yanked else None
    return DistFile(
        filename=filename,
        url=url,
        name=project,
        version=version,
        kind=kind,
        sha256=sha256.lower() if sha256 else None,
        requires_python=requires_python.strip() if requires_python else None,
        yanked=is_yanked,
        yanked_reason=reason,
        core_metadata=has_md,
        metadata_sha256=md_sha,
        size=size,
        upload_time=upload_time,
        tags=frozenset(tags),
    )


def parse_json_page(data: bytes, page_url: str, name: str) -> Project:
    """Parse a PEP 691 JSON project page; relative file URLs resolve against ``page_url``."""
    project = canonicalize_name(name)
    raw = json.loads(data)
    page = _JsonProject.model_validate(raw)
    files: list[DistFile] = []
    for f in page.files:
        url, _ = urldefrag(urljoin(page_url, f.url))
        md = f.core_metadata if f.core_metadata is not None else f.dist_info_metadata
        df = _dist_file(
            project,
            f.filename,
            url,
            sha256=f.hashes.get("sha256"),
            requires_python=f.requires_python,
            yanked=f.yanked,
            metadata=md,
            size=f.size,
            upload_time=f.upload_time,
        )
        if df is not None:
            files.append(df)
    return Project(
        name=project,
        files=tuple(files),
        page_url=page_url,
        versions_listed=tuple(page.versions or ()),
    )


class _AnchorParser(HTMLParser):
    """Collects ``<a>`` elements (attributes and text) and an optional ``<base href>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            href = dict(attrs).get("href")
            if href:
                self.base = href
        elif tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def parse_html_page(data: bytes, page_url: str, name: str) -> Project:
    """Parse a PEP 503 HTML project page (PEP 592/658/714 data attributes understood)."""
    project = canonicalize_name(name)
    parser = _AnchorParser()
    parser.feed(data.decode("utf-8", errors="replace"))
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    files: list[DistFile] = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(base, href))
        filename = text or url.rstrip("/").rsplit("/", 1)[-1]
        algo, _, digest = fragment.partition("=")
        metadata: str | None = None
        for key in ("data-core-metadata", "data-dist-info-metadata"):  # PEP 714 name first
            if key in attrs:
                metadata = attrs[key] or "true"  # a bare attribute means "served, no hash"
                break
        df = _dist_file(
            project,
            filename,
            url,
            sha256=digest if algo.lower() == "sha256" and digest else None,
            requires_python=attrs.get("data-requires-python"),
            # PEP 592: the attribute's presence marks the file yanked; its value is the reason
            yanked=(attrs["data-yanked"] or True) if "data-yanked" in attrs else None,
            metadata=metadata,
        )
        if df is not None:
            files.append(df)
    return Project(name=project, files=tuple(files), page_url=page_url)
