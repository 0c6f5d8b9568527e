"""What a load reports and returns: :class:`LoadReporter` hooks and :class:`LoadedRepo`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from streams.solver.repos.specs import RepoSpec

log = logging.getLogger(__name__)


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
