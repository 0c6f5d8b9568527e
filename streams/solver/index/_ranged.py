"""A read-only, seekable file over HTTP range requests, for reading a wheel's METADATA.

``zipfile`` needs a seekable file: it reads the end-of-central-directory record from the tail,
then the central directory, then one member's local header and data.  This adapter starts with
the tail bytes already fetched and fetches any other span on demand, so reading METADATA out
of a 500 MB wheel costs two or three small requests instead of a download (the technique pip
calls "lazy wheel"; written here from the zip format, APPNOTE.TXT section 4.3).
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Callable
from typing import Any

# Content-Range: bytes 100-199/5000   (RFC 9110 section 14.4)
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)

MIN_FETCH = 64 * 1024


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """(first, last, total) from a Content-Range header; total None when the server says ``*``."""
    if not value:
        return None
    m = _CONTENT_RANGE.match(value)
    if m is None:
        return None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), int(m.group(2)), total


class RangeFile(io.RawIOBase):
    """A file of ``size`` bytes whose contents come from ``fetch(first, last)`` (inclusive).

    Fetched spans are kept (the file is small in practice: tail, directory, one member).
    ``requests`` counts the fetches made after construction.
    """

    def __init__(
        self, size: int, fetch: Callable[[int, int], bytes], *, known: tuple[int, bytes]
    ) -> None:
        super().__init__()
        self._size = size
        self._fetch = fetch
        self._pos = 0
        self._starts: list[int] = []
        self._spans: list[bytes] = []
        self.requests = 0
        self._add(*known)

    def _add(self, start: int, data: bytes) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._spans.insert(i, data)

    def _covered(self, start: int, end: int) -> bytes | None:
        """Bytes [start, end) from one already fetched span, if one covers them."""
        i = bisect.bisect_right(self._starts, start) - 1
        while i >= 0:
            s, data = self._starts[i], self._spans[i]
            if s + len(data) >= end:
                return data[start - s : end - s]
            i -= 1
        return None

    def ensure(self, start: int, length: int) -> None:
        """Fetch [start, start+length) now (clipped to the file) unless already held."""
        end = min(self._size, start + max(length, 0))
        if start >= end or self._covered(start, end) is not None:
            return
        data = self._fetch(start, end - 1)
        self.requests += 1
        if len(data) != end - start:
            raise OSError(f"range {start}-{end - 1}: got {len(data)} bytes")
        self._add(start, data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def _held_from(self, pos: int, n: int) -> bytes:
        """Up to ``n`` held bytes starting at ``pos`` (empty when ``pos`` is not held)."""
        i = bisect.bisect_right(self._starts, pos) - 1
        best = b""
        while i >= 0:
            s, data = self._starts[i], self._spans[i]
            if s + len(data) > pos:
                chunk = data[pos - s : pos - s + n]
                if len(chunk) > len(best):
                    best = chunk
            i -= 1
        return best

    def readinto(self, buffer: Any) -> int:
        """Read what is held at the position (a short read is fine for a raw file); fetch at
        least MIN_FETCH bytes when nothing is held there."""
        view = memoryview(buffer).cast("B")
        n = min(len(view), self._size - self._pos)
        if n <= 0:
            return 0
        data = self._held_from(self._pos, n)
        if not data:
            self.ensure(self._pos, max(n, MIN_FETCH))
            data = self._held_from(self._pos, n)
            assert data
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)
