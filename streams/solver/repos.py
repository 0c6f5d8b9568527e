"""Loading base repositories (rpm-md) into libsolv, with a ``.solv`` cache.

The public entry points are :func:`load_base` / :func:`load_repo` (load into a pool you own)
and :class:`BaseRepos` (make a pool, load, query).  Each load:

1. reads ``repomd.xml`` (from a local directory, a baseurl, or the first metalink mirror whose
   copy matches one of the metalink's hashes; with ``offline`` only from the cache);
2. looks for ``<cache>/<sha256 of repomd.xml>[+filelists].solv``: if it is there and intact the
   repo is loaded from it with ``Repo.add_solv`` and no XML is read (the *warm* path);
3. otherwise fetches ``primary`` (and ``filelists`` when asked), checks each file's
   ``<checksum>`` from repomd.xml before libsolv sees it, parses it with ``Repo.add_rpmmd``
   (filelists with ``REPO_EXTEND_SOLVABLES``), and writes the ``.solv`` cache atomically.

Calls follow libsolv's bindings (doc/libsolv-bindings.txt) and its examples/pysolv, which caches
repos the same way (a solv file named by a cookie of repomd.xml, the cookie appended to the file
and checked before use); CONTRACTS.md §5 has the verified call sequence.

The cache lives under ``cache_dir("repos", "<name>-<sha256(url)[:12]>")``:
``repomd.xml`` (the last repomd.xml that loaded completely — what ``--offline`` uses),
``repodata/`` (downloaded metadata files, remote repos only) and the ``.solv`` files.  A file
that fails its checksum is deleted and never replaces a good one; the cached ``repomd.xml`` is
replaced only after its data loaded, so a failed refresh leaves the previous state usable.
A ``.solv`` file that is truncated or does not carry the expected cookie is discarded and
rebuilt from the XML, never fatal.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import solv

from streams.errors import RepoError, ServiceError
from streams.fsutil import atomic_write_bytes, cache_dir
from streams.solver.sources import RepoSpec, parse_metalink

if TYPE_CHECKING:
    from streams.http import RetryPolicy

log = logging.getLogger(__name__)

CHUNK = 1 << 20
SOLV_FORMAT = b"streams-solv-1"
"""Bump when what goes into a .solv file changes, so old caches are rebuilt, not misread."""

# repomd.xml's checksum types (createrepo_c's cr_checksum_name_str; "sha" is yum's old SHA-1).
_HASHLIB_NAMES = {
    "md5": "md5",
    "sha": "sha1",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}
_REPO_NS = "{http://linux.duke.edu/metadata/repo}"


# --- repomd.xml -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepomdFile:
    """One ``<data>`` record of repomd.xml."""

    type: str
    href: str
    checksum_type: str
    checksum: str
    size: int | None

    @property
    def basename(self) -> str:
        return self.href.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Repomd:
    """What streams needs from repomd.xml: revision, its own sha256, the data records."""

    revision: str
    checksum: str
    """sha256 of repomd.xml itself: identifies this exact state of the repository."""
    files: tuple[RepomdFile, ...]

    def get(self, kind: str) -> RepomdFile | None:
        for f in self.files:
            if f.type == kind:
                return f
        return None


def parse_repomd(data: bytes, *, repo: str, source: str) -> Repomd:
    """Parse repomd.xml bytes; RepoError naming the repo and where the bytes came from."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RepoError(
            f"repo {repo}: {source} is not valid XML ({exc})",
            hint="the file is truncated or not repomd.xml; check the URL",
        ) from exc
    if root.tag not in (f"{_REPO_NS}repomd", "repomd"):
        raise RepoError(f"repo {repo}: {source} is not an rpm-md repomd.xml (root <{root.tag}>)")

    def child(el: ET.Element, name: str) -> ET.Element | None:
        found = el.find(f"{_REPO_NS}{name}")
        return found if found is not None else el.find(name)

    rev_el = child(root, "revision")
    files = []
    for data_el in list(root.findall(f"{_REPO_NS}data")) + list(root.findall("data")):
        kind = data_el.get("type", "")
        loc = child(data_el, "location")
        csum = child(data_el, "checksum")
        size_el = child(data_el, "size")
        if loc is None or csum is None or not loc.get("href") or not csum.text:
            continue  # a record without location or checksum cannot be fetched safely
        size = None
        if size_el is not None and size_el.text and size_el.text.strip().isdigit():
            size = int(size_el.text.strip())
        files.append(
            RepomdFile(
                kind,
                loc.get("href", ""),
                csum.get("type", "sha256"),
                csum.text.strip().lower(),
                size,
            )
        )
    return Repomd(
        (rev_el.text or "").strip() if rev_el is not None else "",
        hashlib.sha256(data).hexdigest(),
        tuple(files),
    )


