"""Atomically written files get the mode open() gives them, not mkstemp's 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from streams.infra import fsutil


def test_atomic_write_gives_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "streams-install.py"
    fsutil.atomic_write_bytes(path, b"print()\n")
    # rpmlint's Fedora config accepts 0644/0664 for files packed into an SRPM (ValidSrcPerms)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~fsutil._UMASK
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # readable by others with umask 022
