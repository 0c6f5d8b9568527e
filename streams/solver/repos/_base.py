"""A libsolv pool holding a target's base repositories, ready to query."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import solv

from streams.solver.repos._load import load_base
from streams.solver.repos._types import LoadedRepo, LoadReporter
from streams.solver.repos.specs import RepoSpec

if TYPE_CHECKING:
    from streams.infra.http import RetryPolicy

log = logging.getLogger(__name__)


class BaseRepos:
    """A libsolv pool holding the base repositories of one target, ready to query.

    ``BaseRepos.load(specs, arch=...)`` is what ``streams base query`` needs;
    ``pool`` and ``repos`` are there for the reconciler to add its own repos and jobs.
    """

    def __init__(self, pool: Any, repos: Sequence[LoadedRepo]) -> None:
        self.pool = pool
        self.repos = tuple(repos)

    @classmethod
    def load(
        cls,
        specs: Sequence[RepoSpec],
        *,
        arch: str,
        offline: bool = False,
        filelists: bool = False,
        reporter: LoadReporter | None = None,
        retry: RetryPolicy | None = None,
    ) -> BaseRepos:
        pool = solv.Pool()
        pool.setarch(arch)
        repos = load_base(
            pool, specs, offline=offline, filelists=filelists, reporter=reporter, retry=retry
        )
        return cls(pool, repos)

    def dep(self, text: str) -> Any:
        """A :class:`solv.Dep` for ``name``, ``name OP EVR`` or a rich dependency ``(...)``.

        ``pool.Dep()`` takes only a plain name: handed a rich or versioned string it makes a
        name out of the whole text that nothing provides.  Those go through libsolv's rpm
        rich-dependency parser instead.
        """
        text = text.strip()
        if not text.startswith("(") and len(text.split()) == 1:
            return self.pool.Dep(text)
        rich = text if text.startswith("(") else f"({text})"
        dep = self.pool.parserpmrichdep(rich)
        if dep is None:
            from streams.errors import UsageError

            raise UsageError(
                f"cannot parse dependency {text!r}",
                hint="write 'name', 'name >= 1.0' or a rich dependency such as "
                "'(python3dist(a) >= 1 with python3dist(a) < 2)'",
            )
        return dep

    def whatprovides(self, text: str) -> list[Any]:
        """Solvables that provide ``text`` (see :meth:`dep`), in libsolv's order.

        A path (``/usr/bin/foo``) is looked up in the file lists: libsolv's provides index
        holds only the file provides some package requires (``addfileprovides``).  Paths
        outside primary.xml's subset (``/etc``, ``*bin/``) need ``filelists=True``.
        """
        text = text.strip()
        if text.startswith("/") and len(text.split()) == 1:
            sel = self.pool.select(text, solv.Selection.SELECTION_FILELIST)
            return list(sel.solvables())
        return list(self.pool.whatprovides(self.dep(text)))

    def lock_entries(self) -> list[dict[str, str]]:
        """Name, revision and repomd checksum of each repo, for the lock file."""
        return [r.lock_entry() for r in self.repos]