def file_digest(path: Path, algorithm: str) -> tuple[str, int]:
    """Hex digest and size of ``path``, read in 1 MiB chunks (hashlib releases the GIL)."""
    h = hashlib.new(algorithm)
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def verify_file(path: Path, rec: RepomdFile, *, repo: str, where: str) -> None:
    """Raise RepoError unless ``path`` has the checksum (and size) repomd.xml gives for it."""
    algo = _HASHLIB_NAMES.get(rec.checksum_type.lower())
    if algo is None:
        raise RepoError(
            f"repo {repo}: {rec.href} uses unknown checksum type {rec.checksum_type!r}",
            hint=f"supported: {', '.join(sorted(_HASHLIB_NAMES))}",
        )
    try:
        digest, size = file_digest(path, algo)
    except FileNotFoundError as exc:
        raise RepoError(f"repo {repo}: {rec.href} is missing from {where}") from exc
    if digest == rec.checksum:
        return
    if rec.size is not None and size < rec.size:
        what = f"is truncated ({size} of {rec.size} bytes)"
    else:
        what = f"does not match repomd.xml ({rec.checksum_type} {digest}, expected {rec.checksum})"
    raise RepoError(
        f"repo {repo}: {rec.href} from {where} {what}",
        hint="the repository is being updated or the download was cut; try again later, "
        "or use another mirror",
    )


# --- reporting ------------------------------------------------------------------------------


class LoadReporter:
    """Progress hooks for repository loading; every method does nothing by default."""

    def repo_started(self, spec: RepoSpec) -> None:
        """Loading of ``spec`` begins."""

    def fetching(self, spec: RepoSpec, what: str, url: str) -> None:
        """A file (``repomd.xml``, ``metalink``, a data file) is about to be read."""

    def warning(self, spec: RepoSpec, message: str) -> None:
        """Something was wrong but the load goes on (bad mirror, stale cache file)."""

    def repo_loaded(self, loaded: LoadedRepo) -> None:
        """``loaded`` is in the pool."""


@dataclass(frozen=True, slots=True)
class LoadedRepo:
    """A base repository in a libsolv pool, and which state of it was loaded."""

    name: str
    url: str
    """As given in the RepoSpec (a metalink URL for metalink repos)."""
    baseurl: str
    """Where the data came from: the directory, baseurl or chosen mirror ("" when offline)."""
    revision: str
    """repomd.xml ``<revision>``."""
    checksum: str
    """sha256 of repomd.xml; the lock records it with name and revision."""
    repo: Any = field(compare=False, repr=False)
    """The :class:`solv.Repo`.  Set ``repo.priority`` on it to rank repos."""
    from_cache: bool
    """True when loaded from the .solv cache without reading XML."""
    filelists: bool
    """True when the full file lists are loaded (not only primary's subset)."""
    nsolvables: int

    def lock_entry(self) -> dict[str, str]:
        """``{"name", "revision", "checksum"}``: what a lock file records about this repo."""
        return {"name": self.name, "revision": self.revision, "checksum": self.checksum}


# --- cache ----------------------------------------------------------------------------------


