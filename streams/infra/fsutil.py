"""Filesystem helpers: atomic writes and the user cache/state directories (XDG)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def cache_dir(*parts: str) -> Path:
    """``$STREAMS_CACHE_DIR`` or ``$XDG_CACHE_HOME/streams`` (default ``~/.cache/streams``)."""
    base = os.environ.get("STREAMS_CACHE_DIR")
    if base:
        root = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(xdg) / "streams"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(*parts: str) -> Path:
    """``$XDG_STATE_HOME/streams`` (default ``~/.local/state/streams``): logs."""
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(xdg).joinpath("streams", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()
"""The process's umask, read once at import (reading it means setting it)."""


@contextlib.contextmanager
def atomic_open(
    path: Path, mode: str = "w", *, encoding: str | None = "utf-8", durable: bool = False
) -> Iterator[IO]:  # type: ignore[type-arg]
    """Open a temporary file next to ``path``; on success rename it over ``path``.

    An exception or an interrupted process leaves ``path`` as it was before: readers see the
    old file or the new one, never half of one (rename is atomic on POSIX filesystems).
    ``durable`` also fsyncs the data before the rename, for files that must survive a power
    cut; it costs a disk flush (100+ ms on some virtual disks), so it is off by default.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600; give it the mode open() would (0666 less the umask), so
        # a spec or source packed into an SRPM is 0644 as rpmlint's Fedora config wants
        # (ValidSrcPerms) and a lock is as readable as any other file the user writes.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb", encoding=None) as fh:
        fh.write(data)
