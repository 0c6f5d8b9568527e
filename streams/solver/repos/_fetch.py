"""Where repomd.xml and the data files come from: a directory, the cache, a baseurl or mirrors."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from streams.errors import RepoError, ServiceError
from streams.solver.repos._cache import RepoCache
from streams.solver.repos._repomd import RepomdFile, verify_file
from streams.solver.repos._types import LoadReporter
from streams.solver.repos.specs import RepoSpec, parse_metalink

if TYPE_CHECKING:
    from streams.infra.http import RetryPolicy

log = logging.getLogger(__name__)


class Source:
    """A place to read one repository from; ``repomd_bytes`` is already fetched."""

    remote = False

    def __init__(self, spec: RepoSpec, where: str, repomd_bytes: bytes) -> None:
        self.spec = spec
        self.where = where
        self.repomd_bytes = repomd_bytes

    def data_file(self, rec: RepomdFile, reporter: LoadReporter) -> Path:
        """A local path holding the verified file of ``rec``."""
        raise NotImplementedError


class LocalSource(Source):
    def __init__(self, spec: RepoSpec, root: Path) -> None:
        repomd = root / "repodata" / "repomd.xml"
        try:
            data = repomd.read_bytes()
        except FileNotFoundError as exc:
            raise RepoError(
                f"repo {spec.name}: {root} is not an rpm-md repository (no repodata/repomd.xml)",
                hint="point --repo at the directory that contains repodata/ "
                "(run createrepo_c on it first)",
            ) from exc
        except OSError as exc:
            raise RepoError(f"repo {spec.name}: cannot read {repomd}: {exc}") from exc
        super().__init__(spec, str(root), data)
        self.root = root

    def data_file(self, rec: RepomdFile, reporter: LoadReporter) -> Path:
        path = self.root / rec.href
        reporter.fetching(self.spec, rec.type, str(path))
        verify_file(path, rec, repo=self.spec.name, where=str(self.root))
        return path


class CachedSource(Source):
    """Offline: the last repomd.xml that loaded, and the data files downloaded for it."""

    def __init__(self, spec: RepoSpec, cache: RepoCache) -> None:
        try:
            data = cache.repomd.read_bytes()
        except FileNotFoundError as exc:
            raise RepoError(
                f"no cached copy of repo {spec.name} ({spec.url}); run once without --offline",
                hint=f"--offline reads only what an earlier online run left in {cache.dir}",
            ) from exc
        super().__init__(spec, f"the cache {cache.dir}", data)
        self.cache = cache

    def data_file(self, rec: RepomdFile, reporter: LoadReporter) -> Path:
        path = self.cache.repodata / rec.basename
        if not path.exists():
            raise RepoError(
                f"no cached copy of {rec.href} of repo {self.spec.name} ({self.spec.url}); "
                "run once without --offline",
                hint="filelists are downloaded only by commands that need them",
            )
        reporter.fetching(self.spec, rec.type, str(path))
        verify_file(path, rec, repo=self.spec.name, where=self.where)
        return path


class RemoteSource(Source):
    """A baseurl (http, https or file); data files are downloaded into the cache."""

    remote = True

    def __init__(
        self,
        spec: RepoSpec,
        baseurl: str,
        repomd_bytes: bytes,
        cache: RepoCache,
        retry: RetryPolicy | None,
    ) -> None:
        super().__init__(spec, baseurl, repomd_bytes)
        self.baseurl = baseurl
        self.cache = cache
        self.retry = retry

    def data_file(self, rec: RepomdFile, reporter: LoadReporter) -> Path:
        dest = self.cache.repodata / rec.basename
        if dest.exists():
            try:
                verify_file(dest, rec, repo=self.spec.name, where=str(self.cache.dir))
                return dest
            except RepoError:
                dest.unlink()
        url = _join(self.baseurl, rec.href)
        reporter.fetching(self.spec, rec.type, url)
        self.cache.repodata.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{rec.basename}.", dir=self.cache.repodata)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w+b") as sink:
                _download(url, sink, self.spec, self.retry)
            verify_file(tmp, rec, repo=self.spec.name, where=self.baseurl)
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()  # a bad download never reaches the cache
        return dest


def _join(base: str, href: str) -> str:
    return base.rstrip("/") + "/" + href.lstrip("/")


def _download(url: str, sink: IO[bytes], spec: RepoSpec, retry: RetryPolicy | None) -> None:
    from streams.infra import http  # imported here: the warm path of local repos needs no requests

    kwargs: dict[str, Any] = {"service": f"repo {spec.name}"}
    if retry is not None:
        kwargs["retry"] = retry
    http.download(url, sink, **kwargs)


def _fetch_bytes(url: str, spec: RepoSpec, retry: RetryPolicy | None) -> bytes:
    buf = io.BytesIO()
    _download(url, buf, spec, retry)
    return buf.getvalue()


def _metalink_matches(data: bytes, hashes: Sequence[tuple[str, str]]) -> bool:
    for algo, hexdigest in hashes:
        try:
            if hashlib.new(algo, data).hexdigest() == hexdigest:
                return True
        except ValueError:
            continue  # a hash type hashlib does not know; another entry may do
    return False


def candidate_sources(
    spec: RepoSpec,
    cache: RepoCache,
    *,
    offline: bool,
    retry: RetryPolicy | None,
    reporter: LoadReporter,
    failures: list[str],
) -> Iterator[Source]:
    """Candidate sources in order; more than one only for metalinks (one per good mirror)."""
    if spec.kind in ("dir", "file"):
        yield LocalSource(spec, spec.local_path())
        return
    if offline:
        yield CachedSource(spec, cache)
        return
    if spec.kind == "http":
        url = _join(spec.location, "repodata/repomd.xml")
        reporter.fetching(spec, "repomd.xml", url)
        yield RemoteSource(spec, spec.location, _fetch_bytes(url, spec, retry), cache, retry)
        return
    # metalink: fetch the document, then the first mirror whose repomd.xml matches its hashes
    reporter.fetching(spec, "metalink", spec.location)
    ml = parse_metalink(
        _fetch_bytes(spec.location, spec, retry), repo=spec.name, source=spec.location
    )
    for base in ml.baseurls():
        url = _join(base, "repodata/repomd.xml")
        reporter.fetching(spec, "repomd.xml", url)
        try:
            data = _fetch_bytes(url, spec, retry)
        except ServiceError as exc:
            failures.append(f"{base}: {exc.message}")
            reporter.warning(spec, f"mirror {base} failed: {exc.message}")
            continue
        if not _metalink_matches(data, ml.hashes):
            msg = f"{base}: repomd.xml does not match the metalink's hashes (stale mirror?)"
            failures.append(msg)
            reporter.warning(spec, msg)
            continue
        yield RemoteSource(spec, base, data, cache, retry)
