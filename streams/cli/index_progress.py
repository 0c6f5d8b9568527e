"""A rich progress bar for the index client's parallel metadata fetches (CLI side only).

Library code reports through :class:`streams.solver.index.Reporter`; this module plugs a rich
bar on stderr into it when :func:`streams.cli.params.progress_enabled` says so.
"""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from streams.cli.params import progress_enabled
from streams.solver.index import Reporter


class RichIndexReporter(Reporter):
    """One bar: "metadata  12/40  numpy 2.1.0"; thread-safe (workers call ``advanced``)."""

    def __init__(self, description: str = "metadata") -> None:
        self._description = description
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[item]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def started(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(self._description, total=total, item="")

    def advanced(self, name: str) -> None:
        with self._lock:
            if self._task is not None:
                self._progress.update(self._task, advance=1, item=name)

    def finished(self) -> None:
        self._progress.stop()


def index_reporter(description: str = "metadata") -> Reporter:
    """A rich reporter on a TTY (not with --json/--quiet), else the do-nothing one."""
    return RichIndexReporter(description) if progress_enabled() else Reporter()