class RepoCache:
    """The per-repo cache directory (see the module docstring for its layout)."""

    def __init__(self, spec: RepoSpec) -> None:
        key = hashlib.sha256(spec.url.encode()).hexdigest()[:12]
        self.dir = cache_dir("repos", f"{spec.name}-{key}")
        self.repomd = self.dir / "repomd.xml"
        self.repodata = self.dir / "repodata"

    def solv_path(self, checksum: str, filelists: bool) -> Path:
        return self.dir / f"{checksum}{'+filelists' if filelists else ''}.solv"

    @staticmethod
    def cookie(checksum: str, filelists: bool) -> bytes:
        """32 bytes appended to a .solv file: which repomd.xml and format it was made from."""
        return hashlib.sha256(
            SOLV_FORMAT + checksum.encode() + (b"+fl" if filelists else b"")
        ).digest()

    def prune(self, repomd: Repomd) -> None:
        """Delete .solv files of other repomd states and data files repomd.xml no longer lists."""
        for p in self.dir.glob("*.solv"):
            if not p.name.startswith(repomd.checksum):
                with contextlib.suppress(OSError):
                    p.unlink()
        if self.repodata.is_dir():
            keep = {f.basename for f in repomd.files}
            for p in self.repodata.iterdir():
                if p.name not in keep:
                    with contextlib.suppress(OSError):
                        p.unlink()


# --- sources: where repomd.xml and the data files come from ---------------------------------


class _Source:
    """A place to read one repository from; ``repomd_bytes`` is already fetched."""

    remote = False

    def __init__(self, spec: RepoSpec, where: str, repomd_bytes: bytes) -> None:
        self.spec = spec
        self.where = where
        self.repomd_bytes = repomd_bytes

    def data_file(self, rec: RepomdFile, reporter: LoadReporter) -> Path:
        """A local path holding the verified file of ``rec``."""
        raise NotImplementedError


class _LocalSource(_Source):
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


class _CachedSource(_Source):
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


class _RemoteSource(_Source):
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
    from streams import http  # imported here: the warm path of local repos needs no requests

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


def _sources(
    spec: RepoSpec,
    cache: RepoCache,
    *,
    offline: bool,
    retry: RetryPolicy | None,
    reporter: LoadReporter,
    failures: list[str],
) -> Iterator[_Source]:
    """Candidate sources in order; more than one only for metalinks (one per good mirror)."""
    if spec.kind in ("dir", "file"):
        yield _LocalSource(spec, spec.local_path())
        return
    if offline:
        yield _CachedSource(spec, cache)
        return
    if spec.kind == "http":
        url = _join(spec.location, "repodata/repomd.xml")
        reporter.fetching(spec, "repomd.xml", url)
        yield _RemoteSource(spec, spec.location, _fetch_bytes(url, spec, retry), cache, retry)
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
        yield _RemoteSource(spec, base, data, cache, retry)


# --- loading --------------------------------------------------------------------------------


def _xfopen(path: Path, spec: RepoSpec, rec: RepomdFile, tmpdir: Path) -> tuple[Any, Path | None]:
    """A solv file handle on ``path`` (decompressed), plus a temp file to delete afterwards.

    The ``solv`` wheel's ``xfopen`` reads gzip and plain files only (it returns None for .zst,
    .xz and .bz2, checked with solv 0.7.39), while Fedora publishes zstd; those are
    decompressed with createrepo_c first.
    """
    fp = solv.xfopen(str(path))
    if fp is not None:
        return fp, None
    import createrepo_c as cr

    fd, tmp_name = tempfile.mkstemp(prefix=f".{rec.type}.", suffix=".xml", dir=tmpdir)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        cr.decompress_file(str(path), tmp_name, cr.AUTO_DETECT_COMPRESSION)
    except Exception as exc:  # createrepo_c raises its own CreaterepoCError
        tmp.unlink()
        raise RepoError(f"repo {spec.name}: cannot decompress {rec.href}: {exc}") from exc
    fp = solv.xfopen(tmp_name)
    if fp is None:
        tmp.unlink()
        raise RepoError(f"repo {spec.name}: cannot open {rec.href} after decompressing it")
    return fp, tmp


