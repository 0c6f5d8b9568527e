"""What the base repositories provide for a dependency: the logic of ``streams base query``.

A query string is one of (libsolv does all parsing and matching, see libsolv-bindings.txt):

* a bare token (``python3-torch``, ``python3dist(torch)``, ``/usr/bin/python3``): matched with
  ``Pool.select`` by package name, by provide, and (for paths) by file list;
* a versioned or rich dependency (``python3dist(numpy) >= 2``,
  ``(python3dist(a) >= 1 with python3dist(a) < 2)``): parsed by libsolv's rpm rich-dependency
  parser (``Pool.parserpmrichdep``, parenthesised when needed) and answered by
  ``Pool.whatprovides``.

Providers are sorted by name, newest EVR first (rpm's own comparison), arch and repo.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

import rpm
import solv

from streams.errors import UsageError

__all__ = ["Provider", "ProviderDict", "QueryResult", "check_dep", "query", "query_many"]

_SELECT_FLAGS = (
    solv.Selection.SELECTION_NAME
    | solv.Selection.SELECTION_PROVIDES
    | solv.Selection.SELECTION_FILELIST
    | solv.Selection.SELECTION_WITH_BADARCH
)


class ProviderDict(TypedDict):
    nevra: str
    name: str
    epoch: int
    version: str
    release: str
    arch: str
    repo: str


@dataclass(frozen=True, slots=True)
class Provider:
    """One package that provides a queried dependency, and the repo it is in."""

    name: str
    epoch: int
    version: str
    release: str
    arch: str
    repo: str

    @property
    def nevra(self) -> str:
        e = f"{self.epoch}:" if self.epoch else ""
        return f"{self.name}-{e}{self.version}-{self.release}.{self.arch}"

    def to_dict(self) -> ProviderDict:
        return {
            "nevra": self.nevra,
            "name": self.name,
            "epoch": self.epoch,
            "version": self.version,
            "release": self.release,
            "arch": self.arch,
            "repo": self.repo,
        }

    @classmethod
    def of(cls, solvable: Any) -> Provider:
        evr: str = solvable.evr
        epoch = "0"
        if ":" in evr:
            epoch, evr = evr.split(":", 1)
        version, _, release = evr.rpartition("-")
        if not version:
            version, release = release, ""
        return cls(solvable.name, int(epoch), version, release, solvable.arch, solvable.repo.name)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The providers of one query string (empty when nothing provides it)."""

    dep: str
    providers: tuple[Provider, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"dep": self.dep, "providers": [p.to_dict() for p in self.providers]}


def _is_bare(text: str) -> bool:
    return not text.startswith("(") and len(text.split()) == 1


def check_dep(pool: Any, text: str) -> Any | None:
    """The parsed :class:`solv.Dep` of a versioned/rich query, None for a bare token.

    Raises UsageError (exit 2) for an empty or unparseable string.
    """
    text = text.strip()
    if not text:
        raise UsageError("empty dependency", hint="e.g. 'python3dist(numpy) >= 2'")
    if _is_bare(text):
        return None
    dep = pool.parserpmrichdep(text if text.startswith("(") else f"({text})")
    if dep is None:
        raise UsageError(
            f"cannot parse dependency {text!r}",
            hint="write a package name, a path, 'python3dist(numpy) >= 2', or a rich "
            "dependency such as '(python3dist(a) >= 1 with python3dist(a) < 2)'",
        )
    return dep


def _compare(a: Provider, b: Provider) -> int:
    if a.name != b.name:
        return -1 if a.name < b.name else 1
    c = rpm.labelCompare(
        (str(b.epoch), b.version, b.release), (str(a.epoch), a.version, a.release)
    )  # newest first
    if c:
        return int(c)
    return -1 if (a.arch, a.repo) < (b.arch, b.repo) else int((a.arch, a.repo) > (b.arch, b.repo))


def query(pool: Any, text: str) -> QueryResult:
    """Providers of ``text`` in ``pool`` (``addfileprovides``/``createwhatprovides`` done)."""
    text = text.strip()
    dep = check_dep(pool, text)
    if dep is None:
        solvables = pool.select(text, _SELECT_FLAGS).solvables()
    else:
        solvables = pool.whatprovides(dep)
    found = {Provider.of(s) for s in solvables}
    return QueryResult(text, tuple(sorted(found, key=functools.cmp_to_key(_compare))))


def query_many(pool: Any, texts: Iterable[str]) -> list[QueryResult]:
    """:func:`query` for each string; every string is parsed before any is answered."""
    texts = [t.strip() for t in texts]
    for t in texts:
        check_dep(pool, t)
    return [query(pool, t) for t in texts]
