"""Map TOML key paths to source positions.

``tomllib`` returns plain dicts without positions, and pydantic errors carry only a key path
(``loc``).  This scanner walks TOML source text that ``tomllib`` has already accepted and records
where every key, table header and array element starts, so a problem at ``stream.targets[1]`` can
name its line and column.  It is deliberately lenient: it never decides whether the document is
valid (tomllib does that), it only tracks structure.

Grammar followed: TOML 1.0.0 (https://toml.io/en/v1.0.0) -- table headers ``[a.b]``, arrays of
tables ``[[a]]``, bare / basic / literal keys, dotted keys, inline tables and (multi-line) arrays,
basic / literal / multi-line strings.  Quoted keys are decoded by ``tomllib`` itself.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass, field

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in the source text."""

    line: int
    column: int


@dataclass(slots=True)
class SourceMap:
    """Positions of the keys of one TOML document.

    ``positions`` holds the first place each key path is defined; ``duplicates`` every later
    place the same path (as written) is defined again, in document order.
    """

    positions: dict[KeyPath, Position] = field(default_factory=dict)
    duplicates: list[tuple[KeyPath, Position]] = field(default_factory=list)

    def find(self, path: KeyPath) -> Position | None:
        """The position of ``path``, or of its longest prefix that has one."""
        for n in range(len(path), 0, -1):
            pos = self.positions.get(path[:n])
            if pos is not None:
                return pos
        return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.n = len(text)
        self.line_starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
        self.map = SourceMap()
        self.aot_counts: dict[KeyPath, int] = {}
        self.headers: set[KeyPath] = set()

    # -- positions -------------------------------------------------------------------------
    def pos(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 1)

    def record(self, path: KeyPath, offset: int, *, duplicate_check: bool = False) -> None:
        if path in self.map.positions:
            if duplicate_check:
                self.map.duplicates.append((path, self.pos(offset)))
            return
        self.map.positions[path] = self.pos(offset)

    # -- lexical helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < self.n else ""

    def skip_ws(self, newlines: bool = False) -> None:
        while self.i < self.n:
            ch = self.text[self.i]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.i += 1
            elif ch == "#":
                while self.i < self.n and self.text[self.i] != "\n":
                    self.i += 1
            else:
                return

    def skip_line(self) -> None:
        while self.i < self.n and self.text[self.i] != "\n":
            self.i += 1

    def string_end(self) -> int:
        """Offset just past the string literal starting at ``self.i``."""
        t, i = self.text, self.i
        for quote in ('"""', "'''"):
            if t.startswith(quote, i):
                j = i + 3
                while j < self.n:
                    if quote == '"""' and t[j] == "\\":
                        j += 2
                        continue
                    if t.startswith(quote, j):
                        # up to two extra quotes may belong to the content (TOML 1.0)
                        k = j + 3
                        while k < self.n and t[k] == quote[0] and k < j + 5:
                            k += 1
                        return k
                    j += 1
                return self.n
        q = t[i]
        j = i + 1
        while j < self.n and t[j] != q and t[j] != "\n":
            if q == '"' and t[j] == "\\":
                j += 1
            j += 1
        return min(j + 1, self.n)

    def key_part(self) -> str:
        if self.peek() in ('"', "'"):
            end = self.string_end()
            raw = self.text[self.i : end]
            self.i = end
            try:
                value = tomllib.loads(f"k = {raw}")["k"]
            except tomllib.TOMLDecodeError:
                return raw.strip("\"'")
            return str(value)
        start = self.i
        while self.i < self.n and self.text[self.i] in _BARE:
            self.i += 1
        return self.text[start : self.i]

    def dotted_key(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        while True:
            self.skip_ws()
            start = self.i
            part = self.key_part()
            parts.append((part, start))
            self.skip_ws()
            if self.peek() == "." and start != self.i:
                self.i += 1
                continue
            return parts

    # -- structure -------------------------------------------------------------------------
    def document(self) -> SourceMap:
        current: KeyPath = ()
        while self.i < self.n:
            self.skip_ws(newlines=True)
            if self.i >= self.n:
                break
            ch = self.peek()
            if ch == "[":
                start = self.i
                aot = self.peek(1) == "["
                self.i += 2 if aot else 1
                parts = self.dotted_key()
                path: KeyPath = tuple(p for p, _ in parts)
                for k in range(1, len(parts)):
                    self.record(path[:k], start)
                if aot:
                    idx = self.aot_counts.get(path, 0)
                    self.aot_counts[path] = idx + 1
                    self.record(path, start)
                    current = (*path, idx)
                    self.record(current, start)
                else:
                    if path in self.headers:
                        self.map.duplicates.append((path, self.pos(start)))
                    self.headers.add(path)
                    current = path
                    self.record(path, start)
                self.skip_line()
            elif ch in _BARE or ch in ('"', "'"):
                self.key_value(current)
                self.skip_ws()
                self.skip_line()
            else:
                self.skip_line()
        return self.map

    def key_value(self, base: KeyPath) -> None:
        parts = self.dotted_key()
        path: KeyPath = base
        for k, (part, start) in enumerate(parts):
            path = (*path, part)
            self.record(path, start, duplicate_check=k == len(parts) - 1)
        self.skip_ws()
        if self.peek() == "=":
            self.i += 1
        self.skip_ws()
        self.value(path)

    def value(self, path: KeyPath) -> None:
        ch = self.peek()
        if ch == "{":
            self.i += 1
            while self.i < self.n:
                self.skip_ws()
                if self.peek() == "}":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                if self.peek() in ("", "\n"):
                    return
                before = self.i
                self.key_value(path)
                if self.i == before:
                    self.i += 1
        elif ch == "[":
            self.i += 1
            idx = 0
            while self.i < self.n:
                self.skip_ws(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                before = self.i
                self.record((*path, idx), self.i)
                self.value((*path, idx))
                idx += 1
                if self.i == before:  # not a value: never loop on it
                    self.i += 1
        elif ch in ('"', "'"):
            self.i = self.string_end()
        else:
            while self.i < self.n and self.text[self.i] not in ",]}\n#":
                self.i += 1


def locate(text: str) -> SourceMap:
    """Scan TOML ``text`` and return where each key path is defined."""
    return _Scanner(text).document()
