"""Loading one repository, or a target's base, into a libsolv pool."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import solv

from streams.errors import RepoError, ServiceError
from streams.infra.fsutil import atomic_write_bytes
from streams.solver.repos._cache import RepoCache, save_solv, try_solv
from streams.solver.repos._fetch import CachedSource, Source, candidate_sources
from streams.solver.repos._repomd import RepomdFile, parse_repomd
from streams.solver.repos._types import LoadedRepo, LoadReporter
from streams.solver.repos.specs import RepoSpec

if TYPE_CHECKING:
    from streams.infra.http import RetryPolicy

log = logging.getLogger(__name__)


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


def _load_from(
    pool: Any,
    spec: RepoSpec,
    source: Source,
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
            if try_solv(repo, path, cache.cookie(repomd.checksum, fl), spec, reporter):
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
            save_solv(
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
        baseurl=source.where if not isinstance(source, CachedSource) else "",
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
    child while this call returns (see :func:`save_solv`); without, before returning.
    Raises RepoError (bad or missing data, no cache offline) or ServiceError (network).
    For a metalink, a mirror whose data fails is skipped for the next one.
    """
    rep = reporter or LoadReporter()
    rep.repo_started(spec)
    cache = RepoCache(spec)
    failures: list[str] = []
    last: RepoError | ServiceError | None = None
    for source in candidate_sources(
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
