"""The content-addressed store of :class:`~streams.sources.model.SourceInfo`, one JSON file
per source sha256, with read-only seed directories (recorded fixtures).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from streams.errors import SourceError
from streams.infra.fsutil import atomic_write_text, cache_dir
from streams.sources.model import SCHEMA_VERSION, SourceInfo


class SourceInfoStore:
    """Content-addressed store of :class:`SourceInfo`, one JSON file per source sha256.

    ``root`` (default ``cache_dir("buildinfo")``) is written; ``seeds`` are read-only
    directories searched after it (a recorded fixture ships its infos there).
    """

    def __init__(self, root: Path | None = None, seeds: Sequence[Path] = ()) -> None:
        self._root = root
        self.seeds = tuple(seeds)

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = cache_dir("buildinfo")
        return self._root

    @staticmethod
    def _name(sha256: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise SourceError(f"invalid sha256 {sha256!r} for the build info store")
        return f"{sha256}.json"

    def get(self, sha256: str) -> SourceInfo | None:
        """The stored info of the file with ``sha256``, or None.

        An sdist whose backend was not asked yet (``build.dynamic`` is None) yields to a
        later folder's entry that has the answer, so a recorded seed is never shadowed by a
        less complete entry of the cache.
        """
        name = self._name(sha256)
        unasked: SourceInfo | None = None
        for folder in (self.root, *self.seeds):
            path = folder / name
            try:
                data = json.loads(path.read_text("utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                raise SourceError(
                    f"{path}: unreadable build info ({exc})", hint="delete the file and re-lock"
                ) from exc
            if isinstance(data, dict) and _older(data.get("schema-version")):
                continue  # read from its file again (a seed of an older schema: re-record it)
            try:
                info = SourceInfo.from_dict(data)
            except (KeyError, ValueError, TypeError) as exc:
                raise SourceError(
                    f"{path}: invalid build info ({exc})", hint="delete the file and re-lock"
                ) from exc
            if info.build is not None and info.build.dynamic is None:
                unasked = unasked or info
                continue
            return info
        return unasked

    def put(self, sha256: str, info: SourceInfo) -> Path:
        path = self.root / self._name(sha256)
        atomic_write_text(path, json.dumps(info.to_dict(), indent=1, sort_keys=True) + "\n")
        return path


def _older(version: object) -> bool:
    return isinstance(version, int) and 0 < version < SCHEMA_VERSION
