#!/usr/bin/env python3
"""Regenerate Fedora's own spec facts, ``streams/data/fedora/<snapshot>-specs.tsv``.

    git clone --bare https://github.com/major/fedora-rpm-specs /srv/fedora-rpm-specs.git
    .venv/bin/python tools/make_spec_facts.py --git-dir /srv/fedora-rpm-specs.git   # all four
    .venv/bin/python tools/make_spec_facts.py --git-dir /srv/fedora-rpm-specs.git f44

For each release point, reads the specs of ``streams/data/fedora/<snapshot>.tsv`` (column
``source_spec``) at the mirror commit of that release point, parses them with rpm and writes
``<snapshot>-specs.tsv`` (non-Python BuildRequires and License per distribution) and
``<snapshot>-specs-missing.tsv`` (the specs rpm could not parse, with its error).  The logic
lives in :mod:`tools.snapshots.specfacts`.  See docs/snapshots.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.errors import StreamsError  # noqa: E402
from tools.snapshots.snapshot import SNAPSHOTS, get_snapshot, parse_table  # noqa: E402
from tools.snapshots.specfacts import generate  # noqa: E402

DATA = ROOT / "streams" / "data" / "fedora"


@click.command()
@click.argument("snapshots", nargs=-1)
@click.option(
    "--git-dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A clone (bare or not) of the major/fedora-rpm-specs mirror with the snapshot commits.",
)
@click.option("--workers", default=2, show_default=True, help="rpm parser processes.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=DATA, show_default=True)
def main(snapshots: tuple[str, ...], git_dir: Path, workers: int, data_dir: Path) -> None:
    """Extract the spec facts of SNAPSHOTS (default: all)."""
    for name in snapshots or tuple(SNAPSHOTS):
        info = get_snapshot(name)
        table = data_dir / f"{name}.tsv"
        rows = parse_table(table.read_text(encoding="utf-8"), source=str(table))
        start = time.monotonic()
        out = generate(info, rows, git_dir, data_dir, workers=workers)
        with_br = sum(1 for f in out.facts if f.build_requires)
        click.echo(
            f"{name}: {len(out.facts)} distributions from {out.specs} specs "
            f"({with_br} with non-Python BuildRequires); {len(out.missing)} specs rpm could "
            f"not read; {time.monotonic() - start:.1f}s"
        )


if __name__ == "__main__":
    try:
        main()
    except StreamsError as exc:
        click.echo(f"error: {exc.render()}", err=True)
        sys.exit(exc.exit_code)
