"""The on-disk cache of the index client.

Layout under the cache root (``$STREAMS_CACHE_DIR/index`` or ``~/.cache/streams/index``)::

    sha256/ab/abcdef...        distribution and .metadata files, named by their own sha256
    metadata/ab/abcdef....json core metadata parsed from the file with that sha256
    pages/<sha256 of URL>.json project pages with their URL, content type and fetch time
    releases/ab/<key>.txt      the sha256 of the file whose metadata answered for a release
    parsed/ab/<key>.json       the file list parsed from a page (key: sha256 of the page bytes,
                               its URL, content type and name)
    tmp/                       downloads in progress (renamed into sha256/ when verified)

Files are content-addressed, so the same wheel served by two indexes is stored once, and a
cached file never needs to be downloaded again.  Every write is atomic (temp file + rename).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from packaging.tags import parse_tag
from packaging.utils import NormalizedName
from packaging.version import Version

from streams.infra.fsutil import atomic_write_bytes, atomic_write_text
from streams.solver.index._models import CoreMetadata, DistFile, Project

log = logging.getLogger(__name__)

PAGE_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class CachedPage:
    url: str
    final_url: str
    content_type: str
    fetched: float
    body: bytes


def sha256_file(fh: IO[bytes]) -> str:
    """The sha256 of a whole open file (read from the start)."""
    fh.seek(0)
    h = hashlib.sha256()
    while block := fh.read(1 << 20):
        h.update(block)
    return h.hexdigest()


class IndexCache:
    """Content-addressed storage for files and metadata, plus a page store for offline use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("sha256", "metadata", "pages", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    # -- files ------------------------------------------------------------------------------

    def file_path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def has_file(self, sha256: str | None) -> Path | None:
        if not sha256:
            return None
        path = self.file_path(sha256)
        return path if path.is_file() else None

    def put_bytes(self, data: bytes) -> tuple[str, Path]:
        """Store ``data`` under its sha256 (caller verified it); return (sha256, path)."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.file_path(digest)
        if not path.is_file():
            atomic_write_bytes(path, data)
        return digest, path

    @contextlib.contextmanager
    def temp_file(self) -> Iterator[tuple[IO[bytes], Path]]:
        """A temporary file on the cache's file system, removed on exit unless committed."""
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="dl-")
        fh = os.fdopen(fd, "w+b")
        try:
            yield fh, Path(name)
        finally:
            fh.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def commit(self, fh: IO[bytes], tmp: Path, sha256: str) -> Path:
        """Rename a verified temp file (from :meth:`temp_file`) into the store as ``sha256``."""
        fh.flush()
        os.fsync(fh.fileno())
        path = self.file_path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file():
            os.replace(tmp, path)
        return path

    # -- metadata ---------------------------------------------------------------------------

    def _metadata_path(self, file_sha256: str) -> Path:
        return self.root / "metadata" / file_sha256[:2] / f"{file_sha256}.json"

    def get_metadata(self, file_sha256: str | None) -> CoreMetadata | None:
        if not file_sha256:
            return None
        path = self._metadata_path(file_sha256)
        try:
            return CoreMetadata.from_dict(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None

    def put_metadata(self, file_sha256: str | None, md: CoreMetadata) -> None:
        if not file_sha256:
            return
        text = json.dumps(md.to_dict(), indent=1, sort_keys=True)
        atomic_write_text(self._metadata_path(file_sha256), text + "\n")

    # -- pages ------------------------------------------------------------------------------

    def _page_path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / "pages" / f"{key}.json"

    def get_page(self, url: str) -> CachedPage | None:
        path = self._page_path(url)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("schema_version") != PAGE_SCHEMA_VERSION or data["url"] != url:
                return None
            return CachedPage(
                url=data["url"],
                final_url=data["final_url"],
                content_type=data["content_type"],
                fetched=float(data["fetched"]),
                body=base64.b64decode(data["body"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None

    def put_page(self, url: str, final_url: str, content_type: str, body: bytes) -> None:
        data = {
            "schema_version": PAGE_SCHEMA_VERSION,
            "url": url,
            "final_url": final_url,
            "content_type": content_type,
            "fetched": time.time(),
            "body": base64.b64encode(body).decode("ascii"),
        }
        atomic_write_text(self._page_path(url), json.dumps(data) + "\n")

    # -- which file answered for a release -------------------------------------------------
    #
    # metadata(name, version) needs the project page only to find a file of the release; once
    # a file answered, its sha256 is remembered here, so the next call reads the metadata
    # straight from the content-addressed cache (a release's files do not change, and a file's
    # metadata never does).

    def _release_path(self, index_url: str, name: str, version: str) -> Path:
        key = hashlib.sha256(f"{index_url}\0{name}\0{version}".encode()).hexdigest()
        return self.root / "releases" / key[:2] / f"{key}.txt"

    def get_release(self, index_url: str, name: str, version: str) -> str | None:
        try:
            sha = self._release_path(index_url, name, version).read_text("ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return sha if len(sha) == 64 else None

    def put_release(self, index_url: str, name: str, version: str, file_sha256: str) -> None:
        atomic_write_text(self._release_path(index_url, name, version), file_sha256 + "\n")

    # -- parsed pages -----------------------------------------------------------------------
    #
    # Parsing a page (html.parser, urljoin and wheel-tag parsing for every anchor) costs far
    # more than reading it: ~7 ms for a page like torch's.  The parsed file list is kept by the
    # sha256 of everything the parse depends on, so a warm run only loads JSON.

    def _parsed_path(self, key: str) -> Path:
        return self.root / "parsed" / key[:2] / f"{key}.json"

    @staticmethod
    def parsed_key(name: str, body: bytes, page_url: str, content_type: str) -> str:
        h = hashlib.sha256()
        for part in (PARSED_SCHEMA_VERSION, name, page_url, content_type):
            h.update(part.encode("utf-8") + b"\0")
        h.update(body)
        return h.hexdigest()

    def get_parsed(self, key: str) -> Project | None:
        path = self._parsed_path(key)
        try:
            return project_from_dict(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None

    def put_parsed(self, key: str, project: Project) -> None:
        atomic_write_text(self._parsed_path(key), json.dumps(project_to_dict(project)) + "\n")


PARSED_SCHEMA_VERSION = "1"


def _file_to_dict(f: DistFile) -> dict[str, Any]:
    return {
        "filename": f.filename,
        "url": f.url,
        "name": f.name,
        "version": str(f.version),
        "kind": f.kind,
        "sha256": f.sha256,
        "requires_python": f.requires_python,
        "yanked": f.yanked,
        "yanked_reason": f.yanked_reason,
        "core_metadata": f.core_metadata,
        "metadata_sha256": f.metadata_sha256,
        "size": f.size,
        "upload_time": f.upload_time,
        "tags": sorted(str(t) for t in f.tags),
    }


def project_to_dict(p: Project) -> dict[str, Any]:
    return {
        "name": p.name,
        "page_url": p.page_url,
        "versions_listed": list(p.versions_listed),
        "files": [_file_to_dict(f) for f in p.files],
    }


def project_from_dict(d: dict[str, Any]) -> Project:
    files = tuple(
        DistFile(
            filename=f["filename"],
            url=f["url"],
            name=NormalizedName(f["name"]),
            version=Version(f["version"]),
            kind=f["kind"],
            sha256=f["sha256"],
            requires_python=f["requires_python"],
            yanked=f["yanked"],
            yanked_reason=f["yanked_reason"],
            core_metadata=f["core_metadata"],
            metadata_sha256=f["metadata_sha256"],
            size=f["size"],
            upload_time=f["upload_time"],
            tags=frozenset(t for text in f["tags"] for t in parse_tag(text)),
        )
        for f in d["files"]
    )
    return Project(
        name=NormalizedName(d["name"]),
        files=files,
        page_url=d["page_url"],
        versions_listed=tuple(d["versions_listed"]),
    )
