"""The package-index client: project pages, core metadata, verified downloads, the cache.

Metadata of a release is found in this order (cheapest first):

1. the cache (keyed by the sha256 of any file of the release, so nothing is fetched twice);
2. a file of the release already downloaded into the cache (read locally);
3. the index's PEP 658 ``{file}.metadata`` for a wheel that advertises one (hash-checked);
4. ``*.dist-info/METADATA`` of a wheel, read with HTTP range requests (tail, central
   directory, one member); a full download when the server ignores ``Range``;
5. the sdist, downloaded and verified: ``PKG-INFO`` when it is reliable (PEP 643), else the
   legacy ``*.egg-info/requires.txt``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import logging
import threading
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, TypeVar
from urllib.parse import urlparse

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version
from pydantic import ValidationError

from streams.errors import ServiceError, UsageError
from streams.infra import http
from streams.infra.fsutil import cache_dir
from streams.solver.index._cache import IndexCache, sha256_file
from streams.solver.index._metadata import (
    MetadataReadError,
    parse_core_metadata,
    read_sdist_metadata,
    read_wheel_file,
    read_wheel_metadata,
)
from streams.solver.index._models import CoreMetadata, DistFile, Project, Reporter
from streams.solver.index._pages import (
    ACCEPT,
    JSON_CONTENT_TYPE,
    is_json,
    parse_html_page,
    parse_json_page,
)
from streams.solver.index._ranged import RangeFile, parse_content_range

log = logging.getLogger(__name__)

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# The first range request asks for the file's last 64 KiB: the end-of-central-directory record
# and, for all but very large wheels, the whole central directory.
TAIL_BYTES = 64 * 1024
# Answers after which trying another file of the same release makes sense; anything else
# (network down, 5xx after retries) would fail the same way for every file.
_R = TypeVar("_R")

_TRY_NEXT_STATUSES = frozenset({403, 404, 410, 416})


class ProjectNotFoundError(ServiceError):
    """The index has no page for this project (HTTP 404, or no directory in a file index)."""


class HashMismatchError(ServiceError):
    """A downloaded file's sha256 differs from what the index advertised."""


class NotCachedError(ServiceError):
    """Offline mode, and the cache lacks what was asked for."""


class _RangeIgnoredError(Exception):
    """The server answered a later range request with the whole file."""


def _wheel_scripts(src: Path | IO[bytes]) -> tuple[str, ...]:
    """Script names from the ``entry_points.txt`` of the shallowest ``.dist-info`` in a wheel."""
    with zipfile.ZipFile(src) as zf:
        folders = sorted(
            {n.split("/", 1)[0] for n in zf.namelist() if n.split("/", 1)[0].endswith(".dist-info")}
        )
        if not folders:
            return ()
        dist = importlib.metadata.PathDistribution(zipfile.Path(zf, f"{folders[0]}/"))
        groups = ("console_scripts", "gui_scripts")
        return tuple(sorted({ep.name for ep in dist.entry_points if ep.group in groups}))


def _version(value: str | Version) -> Version:
    return value if isinstance(value, Version) else Version(str(value))


