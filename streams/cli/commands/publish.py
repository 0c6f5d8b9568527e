"""``streams publish RECIPE``: the stream's rpm-md repository, .repo file and signatures."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from streams.builders.workspace import Workspace
from streams.cli.common import open_recipe, stdout_console, variant_option, variant_recipe
from streams.cli.params import echo_json, json_option
from streams.publish import publish_repo
from streams.targets import get_target


@click.command("publish")
@click.argument("recipe")
@click.option(
    "--target",
    "-t",
    default=None,
    metavar="TARGET",
    help="Target whose RPMs to publish (default: the recipe's first target).",
)
@click.option(
    "--rpms",
    "rpms_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory holding the built RPMs, searched recursively "
    "(default: out/NAME/TARGET/rpms). The same as --repo-dir publishes in place.",
)
@click.option(
    "--repo-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Repository to create or update (default: out/NAME/TARGET/repo).",
)
@click.option(
    "--baseurl",
    default=None,
    metavar="URL",
    help="Where users will reach the repository; goes into the .repo file "
    "(default: file:// of --repo-dir).",
)
@click.option(
    "--sign",
    "sign_key",
    default=None,
    metavar="KEYID",
    help="Sign the RPMs (rpmsign) and repomd.xml (gpg) with this existing GnuPG key "
    "($GNUPGHOME); its public key is exported next to the repository. Keys are never created.",
)
@click.option(
    "--no-update",
    is_flag=True,
    help="Re-read every package instead of createrepo_c --update.",
)
@variant_option
@json_option
def command(
    recipe: str,
    target: str | None,
    rpms_dir: Path | None,
    repo_dir: Path | None,
    baseurl: str | None,
    sign_key: str | None,
    no_update: bool,
    variant: str | None,
    as_json: bool,
) -> None:
    """Publish RECIPE's built RPMs as a dnf repository with a NAME-stream.repo file.

    Re-running is incremental: unchanged RPMs are neither copied nor signed again and
    createrepo_c reuses their metadata.
    """
    rec = variant_recipe(open_recipe(recipe), variant)
    tname = get_target(target or rec.stream.targets[0]).name
    result = publish_repo(
        rpms_dir or Workspace.default(rec.name).rpms(tname),
        repo_dir or Workspace.default(rec.name).repo(tname),
        stream=rec.name,
        baseurl=baseurl,
        sign_key=sign_key,
        update=not no_update,
        summary=rec.stream.summary,
    )
    if as_json:
        echo_json(result.to_dict())
        return
    out = stdout_console()
    reused = len(result.packages) - len(result.copied)
    out.print(
        escape(
            f"{result.repo_dir}: {len(result.packages)} package(s), {len(result.copied)} new or "
            f"changed, {reused} unchanged, {len(result.removed)} removed"
            + (" (createrepo_c --update)" if result.incremental else "")
        )
    )
    if result.signed_by:
        out.print(
            escape(
                f"signed by {result.signed_by}; rpm -K and gpgv verified them with "
                f"{result.key_file}"
            )
        )
    out.print(escape(f"repo file: {result.repo_file}"))
