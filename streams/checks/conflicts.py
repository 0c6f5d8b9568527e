"""File conflicts: no file of a stream package may be owned by a base package or by a package
of another stream (or another package of the same stream).

Stream files come from the RPM headers (they carry the file type, link target and digest);
base files from the repositories' ``filelists.xml`` through libsolv.  Only files and symlinks of
stream packages count: directories such as ``/usr/bin`` are legitimately shared.  Two packages
may own the same path when both entries are identical, as rpm allows (rpm's lib/rpmfi.c
``rpmfilesCompare``: same type, link target and digest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import solv

from streams.checks.model import LoadedStream
from streams.checks.rpms import RpmFile


def stream_conflicts(streams: Sequence[LoadedStream]) -> list[str]:
    """Paths owned, differently, by two stream packages (of one stream or of several)."""
    owners: dict[str, list[tuple[str, str, RpmFile]]] = defaultdict(list)
    for st in streams:
        for info in st.rpms:
            for f in info.files:
                if not f.is_dir:
                    owners[f.path].append((st.name, info.nevra, f))
    out: list[str] = []
    for path in sorted(owners):
        entries = owners[path]
        if len(entries) < 2:
            continue
        first = entries[0][2]
        if all(first.same_as(e[2]) for e in entries[1:]):
            continue
        who = " and ".join(f"{nevra} (stream {name})" for name, nevra, _ in entries)
        out.append(f"{path} is owned by {who}")
    return out


def base_conflicts(
    pool: Any, base_repo_names: set[str], streams: Sequence[LoadedStream]
) -> tuple[list[str], int]:
    """Stream files that a base package also owns; and how many stream files were looked up.

    Paths outside each prefix are looked up one by one (``SELECTION_FILELIST``); paths inside
    the prefix with one search for base files under the prefix, since base packages normally
    have none there.
    """
    out: list[str] = []
    checked = 0
    for st in streams:
        inside: dict[str, str] = {}
        prefix = st.prefix.rstrip("/") + "/"
        for info in st.rpms:
            for f in info.files:
                if f.is_dir:
                    continue
                checked += 1
                if f.path.startswith(prefix):
                    inside[f.path] = info.nevra
                    continue
                sel = pool.select(f.path, solv.Selection.SELECTION_FILELIST)
                for s in sel.solvables():
                    if s.repo.name in base_repo_names:
                        out.append(f"{f.path} of {info.nevra} is also owned by {s} (base)")
        if not inside:
            continue
        di = pool.Dataiterator(
            solv.SOLVABLE_FILELIST,
            prefix,
            solv.Dataiterator.SEARCH_STRINGSTART | solv.Dataiterator.SEARCH_FILES,
        )
        for d in di:
            if d.solvable.repo.name not in base_repo_names:
                continue
            nevra = inside.get(d.str)
            if nevra is not None:
                out.append(f"{d.str} of {nevra} is also owned by {d.solvable} (base)")
    return sorted(set(out)), checked
