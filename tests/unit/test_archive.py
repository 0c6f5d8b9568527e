"""The shared archive reader: tar and zip members, limits, clear errors."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from streams.infra.archive import Archive, ArchiveError


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_tar_and_zip_members(tmp_path: Path) -> None:
    tgz = _tar(tmp_path / "x-1.tar.gz", {"x-1/PKG-INFO": b"Name: x\n"})
    with Archive(tgz) as a:
        assert a.names() == ["x-1/PKG-INFO"]
        assert a.read("x-1/PKG-INFO") == b"Name: x\n"
    whl = tmp_path / "x-1-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("x/", "")
        zf.writestr("x/__init__.py", "v = 1\n")
    with Archive(whl) as a:
        assert a.names() == ["x/__init__.py"]  # directories are not listed


def test_limits_and_errors(tmp_path: Path) -> None:
    tgz = _tar(tmp_path / "big.tar.gz", {"big/blob": b"0" * 100})
    with Archive(tgz) as a:
        with pytest.raises(ArchiveError, match="big/blob is too large"):
            a.read("big/blob", limit=10)
        with pytest.raises(ArchiveError, match="cannot read nope"):
            a.read("nope")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(ArchiveError, match=r"junk\.tar\.gz: not a readable archive"):
        Archive(junk)
