"""Read-only access to the members of an sdist or wheel (tar or zip) without extracting it.

Used by the index client (core metadata out of sdists) and by the spec generator (build
system, licenses and console scripts out of sdists and wheels).  Errors are
:class:`ArchiveError` (a ``ValueError``) for callers to wrap in their own error type.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from types import TracebackType

DEFAULT_LIMIT = 16 * 1024 * 1024
"""Largest member read into memory: metadata files are small, a huge one is an attack."""


class ArchiveError(ValueError):
    """The archive or one of its members cannot be read."""


class Archive:
    """A tar (any compression) or zip archive opened for reading members.

    ``name`` is the file name used in messages and to tell zip from tar (``.zip``/``.whl``
    are zip; otherwise the content decides); ``opened`` is a zip file already open (a wheel
    read over HTTP range requests), read instead of ``path``.
    """

    def __init__(
        self, path: Path, *, name: str | None = None, opened: zipfile.ZipFile | None = None
    ) -> None:
        self.name = name or path.name
        self._zip: zipfile.ZipFile | None = opened
        self._tar: tarfile.TarFile | None = None
        if opened is not None:
            return
        try:
            if self.name.endswith((".zip", ".whl")) or zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
            else:
                self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by close())
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{self.name}: not a readable archive: {exc}") from exc

    def names(self) -> list[str]:
        """Paths of the regular files in the archive."""
        try:
            if self._zip is not None:
                return [n for n in self._zip.namelist() if not n.endswith("/")]
            assert self._tar is not None
            return [m.name for m in self._tar.getmembers() if m.isfile()]
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{self.name}: not a readable archive: {exc}") from exc

    def size(self, member: str) -> int:
        """The uncompressed size of ``member`` in bytes."""
        try:
            if self._zip is not None:
                return self._zip.getinfo(member).file_size
            assert self._tar is not None
            return self._tar.getmember(member).size
        except (KeyError, tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{self.name}: cannot read {member}: {exc}") from exc

    def read(self, member: str, limit: int = DEFAULT_LIMIT) -> bytes:
        """The bytes of ``member``; refuses members larger than ``limit``."""
        try:
            if self._zip is not None:
                if self._zip.getinfo(member).file_size > limit:
                    raise ArchiveError(f"{self.name}: {member} is too large to read")
                return self._zip.read(member)
            assert self._tar is not None
            info = self._tar.getmember(member)
            if info.size > limit:
                raise ArchiveError(f"{self.name}: {member} is too large to read")
            fh = self._tar.extractfile(info)
            if fh is None:
                raise ArchiveError(f"{self.name}: {member} is not a regular file")
            return fh.read()
        except (KeyError, tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{self.name}: cannot read {member}: {exc}") from exc

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
