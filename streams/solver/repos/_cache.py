"""The per-repo cache: downloaded metadata, the last good repomd.xml and ``.solv`` files.

A ``.solv`` file carries a trailing cookie (which repomd.xml and cache format it was made
from), as libsolv's examples/pysolv does; one that is truncated or carries another cookie is
discarded and rebuilt, never fatal.  Cold loads write it in a forked child (:func:`save_solv`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import solv

from streams.infra.fsutil import cache_dir
from streams.solver.repos._repomd import Repomd
from streams.solver.repos._types import LoadReporter
from streams.solver.repos.specs import RepoSpec

log = logging.getLogger(__name__)

SOLV_FORMAT = b"streams-solv-1"
"""Bump when what goes into a .solv file changes, so old caches are rebuilt, not misread."""


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


def try_solv(repo: Any, path: Path, cookie: bytes, spec: RepoSpec, reporter: LoadReporter) -> bool:
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


# Cache files being written by a forked child: path -> pid.  See save_solv.
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


def save_solv(
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
