#!/usr/bin/env python3
"""Regenerate Fedora's allowed-license list, ``streams/data/fedora/allowed-licenses.tsv``.

    git clone --bare https://github.com/major/fedora-rpm-specs /srv/fedora-rpm-specs.git
    .venv/bin/python tools/make_license_list.py --mirror /srv/fedora-rpm-specs.git
    .venv/bin/python tools/make_license_list.py --mirror /srv/fedora-rpm-specs.git --check

Reads every ``License:`` tag of ``specs/*.spec`` at ``--commit`` (default: the rawhide
snapshot's mirror commit, docs/snapshots.md) and writes every SPDX license id and exception id
they use, with how many specs use it and one of them.  ``--check`` writes nothing and exits 1
when the committed file differs from what would be written (the date line aside).  The logic
lives in :mod:`tools.snapshots.licenselist`.  See docs/snapshots.md, "Fedora's allowed licenses".
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.errors import StreamsError  # noqa: E402
from streams.infra.fsutil import atomic_write_text  # noqa: E402
from tools.snapshots.licenselist import (  # noqa: E402
    collect,
    read_license_tags,
    render,
    without_date,
)

OUTPUT = ROOT / "streams" / "data" / "fedora" / "allowed-licenses.tsv"
RAWHIDE_COMMIT = "10e71f1b94b0df256b81ddebc759ad0f08fd3ef7"
"""The mirror commit of the embedded rawhide snapshot (docs/snapshots.md)."""
MIRROR_NAME = "https://github.com/major/fedora-rpm-specs"


@click.command()
@click.option(
    "--mirror",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A git directory (bare clone) of the major/fedora-rpm-specs mirror.",
)
@click.option("--commit", default=RAWHIDE_COMMIT, show_default=True, help="Mirror commit to read.")
@click.option(
    "--date",
    default=None,
    help="The day recorded in the header (YYYY-MM-DD; default: today, UTC).",
)
@click.option("--output", type=click.Path(path_type=Path), default=OUTPUT, show_default=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if --output is not up to date.")
def main(mirror: Path, commit: str, date: str | None, output: Path, check: bool) -> None:
    """Derive Fedora's allowed licenses from the License: tags of Fedora's specs."""
    if date is None:
        date = datetime.datetime.now(datetime.UTC).date().isoformat()
    else:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise click.BadParameter(f"{date!r} is not YYYY-MM-DD", param_hint="--date") from None
    start = time.monotonic()
    found = collect(read_license_tags(mirror, commit))
    text = render(found.rows, mirror=MIRROR_NAME, commit=commit, date=date)
    licenses = sum(1 for r in found.rows if r.kind == "license")
    exceptions = len(found.rows) - licenses
    summary = (
        f"{licenses} license ids and {exceptions} exception ids from {found.specs} specs at "
        f"{commit[:12]}; skipped {found.firmware} firmware specs, {found.macros} tags with "
        f"macros, {found.invalid} tags that are not SPDX "
        f"and {found.callaway} uses of LicenseRef-Callaway-* ids; {time.monotonic() - start:.1f}s"
    )
    if check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if without_date(current) != without_date(text):
            click.echo(f"{output}: out of date ({summary}); rerun without --check", err=True)
            sys.exit(1)
        click.echo(f"{output}: up to date ({summary})")
        return
    atomic_write_text(output, text)
    click.echo(f"{output.name}: {summary}")
    if found.invalid_examples:
        click.echo("  not SPDX, e.g. " + "; ".join(found.invalid_examples))


if __name__ == "__main__":
    try:
        main()
    except StreamsError as exc:
        click.echo(f"error: {exc.render()}", err=True)
        sys.exit(exc.exit_code)