class IndexClient:
    """Client of one package index (PyPI or a mirror, over http(s), or a file index).

    ``index_url`` is the simple API root (``https://pypi.org/simple/``), a ``file://`` URL or
    a directory laid out as PEP 503 says (``NAME/index.html``, optionally ``NAME/index.json``,
    which is preferred); anything else is a UsageError.  ``offline=True`` answers only from
    the cache (file indexes stay readable: they are local).  Thread-safe:
    :meth:`metadata_many` calls it from ``workers`` threads.
    """

    def __init__(
        self,
        index_url: str = DEFAULT_INDEX_URL,
        *,
        offline: bool = False,
        cache: Path | None = None,
        workers: int = 8,
        retry: http.RetryPolicy = http.DEFAULT_RETRY,
    ) -> None:
        local = http.file_path(index_url)
        if local is not None and not local.is_dir():
            raise UsageError(
                f"index {index_url!r} is neither an http(s):// or file:// URL nor a directory",
                hint="use e.g. https://pypi.org/simple/ or the path of a PEP 503 file index",
            )
        self.local_root: Path | None = local.resolve() if local is not None else None
        if self.local_root is not None:
            self.index_url = self.local_root.as_uri() + "/"
            self.service = f"file index {self.local_root}"
        else:
            self.index_url = index_url if index_url.endswith("/") else index_url + "/"
            host = urlparse(self.index_url).hostname or self.index_url
            self.service = "PyPI" if host == "pypi.org" else f"index {host}"
        self.offline = offline
        self.workers = max(1, workers)
        self.retry = retry
        self.cache = IndexCache(cache if cache is not None else cache_dir("index"))
        self._projects: dict[NormalizedName, Project] = {}
        self._lock = threading.Lock()
        self._name_locks: dict[NormalizedName, threading.Lock] = {}

    # -- pages ------------------------------------------------------------------------------

    def page_url(self, name: str) -> str:
        """The project page URL: ``{index}/{normalized name}/`` (PEP 503)."""
        return f"{self.index_url}{canonicalize_name(name)}/"

    def project(self, name: str) -> Project:
        """The project's page, fetched once per client (pages are re-fetched by new clients).

        Raises ProjectNotFoundError for an unknown project, NotCachedError offline without a
        cached page, ServiceError when the index cannot be reached.
        """
        key = canonicalize_name(name)
        with self._lock:
            known = self._projects.get(key)
            if known is not None:
                return known
            lock = self._name_locks.setdefault(key, threading.Lock())
        with lock:
            known = self._projects.get(key)
            if known is None:
                known = self._load_project(key)
                with self._lock:
                    self._projects[key] = known
            return known

    def _load_project(self, name: NormalizedName) -> Project:
        if self.local_root is not None:
            return self._load_local_project(name)
        url = self.page_url(name)
        if self.offline:
            cached = self.cache.get_page(url)
            if cached is None:
                raise NotCachedError(
                    f"no cached copy of the index page for {name!r} at {url}",
                    service=self.service,
                    url=url,
                    hint="run once without --offline to fill the cache",
                )
            return self._parse_page(name, cached.body, cached.final_url, cached.content_type)
        try:
            resp = http.get(url, service=self.service, headers={"Accept": ACCEPT}, retry=self.retry)
        except ServiceError as exc:
            if exc.status == 404:
                raise ProjectNotFoundError(
                    f"{self.service}: no project {name!r} at {url}",
                    service=self.service,
                    url=url,
                    status=404,
                    hint=f"check the name (looked up as the PEP 503 name {name!r}) "
                    "and the index URL",
                ) from exc
            raise ServiceError(
                f"{self.service}: cannot fetch the page of {name!r}: {exc.message}",
                service=self.service,
                url=url,
                status=exc.status,
                hint=exc.hint,
            ) from exc
        content_type = resp.headers.get("Content-Type", "text/html")
        project = self._parse_page(name, resp.content, resp.url, content_type)
        self.cache.put_page(url, resp.url, content_type, resp.content)
        return project

    def _load_local_project(self, name: NormalizedName) -> Project:
        assert self.local_root is not None
        folder = self.local_root / name
        for page, content_type in (
            (folder / "index.json", JSON_CONTENT_TYPE),
            (folder / "index.html", "text/html"),
        ):
            if page.is_file():
                try:
                    body = page.read_bytes()
                except OSError as exc:
                    raise ServiceError(
                        f"{self.service}: cannot read {page}: {exc}",
                        service=self.service,
                        url=page.as_uri(),
                    ) from exc
                return self._parse_page(name, body, page.as_uri(), content_type)
        raise ProjectNotFoundError(
            f"{self.service}: no project {name!r} ({folder} has no index.html or index.json)",
            service=self.service,
            url=folder.as_uri(),
            status=404,
            hint="a file index needs one directory per project, named by its PEP 503 name",
        )

    def _parse_page(
        self, name: NormalizedName, body: bytes, page_url: str, content_type: str
    ) -> Project:
        key = self.cache.parsed_key(name, body, page_url, content_type)
        cached = self.cache.get_parsed(key)
        if cached is not None:
            return cached
        project = self._parse_page_uncached(name, body, page_url, content_type)
        self.cache.put_parsed(key, project)
        return project

    def _parse_page_uncached(
        self, name: NormalizedName, body: bytes, page_url: str, content_type: str
    ) -> Project:
        try:
            if is_json(content_type):
                return parse_json_page(body, page_url, name)
            return parse_html_page(body, page_url, name)
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            raise ServiceError(
                f"{self.service}: the page of {name!r} at {page_url} is not a valid "
                f"simple-API page ({content_type}): {exc}",
                service=self.service,
                url=page_url,
            ) from exc

    # -- versions ---------------------------------------------------------------------------

    def versions(self, name: str) -> list[Version]:
        """Every version with at least one wheel or sdist on the index, ascending."""
        return sorted({f.version for f in self.project(name).files})

    def latest_version(self, name: str, *, prereleases: bool = False) -> Version:
        """The newest release that is not yanked (PEP 592: a release is yanked when all its
        files are); pre-releases only when asked.  ServiceError when there is none."""
        project = self.project(name)
        live = [v for v, files in project.releases().items() if any(not f.yanked for f in files)]
        pool = live if prereleases else [v for v in live if not v.is_prerelease]
        if pool:
            return max(pool)
        if live:
            hint = f"only pre-releases exist (newest {max(live)}); allow pre-releases"
        elif project.files:
            hint = "every release is yanked"
        else:
            hint = "the project page lists no wheel or sdist"
        raise ServiceError(
            f"{self.service}: {name!r} has no usable release",
            service=self.service,
            url=project.page_url,
            hint=hint,
        )

    # -- files ------------------------------------------------------------------------------

    def download(self, file: DistFile) -> Path:
        """The file in the cache, downloaded and verified against its sha256 if needed."""
        cached = self.cache.has_file(file.sha256)
        if cached is not None:
            return cached
        if self.offline and self.local_root is None:
            raise NotCachedError(
                f"no cached copy of {file.filename} (offline)",
                service=self.service,
                url=file.url,
                hint="run once without --offline to fill the cache",
            )
        with self.cache.temp_file() as (fh, tmp):
            http.download(file.url, fh, service=self.service, retry=self.retry)
            return self._verify_and_commit(file, fh, tmp)

    def _verify_and_commit(self, file: DistFile, fh: IO[bytes], tmp: Path) -> Path:
        digest = sha256_file(fh)
        if file.sha256 is None:
            log.warning("%s: the index gives no sha256 for %s", self.service, file.filename)
        elif digest != file.sha256:
            raise HashMismatchError(
                f"{self.service}: {file.filename} has sha256 {digest}, "
                f"but the index says {file.sha256}",
                service=self.service,
                url=file.url,
                hint="the file or the index page was altered or truncated; try again, "
                "or use another mirror",
            )
        return self.cache.commit(fh, tmp, digest)

    # -- metadata ---------------------------------------------------------------------------

    def metadata(
        self, name: str, version: str | Version, *, prefer: DistFile | None = None
    ) -> CoreMetadata:
        """Core metadata of one release (see the module docstring for the order of sources).

        ``prefer`` is tried first (e.g. the very wheel a target will install).  Raises
        HashMismatchError when a download does not match the index, NotCachedError offline,
        ServiceError when no file of the release yields metadata.
        """
        # Offline (or on a local file index) a release already answered is read without its
        # page; online the page is fetched again, so a project gone from the index is noticed.
        if prefer is None and (self.offline or self.local_root is not None):
            known = self.cache.get_release(self.index_url, name, str(version))
            if known is not None:
                md = self.cache.get_metadata(known)
                if md is not None:
                    return md
        md = self._metadata(name, version, prefer)
        if prefer is None and md.file_sha256:
            self.cache.put_release(self.index_url, name, str(version), md.file_sha256)
        return md

    def _metadata(self, name: str, version: str | Version, prefer: DistFile | None) -> CoreMetadata:
        project = self.project(name)
        try:
            wanted = _version(version)
        except InvalidVersion as exc:
            raise ServiceError(
                f"{self.service}: {version!r} is not a valid version of {name!r}",
                service=self.service,
                url=project.page_url,
            ) from exc
        files = self._ordered(project.files_for(wanted), prefer)
        if not files:
            newest = ", ".join(str(v) for v in self.versions(name)[-5:]) or "none"
            raise ServiceError(
                f"{self.service}: {project.name} {wanted} has no wheel or sdist on the index",
                service=self.service,
                url=project.page_url,
                status=404,
                hint=f"newest versions there: {newest}",
            )
        for f in files:
            md = self.cache.get_metadata(f.sha256)
            if md is not None:
                return md
        for f in files:
            path = self.cache.has_file(f.sha256)
            if path is not None:
                try:
                    return self._store(f, self._read_local(f, path))
                except MetadataReadError as exc:
                    log.warning("%s: %s", f.filename, exc)
        if self.offline and self.local_root is None:
            raise NotCachedError(
                f"no cached metadata for {project.name} {wanted} (offline)",
                service=self.service,
                url=project.page_url,
                hint="run once without --offline to fill the cache",
            )
        problems: list[str] = []
        for f in files:
            try:
                return self._store(f, self._fetch_metadata(f))
            except MetadataReadError as exc:
                problems.append(f"{f.filename}: {exc}")
            except HashMismatchError:
                raise
            except ServiceError as exc:
                if exc.status not in _TRY_NEXT_STATUSES:
                    raise
                problems.append(f"{f.filename}: {exc.message}")
            log.info("%s %s: %s; trying the next file", project.name, wanted, problems[-1])
        raise ServiceError(
            f"{self.service}: no core metadata for {project.name} {wanted}: " + "; ".join(problems),
            service=self.service,
            url=project.page_url,
        )

    @staticmethod
    def _ordered(files: Iterable[DistFile], prefer: DistFile | None) -> list[DistFile]:
        """``prefer``, then wheels with PEP 658 files, other wheels, sdists; pure wheels and
        files that are not yanked first in each group."""

        def key(f: DistFile) -> tuple[int, bool, bool, str]:
            group = 0 if f.kind == "wheel" and f.core_metadata else 1 if f.kind == "wheel" else 2
            return (group, f.yanked, not f.is_pure, f.filename)

        ordered = sorted(files, key=key)
        if prefer is not None:
            ordered = [prefer, *(f for f in ordered if f.filename != prefer.filename)]
        return ordered

    def _store(self, file: DistFile, md: CoreMetadata) -> CoreMetadata:
        if canonicalize_name(md.name) != file.name:
            log.warning("%s: its metadata names %r", file.filename, md.name)
        self.cache.put_metadata(file.sha256, md)
        return md

    def _read_local(self, file: DistFile, path: Path) -> CoreMetadata:
        if file.kind == "wheel":
            return self._parse(file, read_wheel_file(path, file.name), "wheel")
        return read_sdist_metadata(
            path,
            filename=file.filename,
            name=file.name,
            version=str(file.version),
            file_sha256=file.sha256,
        )

    def _parse(self, file: DistFile, data: bytes, source: str) -> CoreMetadata:
        return parse_core_metadata(
            data,
            source=source,  # type: ignore[arg-type]
            filename=file.filename,
            file_sha256=file.sha256,
            fallback_name=file.name,
            fallback_version=str(file.version),
        )

    def _fetch_metadata(self, file: DistFile) -> CoreMetadata:
        if file.kind == "sdist":
            return self._read_local(file, self.download(file))
        if file.core_metadata:
            try:
                return self._pep658(file)
            except ServiceError as exc:
                if isinstance(exc, HashMismatchError) or exc.status not in _TRY_NEXT_STATUSES:
                    raise
                log.info("%s: advertised metadata file missing (%s)", file.filename, exc)
        return self._wheel_range(file)

    def _pep658(self, file: DistFile) -> CoreMetadata:
        """PEP 658: ``{url}.metadata``, verified against the advertised hash when there is one."""
        resp = http.get(file.metadata_url, service=self.service, retry=self.retry)
        digest = hashlib.sha256(resp.content).hexdigest()
        if file.metadata_sha256 is not None and digest != file.metadata_sha256:
            raise HashMismatchError(
                f"{self.service}: {file.filename}.metadata has sha256 {digest}, "
                f"but the index says {file.metadata_sha256}",
                service=self.service,
                url=file.metadata_url,
                hint="the metadata file or the index page was altered; try again or use "
                "another mirror",
            )
        self.cache.put_bytes(resp.content)
        return self._parse(file, resp.content, "pep658")

    def _wheel_range(self, file: DistFile) -> CoreMetadata:
        """METADATA through range requests; the whole wheel when the server will not do ranges.

        The zip CRC of METADATA is checked by zipfile; the wheel's sha256 cannot be (only the
        whole file has one), which is the same trust a PEP 658 file without a hash gets.
        """
        src = self._remote_wheel(file)
        if isinstance(src, Path):
            return self._read_local(file, src)
        try:
            data = read_wheel_metadata(io.BufferedReader(src), file.name, prefetch=src.ensure)
        except _RangeIgnoredError:
            return self._read_local(file, self.download(file))
        log.debug("%s: METADATA read with %d extra range requests", file.filename, src.requests)
        return self._parse(file, data, "wheel-range")

    def _remote_wheel(self, file: DistFile) -> RangeFile | Path:
        """The wheel as a file read by range requests (its tail already fetched), or its
        downloaded, verified copy when the server sends the whole file or no usable range."""
        with self.cache.temp_file() as (fh, tmp):
            try:
                resp = http.download(
                    file.url,
                    fh,
                    service=self.service,
                    headers={"Range": f"bytes=-{TAIL_BYTES}"},
                    retry=self.retry,
                )
            except ServiceError as exc:
                if exc.status != 416:
                    raise
                return self.download(file)
            span = parse_content_range(resp.headers.get("Content-Range"))
            if resp.status == 200 or (span is not None and span[0] == 0):
                # the whole file came back (server ignored Range, or the wheel is tiny)
                log.debug("%s: whole file received (HTTP %d)", file.filename, resp.status)
                return self._verify_and_commit(file, fh, tmp)
            total = span[2] if span is not None else None
            if span is None or total is None:
                log.info("%s: unusable Content-Range; downloading it", file.filename)
                return self.download(file)
            fh.seek(0)
            tail = fh.read()
        return RangeFile(total, lambda a, b: self._range(file, a, b), known=(span[0], tail))

    def console_scripts(self, file: DistFile) -> tuple[str, ...]:
        """The ``console_scripts`` and ``gui_scripts`` names a wheel installs, sorted.

        Read from the wheel's ``*.dist-info/entry_points.txt`` (the entry points specification,
        https://packaging.python.org/en/latest/specifications/entry-points/) with
        :mod:`importlib.metadata`'s parser, over range requests as for METADATA (a cached copy
        is read locally), so a 500 MB wheel costs a few small requests.
        """
        if file.kind != "wheel":
            raise UsageError(f"{file.filename} is not a wheel; only wheels list entry points")
        cached = self.cache.has_file(file.sha256) if file.sha256 else None
        src: RangeFile | Path = cached if cached is not None else self._remote_wheel(file)
        try:
            return _wheel_scripts(src if isinstance(src, Path) else io.BufferedReader(src))
        except _RangeIgnoredError:
            return _wheel_scripts(self.download(file))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise MetadataReadError(f"{file.filename}: not a readable wheel (zip): {exc}") from exc

    def read_wheel(self, file: DistFile, read: Callable[[zipfile.ZipFile], _R]) -> _R:
        """``read(zip)`` on the wheel, opened over range requests (a cached copy locally), so
        reading its listing and a few small members of a 2 GB wheel costs a few requests;
        the whole wheel is downloaded when the server ignores ranges."""
        if file.kind != "wheel":
            raise UsageError(f"{file.filename} is not a wheel")
        cached = self.cache.has_file(file.sha256) if file.sha256 else None
        src: RangeFile | Path = cached if cached is not None else self._remote_wheel(file)
        try:
            if isinstance(src, Path):
                with zipfile.ZipFile(src) as zf:
                    return read(zf)
            with zipfile.ZipFile(io.BufferedReader(src, buffer_size=256 * 1024)) as zf:
                return read(zf)
        except _RangeIgnoredError:
            with zipfile.ZipFile(self.download(file)) as zf:
                return read(zf)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise MetadataReadError(f"{file.filename}: not a readable wheel (zip): {exc}") from exc

    def _range(self, file: DistFile, first: int, last: int) -> bytes:
        buf = io.BytesIO()
        resp = http.download(
            file.url,
            buf,
            service=self.service,
            headers={"Range": f"bytes={first}-{last}"},
            retry=self.retry,
        )
        if resp.status != 206:
            raise _RangeIgnoredError(file.url)
        return buf.getvalue()

    def metadata_many(
        self,
        requests: Iterable[tuple[str, str | Version]],
        reporter: Reporter | None = None,
    ) -> dict[tuple[str, str | Version], CoreMetadata | Exception]:
        """Metadata of many releases, ``workers`` at a time.

        Keys are the requests as given; a failure is returned as its exception (a StreamsError
        for expected failures) so one bad release does not hide the others.
        """
        todo = list(dict.fromkeys(requests))
        rep = reporter if reporter is not None else Reporter()
        rep.started(len(todo))
        results: dict[tuple[str, str | Version], CoreMetadata | Exception] = {}

        def one(req: tuple[str, str | Version]) -> None:
            try:
                results[req] = self.metadata(req[0], req[1])
            except Exception as exc:  # returned to the caller, not swallowed
                log.debug("metadata of %s %s failed: %s", req[0], req[1], exc)
                results[req] = exc
            finally:
                rep.advanced(f"{req[0]} {req[1]}")

        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="index") as pool:
                list(pool.map(one, todo))
        finally:
            rep.finished()
        return {req: results[req] for req in todo}