def _add_rpmmd(
    repo: Any, path: Path, flags: int, spec: RepoSpec, rec: RepomdFile, tmpdir: Path
) -> None:
    fp, tmp = _xfopen(path, spec, rec, tmpdir)
    try:
        ok = repo.add_rpmmd(fp, None, flags)
    finally:
        fp.close()
        if tmp is not None:
            tmp.unlink()
    if not ok:
        raise RepoError(
            f"repo {spec.name}: cannot parse {rec.href}: {repo.pool.errstr}",
            hint="the file matches repomd.xml, so the repository itself is broken; "
            "report it to whoever publishes it",
        )


def _try_solv(repo: Any, path: Path, cookie: bytes, spec: RepoSpec, reporter: LoadReporter) -> bool:
    """Load ``path`` into ``repo`` if it is an intact cache file; discard it otherwise."""
    _wait_writer(path)
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() < len(cookie):
                raise ValueError("too short")
            fh.seek(-len(cookie), os.SEEK_END)
            if fh.read(len(cookie)) != cookie:
                raise ValueError("cookie mismatch")
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        reporter.warning(spec, f"discarding bad cache file {path} ({exc})")
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    fp = solv.xfopen(str(path))
    ok = fp is not None and repo.add_solv(fp, 0)
    if fp is not None:
        fp.close()
    if ok:
        return True
    reporter.warning(spec, f"discarding unreadable cache file {path} ({repo.pool.errstr})")
    repo.empty()
    with contextlib.suppress(OSError):
        path.unlink()
    return False


