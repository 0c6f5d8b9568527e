"""``streams adopt STREAM DIST --from fedora-NN``: start a packager-owned spec from Fedora's."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from streams.cli.common import lock_file_option, open_recipe
from streams.cli.params import echo_json, json_option
from streams.errors import UsageError
from streams.infra.fsutil import atomic_write_text
from streams.lock import LockedTarget, lock_path, read_lock
from streams.recipe import Recipe
from streams.solver.fedora_spec_files import fedora_spec, release_snapshot
from streams.specgen.adopt import adopt_spec


@click.command("adopt")
@click.argument("stream")
@click.argument("dist")
@click.option(
    "--from",
    "release",
    metavar="fedora-NN",
    default="fedora-44",
    show_default=True,
    help="The Fedora release whose spec is adopted (its spec at that release point's "
    "mirror commit of major/fedora-rpm-specs, fetched over HTTP and cached).",
)
@click.option(
    "--from-spec",
    "from_spec",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Adopt this local copy of Fedora's spec instead (offline machines, tests).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the spec (default: specs/DIST.spec beside the recipe).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@lock_file_option
@json_option
def command(
    stream: str,
    dist: str,
    release: str,
    from_spec: Path | None,
    output: Path | None,
    force: bool,
    lock_file: Path | None,
    as_json: bool,
) -> None:
    """Start a packager-owned spec of DIST for STREAM from Fedora's own spec.

    The package names get the stream's prefix (python3-DIST becomes
    NAME-stream-python3-DIST), the Requires and BuildRequires of what the stream bundles
    (from its lock, when there is one) become the stream's namespaced names, Provides,
    Obsoletes and Conflicts are namespaced, and the spec loads the stream's macros
    (prefix, interpreter, Python build macros, provides firewall) from the include that
    `streams specgen` writes.  Fedora's BuildRequires, patches, %bcond's and build logic
    are kept.  Then add `[packages.DIST] spec = "specs/DIST.spec"` to the recipe
    (docs/adopt.md).
    """
    rec = open_recipe(stream)
    snapshot = release_snapshot(release)
    if from_spec is not None:
        try:
            text = from_spec.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                f"--from-spec {from_spec}: not a UTF-8 text file",
                hint="pass Fedora's python-*.spec of the distribution",
            ) from None
        origin = f"{from_spec.name} (a local copy, --from-spec)"
    else:
        fetched = fedora_spec(release, dist)
        text, origin = fetched.text, fetched.origin
    target = _locked_target(rec, lock_file, snapshot)
    notes: list[str] = []
    version = None
    if target is None:
        bundled: list[str] = []
        notes.append(
            f"{rec.name} has no lock: only {dist} itself is taken as bundled; run "
            f"`streams lock {rec.name}` and adopt again to rewrite what the stream bundles"
        )
    else:
        bundled = [p.name for p in target.bundled()]
        mine = [p for p in target.bundled() if _same(p.name, dist)]
        if mine:
            version = mine[0].version
        else:
            notes.append(f"{dist} is not bundled by {rec.name} for {target.name}")
    adopted = adopt_spec(
        text,
        stream=rec.name,
        dist=dist,
        bundled=bundled,
        origin=origin,
        version=version,
        date=_dt.datetime.now(_dt.UTC).date(),
    )
    notes += adopted.notes
    base = rec.path.parent if rec.path else Path.cwd()
    out = output or base / "specs" / f"{dist}.spec"
    if out.exists() and not force:
        raise UsageError(
            f"{out} exists: the packager's spec is not overwritten",
            hint="pass --force to overwrite it, or -o another file",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, adopted.text)
    try:
        rel = out.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        rel = str(out)
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "spec": str(out),
                "package": adopted.main_package,
                "renames": dict(adopted.renames),
                "notes": notes,
                "recipe": f'[packages.{dist}]\nspec = "{rel}"',
            }
        )
        return
    click.echo(f"wrote {out} ({adopted.main_package}, from {origin})")
    for old, new in adopted.renames.items():
        click.echo(f"  {old} -> {new}")
    for note in notes:
        click.echo(f"note: {note}")
    click.echo(f'add to {rec.path or "the recipe"}:\n  [packages.{dist}]\n  spec = "{rel}"')


def _same(a: str, b: str) -> bool:
    from packaging.utils import canonicalize_name

    return canonicalize_name(a) == canonicalize_name(b)


def _locked_target(rec: Recipe, lock_file: Path | None, snapshot: str) -> LockedTarget | None:
    """The locked target of the release adopted from (else the first), or None: no lock."""
    if rec.path is None:
        return None
    where = lock_file or lock_path(rec.path)
    if not where.is_file():
        return None
    lock = read_lock(where)
    number = snapshot.removeprefix("f")
    for t in lock.target:
        if t.name.startswith(f"fedora-{number}-"):
            return t
    return lock.target[0] if lock.target else None
