"""Values of the index client: files on an index page, projects, core metadata, reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from packaging.tags import Tag
from packaging.utils import NormalizedName
from packaging.version import Version

DistKind = Literal["wheel", "sdist"]

MetadataSource = Literal[
    "pep658",  # the index's {file}.metadata file (PEP 658 / PEP 714), hash-checked
    "wheel-range",  # *.dist-info/METADATA read out of the wheel with HTTP range requests
    "wheel",  # *.dist-info/METADATA out of a fully downloaded wheel (server ignored Range)
    "sdist",  # PKG-INFO of an sdist with Metadata-Version >= 2.2 and static Requires-Dist
    "sdist-legacy",  # older sdist: Requires-Dist rebuilt from *.egg-info/requires.txt
]

METADATA_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, order=True)
class DistFile:
    """One file listed on a project's index page (PEP 503 anchor or PEP 691 ``files`` entry)."""

    filename: str
    url: str = field(compare=False)
    name: NormalizedName = field(compare=False)
    version: Version = field(compare=False)
    kind: DistKind = field(compare=False)
    sha256: str | None = field(default=None, compare=False)
    requires_python: str | None = field(default=None, compare=False)
    yanked: bool = field(default=False, compare=False)
    yanked_reason: str | None = field(default=None, compare=False)
    core_metadata: bool = field(default=False, compare=False)
    """The index serves ``{url}.metadata`` (PEP 658; PEP 714 renamed the key)."""
    metadata_sha256: str | None = field(default=None, compare=False)
    """The advertised sha256 of the ``.metadata`` file, when the index gives one."""
    size: int | None = field(default=None, compare=False)
    upload_time: str | None = field(default=None, compare=False)
    tags: frozenset[Tag] = field(default=frozenset(), compare=False)
    """Wheel tags; empty for sdists."""

    @property
    def metadata_url(self) -> str:
        """Where PEP 658 says the core metadata lives: the file URL plus ``.metadata``."""
        return self.url.partition("#")[0] + ".metadata"

    @property
    def is_pure(self) -> bool:
        """A wheel that installs anywhere (``py3-none-any`` and the like)."""
        return self.kind == "wheel" and all(
            t.abi == "none" and t.platform == "any" for t in self.tags
        )


@dataclass(frozen=True, slots=True)
class Project:
    """A project page: the normalized name and every file whose name parsed."""

    name: NormalizedName
    files: tuple[DistFile, ...]
    page_url: str
    versions_listed: tuple[str, ...] = ()
    """PEP 700 ``versions`` (JSON pages only): every version, including ones without files."""

    def releases(self) -> dict[Version, tuple[DistFile, ...]]:
        """Files grouped by version, versions ascending."""
        out: dict[Version, list[DistFile]] = {}
        for f in self.files:
            out.setdefault(f.version, []).append(f)
        return {v: tuple(out[v]) for v in sorted(out)}

    def files_for(self, version: Version) -> tuple[DistFile, ...]:
        return tuple(f for f in self.files if f.version == version)


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    """The core metadata of one release, however it was obtained (see ``source``)."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    summary: str | None = None
    license: str | None = None
    license_expression: str | None = None
    classifiers: tuple[str, ...] = ()
    home_page: str | None = None
    project_urls: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    metadata_version: str | None = None
    dynamic: tuple[str, ...] = ()
    source: MetadataSource = "pep658"
    filename: str = ""
    """The distribution file the metadata came from."""
    file_sha256: str | None = None
    note: str | None = None
    """Anything a packager should know about how reliable this is (legacy sdists)."""

    @property
    def legacy(self) -> bool:
        """True when Requires-Dist was rebuilt from a legacy sdist's ``requires.txt``."""
        return self.source == "sdist-legacy"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": METADATA_SCHEMA_VERSION,
            "name": self.name,
            "version": self.version,
            "requires_dist": list(self.requires_dist),
            "requires_python": self.requires_python,
            "provides_extra": list(self.provides_extra),
            "summary": self.summary,
            "license": self.license,
            "license_expression": self.license_expression,
            "classifiers": list(self.classifiers),
            "home_page": self.home_page,
            "project_urls": [list(p) for p in self.project_urls],
            "description": self.description,
            "metadata_version": self.metadata_version,
            "dynamic": list(self.dynamic),
            "source": self.source,
            "filename": self.filename,
            "file_sha256": self.file_sha256,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoreMetadata:
        if data.get("schema_version") != METADATA_SCHEMA_VERSION:
            raise ValueError(f"unknown metadata schema_version {data.get('schema_version')!r}")
        return cls(
            name=data["name"],
            version=data["version"],
            requires_dist=tuple(data["requires_dist"]),
            requires_python=data["requires_python"],
            provides_extra=tuple(data["provides_extra"]),
            summary=data["summary"],
            license=data["license"],
            license_expression=data["license_expression"],
            classifiers=tuple(data["classifiers"]),
            home_page=data["home_page"],
            project_urls=tuple((str(k), str(v)) for k, v in data["project_urls"]),
            description=data["description"],
            metadata_version=data["metadata_version"],
            dynamic=tuple(data["dynamic"]),
            source=data["source"],
            filename=data["filename"],
            file_sha256=data["file_sha256"],
            note=data["note"],
        )


class Reporter:
    """Progress hooks for :meth:`IndexClient.metadata_many`; every method does nothing here.

    The CLI subclasses this with a rich progress bar on a TTY; library code never prints.
    Methods may be called from worker threads (``advanced``) — implementations must be
    thread-safe.
    """

    def started(self, total: int) -> None:
        """``total`` items are about to be fetched."""

    def advanced(self, name: str) -> None:
        """One item (``"name version"``) is done, successfully or not."""

    def finished(self) -> None:
        """Every item is done."""
