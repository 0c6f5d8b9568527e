"""``streams manifest RECIPE --format FORMAT``: image-definition fragments for a stream."""

from __future__ import annotations

from pathlib import Path

import click

from streams.builders.workspace import Workspace
from streams.checks.image_prefix import image_prefix_warnings
from streams.cli.common import open_recipe, variant_option, variant_recipe
from streams.cli.params import echo_json, json_option
from streams.infra.fsutil import atomic_write_text
from streams.publish.manifests import FORMATS, manifest_input, render
from streams.targets import get_target


@click.command("manifest")
@click.argument("recipe")
@click.option(
    "--format",
    "-f",
    "fmt",
    required=True,
    type=click.Choice(FORMATS),
    help="containerfile (bootc), treefile (rpm-ostree), blueprint (image-builder) or "
    "kickstart (anaconda).",
)
@click.option(
    "--target",
    "-t",
    default=None,
    metavar="TARGET",
    help="Target whose release the image uses (default: the recipe's first target).",
)
@click.option(
    "--repo-url",
    default=None,
    metavar="URL",
    help="Where images fetch the stream's repository (default: the baseurl of the published "
    "out/NAME/TARGET/repo/NAME-stream.repo, else a placeholder to replace).",
)
@click.option(
    "--repo-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The published repository, read for its .repo file and signing key "
    "(default: out/NAME/TARGET/repo).",
)
@click.option(
    "--gpgkey",
    default=None,
    metavar="URL",
    help="URL of the repository's public key (default: RPM-GPG-KEY-NAME-stream beside the "
    "repository when it was signed).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the fragment to FILE instead of stdout.",
)
@variant_option
@json_option
def command(
    recipe: str,
    fmt: str,
    target: str | None,
    repo_url: str | None,
    repo_dir: Path | None,
    gpgkey: str | None,
    output: Path | None,
    variant: str | None,
    as_json: bool,
) -> None:
    """Print a fragment that adds RECIPE's repository to an image and installs NAME-stream.

    Image-mode formats (containerfile, treefile, blueprint) keep the stream's prefix in the
    image: fedora-bootc keeps /opt a plain directory of the image, the treefile sets
    opt-usrlocal: root. A warning on stderr says when the prefix is not safe for the format
    (the same warning as `streams check --manifest-format FORMAT`).
    """
    rec = variant_recipe(open_recipe(recipe), variant)
    tgt = get_target(target or rec.stream.targets[0])
    inp = manifest_input(
        rec,
        tgt,
        repo_dir=repo_dir or Workspace.default(rec.name).repo(tgt.name),
        repo_url=repo_url,
        gpgkey=gpgkey,
    )
    text = render(fmt, inp)
    warnings = image_prefix_warnings(rec, fmt)
    for w in warnings:
        click.echo(f"warning: {w.render()}", err=True)
    if inp.repo.placeholder:
        click.echo(
            f"warning: the repository URL {inp.repo.baseurl} is a placeholder or a local file:// "
            "URL; replace it, or pass --repo-url URL",
            err=True,
        )
    if output is not None:
        atomic_write_text(output, text)
        output.chmod(0o644)
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "format": fmt,
                "stream": rec.name,
                "target": tgt.name,
                "repo_url": inp.repo.baseurl,
                "gpgkey": inp.repo.gpgkey,
                "placeholder": inp.repo.placeholder,
                "warnings": [w.to_dict() for w in warnings],
                "text": text,
                "output": str(output) if output else None,
            }
        )
    elif output is None:
        click.echo(text, nl=False)
