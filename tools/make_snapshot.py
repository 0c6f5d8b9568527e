#!/usr/bin/env python3
"""Regenerate the embedded Fedora snapshots in ``streams/data/fedora/<snapshot>/``.

    .venv/bin/python tools/make_snapshot.py                 # all four: f43 f44 f45 rawhide
    .venv/bin/python tools/make_snapshot.py f45 --index-url https://pypi.org/simple/

Reads ``streams/data/fedora/<snapshot>.tsv`` and ``interpreters.tsv``, fetches each row's core
metadata from the index (cached by sha256 under the streams cache, so reruns are cheap), and
writes ``<snapshot>/repodata/`` plus ``<snapshot>/missing-metadata.tsv``.  The logic lives in
:mod:`tools.snapshots.snapshot`; this script only parses arguments and prints the summary.
Exits 1 when a metadata fetch failed for network reasons (rerun: the cache keeps what worked),
unless ``--allow-fetch-errors``.  See docs/snapshots.md.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.errors import StreamsError  # noqa: E402
from streams.solver.index import DEFAULT_INDEX_URL, IndexClient, Reporter  # noqa: E402
from tools.snapshots.snapshot import SNAPSHOTS, generate, get_snapshot, is_transient  # noqa: E402

DATA = ROOT / "streams" / "data" / "fedora"


class _Progress(Reporter):
    """A line on stderr every 500 releases (thread-safe)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.total = 0
        self.done = 0
        self.lock = threading.Lock()
        self.start = time.monotonic()

    def started(self, total: int) -> None:
        self.total = total
        click.echo(f"{self.label}: fetching metadata of {total} releases", err=True)

    def advanced(self, name: str) -> None:
        with self.lock:
            self.done += 1
            if self.done % 500 == 0:
                click.echo(f"{self.label}: {self.done}/{self.total}", err=True)

    def finished(self) -> None:
        click.echo(f"{self.label}: metadata done in {time.monotonic() - self.start:.1f}s", err=True)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@click.command()
@click.argument("snapshots", nargs=-1)
@click.option("--index-url", default=DEFAULT_INDEX_URL, show_default=True)
@click.option("--workers", default=16, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=DATA, show_default=True)
@click.option("--allow-fetch-errors", is_flag=True, help="Write even if some fetches failed.")
def main(
    snapshots: tuple[str, ...],
    index_url: str,
    workers: int,
    data_dir: Path,
    allow_fetch_errors: bool,
) -> None:
    """Generate the embedded snapshot(s) SNAPSHOTS (default: all)."""
    client = IndexClient(index_url, workers=workers)
    transient = 0
    for name in snapshots or tuple(SNAPSHOTS):
        info = get_snapshot(name)
        snap, written = generate(
            info,
            data_dir / f"{name}.tsv",
            data_dir / "interpreters.tsv",
            data_dir / name,
            client,
            _Progress(name),
        )
        reasons = Counter(m.reason.split(":")[0] for m in snap.missing)
        transient += sum(1 for m in snap.missing if is_transient(m.reason))
        click.echo(
            f"{name}: {len(snap.packages)} packages from {snap.rows} rows; "
            f"{len(snap.missing)} rows without derived requires "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(reasons.items())) or 'none'}); "
            f"repodata {_size(written.path / 'repodata')} bytes"
        )
    if transient and not allow_fetch_errors:
        click.echo(f"error: {transient} rows failed to fetch; rerun", err=True)
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except StreamsError as exc:
        click.echo(f"error: {exc.render()}", err=True)
        sys.exit(exc.exit_code)