def _write_solv(repo: Any, path: Path, cookie: bytes) -> None:
    """Write the cache file atomically (OSError on failure).

    No fsync: after a crash the file may be empty or short, and the trailing cookie catches
    that, so durability is not worth the write barrier on every cold load.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fp = solv.xfopen(tmp_name, "w")
        ok = fp is not None and repo.write(fp)
        if fp is not None:
            fp.close()
        if not ok:
            raise OSError(repo.pool.errstr or "write failed")
        with open(tmp_name, "ab") as fh:
            fh.write(cookie)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


# Cache files being written by a forked child: path -> pid.  See _save_solv.
_pending_writes: dict[Path, int] = {}


def _wait_writer(path: Path) -> None:
    pid = _pending_writes.pop(path, None)
    if pid is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def wait_for_cache_writes() -> None:
    """Block until every ``.solv`` file being written in the background is on disk."""
    for path in list(_pending_writes):
        _wait_writer(path)


def _save_solv(
    repo: Any, path: Path, cookie: bytes, spec: RepoSpec, reporter: LoadReporter, background: bool
) -> None:
    """Write the .solv cache; in a forked child when that is safe, so the load returns at once.

    Writing a .solv costs about a third of parsing primary.xml, and the ``solv`` bindings keep
    the GIL during ``Repo.write``, so a thread cannot overlap it.  A forked child has a
    copy-on-write snapshot of the pool, writes the file atomically and exits with ``_exit``.
    Fork is used only when this process runs a single thread (forking a threaded process can
    deadlock the child on a lock another thread held).  A later load of the same cache file
    waits for the child first; :func:`wait_for_cache_writes` waits for all of them.  A failure
    only costs the next load its speed.
    """
    _wait_writer(path)
    can_fork = background and hasattr(os, "fork") and threading.active_count() == 1
    if can_fork:
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:  # the child: write, then leave without running any Python cleanup
            code = 1
            try:
                _write_solv(repo, path, cookie)
                code = 0
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    log.warning("could not write cache file %s: %s", path, exc)
            finally:
                os._exit(code)
        if pid > 0:
            _pending_writes[path] = pid
            return
    try:
        _write_solv(repo, path, cookie)
    except OSError as exc:
        reporter.warning(spec, f"could not write cache file {path}: {exc}")


def _load_from(
    pool: Any,
    spec: RepoSpec,
    source: _Source,
    cache: RepoCache,
    *,
    filelists: bool,
    reporter: LoadReporter,
    background: bool,
) -> LoadedRepo:
    repomd = parse_repomd(
        source.repomd_bytes, repo=spec.name, source=f"repomd.xml from {source.where}"
    )
    repo = pool.add_repo(spec.name)
    repo.priority = spec.priority
    try:
        from_cache = False
        has_fl = filelists
        for fl in (filelists, True) if not filelists else (True,):
            path = cache.solv_path(repomd.checksum, fl)
            if _try_solv(repo, path, cache.cookie(repomd.checksum, fl), spec, reporter):
                from_cache, has_fl = True, fl
                break
        if not from_cache:
            primary = repomd.get("primary")
            if primary is None:
                raise RepoError(
                    f"repo {spec.name}: repomd.xml from {source.where} lists no primary metadata"
                )
            wanted = [(primary, 0)]
            if filelists:
                fl_rec = repomd.get("filelists")
                if fl_rec is None:
                    raise RepoError(
                        f"repo {spec.name}: repomd.xml from {source.where} lists no filelists",
                        hint="file conflict checks need filelists.xml; regenerate the repo",
                    )
                wanted.append((fl_rec, solv.Repo.REPO_EXTEND_SOLVABLES))
            # verify (and download) everything before parsing anything
            paths = [(rec, source.data_file(rec, reporter), flags) for rec, flags in wanted]
            for rec, path, flags in paths:
                _add_rpmmd(repo, path, flags, spec, rec, cache.dir)
            _save_solv(
                repo,
                cache.solv_path(repomd.checksum, filelists),
                cache.cookie(repomd.checksum, filelists),
                spec,
                reporter,
                background,
            )
    except BaseException:
        repo.free(True)
        raise
    if source.remote:
        atomic_write_bytes(cache.repomd, source.repomd_bytes)
    if not from_cache or source.remote:
        cache.prune(repomd)
    return LoadedRepo(
        name=spec.name,
        url=spec.url,
        baseurl=source.where if not isinstance(source, _CachedSource) else "",
        revision=repomd.revision,
        checksum=repomd.checksum,
        repo=repo,
        from_cache=from_cache,
        filelists=has_fl,
        nsolvables=repo.nsolvables,
    )


def load_repo(
    pool: Any,
    spec: RepoSpec,
    *,
    offline: bool = False,
    filelists: bool = False,
    reporter: LoadReporter | None = None,
    retry: RetryPolicy | None = None,
    background_cache_write: bool = True,
) -> LoadedRepo:
    """Load one repository into ``pool`` (see the module docstring for the steps).

    Does not call ``addfileprovides``/``createwhatprovides``; :func:`load_base` does.
    With ``background_cache_write`` the .solv cache of a cold load is written by a forked
    child while this call returns (see :func:`_save_solv`); without, before returning.
    Raises RepoError (bad or missing data, no cache offline) or ServiceError (network).
    For a metalink, a mirror whose data fails is skipped for the next one.
    """
    rep = reporter or LoadReporter()
    rep.repo_started(spec)
    cache = RepoCache(spec)
    failures: list[str] = []
    last: RepoError | ServiceError | None = None
    for source in _sources(
        spec, cache, offline=offline, retry=retry, reporter=rep, failures=failures
    ):
        try:
            loaded = _load_from(
                pool,
                spec,
                source,
                cache,
                filelists=filelists,
                reporter=rep,
                background=background_cache_write,
            )
        except (RepoError, ServiceError) as exc:
            if spec.kind != "metalink" or offline:
                raise
            last = exc
            failures.append(f"{source.where}: {exc.message}")
            rep.warning(spec, f"mirror {source.where} failed: {exc.message}")
            continue
        rep.repo_loaded(loaded)
        return loaded
    detail = "; ".join(failures) or "the metalink lists no usable mirror"
    raise RepoError(
        f"repo {spec.name}: no mirror from {spec.location} worked ({detail})",
        hint="try again later (mirrors may be syncing), or name a mirror with --repo NAME=URL",
    ) from last


def load_base(
    pool: Any,
    specs: Sequence[RepoSpec],
    *,
    offline: bool = False,
    filelists: bool = False,
    reporter: LoadReporter | None = None,
    retry: RetryPolicy | None = None,
    finalize: bool = True,
    background_cache_write: bool = True,
) -> list[LoadedRepo]:
    """Load every repository of ``specs`` into ``pool``, in order; return what was loaded.

    With ``finalize`` (default) the pool is made ready for queries and solving:
    ``addfileprovides()`` then ``createwhatprovides()``.  Call them again yourself after adding
    more repos (e.g. synthetic bundle candidates).
    """
    loaded = [
        load_repo(
            pool,
            s,
            offline=offline,
            filelists=filelists,
            reporter=reporter,
            retry=retry,
            background_cache_write=background_cache_write,
        )
        for s in specs
    ]
    if finalize:
        pool.addfileprovides()
        pool.createwhatprovides()
    return loaded


# --- convenience ----------------------------------------------------------------------------


class BaseRepos:
    """A libsolv pool holding the base repositories of one target, ready to query.

    ``BaseRepos.load(specs, arch=...)`` is what ``streams base query`` needs;
    ``pool`` and ``repos`` are there for the reconciler to add its own repos and jobs.
    """

    def __init__(self, pool: Any, repos: Sequence[LoadedRepo]) -> None:
        self.pool = pool
        self.repos = tuple(repos)

    @classmethod
    def load(
        cls,
        specs: Sequence[RepoSpec],
        *,
        arch: str,
        offline: bool = False,
        filelists: bool = False,
        reporter: LoadReporter | None = None,
        retry: RetryPolicy | None = None,
    ) -> BaseRepos:
        pool = solv.Pool()
        pool.setarch(arch)
        repos = load_base(
            pool, specs, offline=offline, filelists=filelists, reporter=reporter, retry=retry
        )
        return cls(pool, repos)

    def dep(self, text: str) -> Any:
        """A :class:`solv.Dep` for ``name``, ``name OP EVR`` or a rich dependency ``(...)``.

        ``pool.Dep()`` takes only a plain name: handed a rich or versioned string it makes a
        name out of the whole text that nothing provides.  Those go through libsolv's rpm
        rich-dependency parser instead.
        """
        text = text.strip()
        if not text.startswith("(") and len(text.split()) == 1:
            return self.pool.Dep(text)
        rich = text if text.startswith("(") else f"({text})"
        dep = self.pool.parserpmrichdep(rich)
        if dep is None:
            from streams.errors import UsageError

            raise UsageError(
                f"cannot parse dependency {text!r}",
                hint="write 'name', 'name >= 1.0' or a rich dependency such as "
                "'(python3dist(a) >= 1 with python3dist(a) < 2)'",
            )
        return dep

    def whatprovides(self, text: str) -> list[Any]:
        """Solvables that provide ``text`` (see :meth:`dep`), in libsolv's order.

        A path (``/usr/bin/foo``) is looked up in the file lists: libsolv's provides index
        holds only the file provides some package requires (``addfileprovides``).  Paths
        outside primary.xml's subset (``/etc``, ``*bin/``) need ``filelists=True``.
        """
        text = text.strip()
        if text.startswith("/") and len(text.split()) == 1:
            sel = self.pool.select(text, solv.Selection.SELECTION_FILELIST)
            return list(sel.solvables())
        return list(self.pool.whatprovides(self.dep(text)))

    def lock_entries(self) -> list[dict[str, str]]:
        """Name, revision and repomd checksum of each repo, for the lock file."""
        return [r.lock_entry() for r in self.repos]
