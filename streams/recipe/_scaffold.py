"""The commented recipe ``streams new`` writes.  Pure: returns text, the CLI writes it."""

from __future__ import annotations

import json
import re

from packaging.utils import canonicalize_name
from pydantic_core import PydanticCustomError

from streams import targets as _targets
from streams.errors import UsageError
from streams.recipe._models import (
    DEFAULT_INDEX,
    DEFAULT_PREFIX_ROOT,
    check_stream_name,
    check_target,
)


def _hint(exc: PydanticCustomError) -> str | None:
    hint = (exc.context or {}).get("hint")
    return str(hint) if hint else None


def default_targets() -> tuple[str, ...]:
    """The two newest numbered Fedora releases on x86_64 (rawhide is opt-in)."""
    numbered = sorted(
        (r for r in _targets.RELEASES.values() if not r.is_rawhide), key=lambda r: r.number
    )
    return tuple(f"fedora-{r.key}-x86_64" for r in numbered[-2:])


def _q(text: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def scaffold_recipe(
    name: str,
    *,
    dist: str | None = None,
    version: str | None = None,
    targets: tuple[str, ...] = (),
    index_url: str | None = None,
    exports: tuple[str, ...] | None = None,
) -> str:
    """A commented recipe for stream ``name`` requiring ``dist`` (default: ``name``), pinned to
    ``==version`` when given.  The text validates as it is (``streams validate``).

    ``exports``: the console scripts of ``dist`` (read from its wheel by ``streams new
    --from-pypi``), written as ``exports``; None when they were not read (``exports = []``).
    """
    try:
        check_stream_name(name)
        for t in targets:
            check_target(t)
    except PydanticCustomError as exc:
        raise UsageError(str(exc.context and exc.context.get("message")), hint=_hint(exc)) from None
    dist_name = canonicalize_name(dist or re.sub(r"[^A-Za-z0-9._-]+", "-", name))
    spec = f"=={version}" if version else ""
    target_list = targets or default_targets()
    requires_comment = (
        f"# {dist_name} {version} was the newest release on the index when this file was written."
        if version
        else '# Pin a version once you know it, e.g. "==1.2.3"; "" takes the newest at lock time.'
    )
    index_block = (
        f"[index]\nurl = {_q(index_url)}   # PEP 503/691 simple index\n"
        if index_url and index_url != DEFAULT_INDEX
        else f"# [index]\n# url = {_q(DEFAULT_INDEX)}   # PEP 503/691 simple index\n"
    )
    release = f"{dist_name} {version}" if version else dist_name
    if exports:
        exports_block = (
            f"# Console scripts linked into /usr/bin: those {release} installs (its wheel's\n"
            "# entry_points.txt); drop any you do not want on the host's PATH.\n"
            f"exports = [{', '.join(_q(e) for e in exports)}]"
        )
    elif exports is not None:
        exports_block = (
            f"# Console scripts linked into /usr/bin ({release}'s wheel declares none).\n"
            "exports = []"
        )
    else:
        exports_block = (
            f"# Console scripts linked into /usr/bin, e.g. [{_q(dist_name)}].\nexports = []"
        )
    return f"""\
# Recipe of the {name} stream (format: docs/recipes.md; JSON Schema: docs/recipe.schema.json).
# Check it with `streams validate {name}`, then resolve it with `streams lock {name}`.

[stream]
# Stream id: lowercase and RPM-name-safe; every package is called {name}-stream-...
name = {_q(name)}
# Summary of the {name}-stream metapackage.
summary = {_q(f"{dist_name} as an isolated dependency stream")}
# SPDX license of this recipe's own content, not of the bundled code.
license = "MIT"
# Fedora targets to build for (`host` is for the command line only).
targets = [{", ".join(_q(t) for t in target_list)}]
# Install root, default {DEFAULT_PREFIX_ROOT}/{name}: absolute, not under /usr, /etc or /var,
# and not shared with another stream.
# prefix = {_q(f"{DEFAULT_PREFIX_ROOT}/{name}")}
{exports_block}
# Per-target interpreter.  A target not listed uses its main Python; any other version must be
# one of Fedora's alternative interpreters on that target (package python3.X), and then no
# Fedora python3-* package can be reused there.
# python = {{ "fedora-45-x86_64" = "3.14" }}

[requires]
# One PEP 440 specifier per distribution, or {{ version = "...", extras = [...], markers = "..." }}.
{requires_comment}
{dist_name} = {_q(spec)}

[policy]
# "fedora" reuses Fedora packages wherever the closure stays consistent; "bundle" bundles all.
prefer = "fedora"
# Always bundled, even when Fedora has a compatible version:
bundle = []
# Must come from Fedora (locking fails if that is impossible):
fedora = []
# Binary-ABI distributions (numpy, torch): when bundled, Fedora packages built against them
# are bundled too.
abi-coupled = []
# "fedora": locking fails when a bundled package (or a library inside its wheel) has a license
# Fedora does not allow, or an unknown one -- such a stream cannot go to Fedora's Copr; "any":
# reported only.  `streams show {name} --licenses` shows the review.
licenses = "fedora"
# "build": compiled code is built from source (a compiled wheel with source = "wheel" is
# refused); "allow": prebuilt binary wheels may be repackaged.
binaries = "build"

# Build settings of one bundled distribution:
# [packages.{dist_name}]
# source = "sdist"              # "sdist" builds from source, "wheel" repackages the wheel
# build-requires = ["gcc"]      # extra RPM BuildRequires
# ignore-build-requires = []    # PyPI build requirements to drop
# url = "https://example.org/{dist_name}-1.0.tar.gz"   # a source that is not on the index...
# sha256 = "..."                # ...and its SHA-256 (both or neither)
# license = "BSD-3-Clause"      # SPDX, as you read it in its license files (replaces metadata)

{index_block}
# [copr]                        # `streams build --backend copr`
# owner = "@mygroup"
# project = {_q(f"{name}-stream")}
# enable-net = false
"""
