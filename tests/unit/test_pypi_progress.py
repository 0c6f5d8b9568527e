"""The CLI's progress plumbing for the index client."""

from __future__ import annotations

from streams.cli.index_progress import RichIndexReporter, index_reporter
from streams.solver.index import Reporter


def test_no_tty_means_the_silent_reporter() -> None:
    rep = index_reporter()  # pytest captures stderr: not a TTY
    assert type(rep) is Reporter


def test_rich_reporter_counts_every_item() -> None:
    rep = RichIndexReporter()
    rep.started(3)
    for name in ("a 1", "b 2", "c 3"):
        rep.advanced(name)
    task = rep._progress.tasks[0]
    assert (task.completed, task.total, task.fields["item"]) == (3, 3, "c 3")
    rep.finished()
