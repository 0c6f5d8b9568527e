"""Fedora's allowed licenses, derived from the ``License:`` tags of Fedora's own specs.

Fedora's authoritative list is fedora-license-data (https://gitlab.com/fedora/legal/fedora-license-data),
which is not reachable from where streams is built.  What is reachable is the
``major/fedora-rpm-specs`` mirror of every spec in Fedora's dist-git, and Fedora's licensing
guidelines make each of those tags a statement about that list: "The License: field refers to
the licenses of the contents of the binary rpm" and must use the SPDX identifiers of licenses
that are allowed for Fedora (https://docs.fedoraproject.org/en-US/legal/license-field/ and
https://docs.fedoraproject.org/en-US/legal/allowed-licenses/).  So every SPDX id in a Fedora
spec's ``License:`` is one Fedora allows.

Left out:

- specs whose name contains ``firmware``: Fedora allows some licenses for firmware only
  ("allowed-firmware"; code, documentation, content, fonts and firmware have different criteria,
  https://docs.fedoraproject.org/en-US/legal/license-approval/);
- tags with an unexpanded macro (``%{license}``): what they mean depends on rpm's evaluation;
- expressions that are not SPDX, which are Fedora's legacy (Callaway) short names such as
  ``GPLv2+`` or ``BSD`` in specs not yet converted; they name no SPDX id;
- ``LicenseRef-Callaway-*`` ids (the rest of their expression is kept): Fedora's bulk
  conversion wrote the remaining Callaway names that way, and they "are not present in Fedora
  License Data as valid licenses (allowed or otherwise)"
  (https://docs.fedoraproject.org/en-US/legal/update-existing-packages/).

The expressions are parsed with the ``license-expression`` library's SPDX licensing (SPDX's
deprecated ids are aliases: ``GPL-2.0+`` is counted as ``GPL-2.0-or-later``).  ``LicenseRef-``
ids are user-defined by the SPDX specification (SPDX 2.3, Annex D) and kept as written, not
mapped to the library's ScanCode keys.

:func:`read_license_tags` talks to git; :func:`collect` and :func:`render` are pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from license_expression import ExpressionError

from streams.errors import CommandError
from streams.infra import proc
from streams.sources.licenses import spdx_licensing

__all__ = [
    "COLUMNS",
    "DATE_PREFIX",
    "Collected",
    "LicenseRow",
    "collect",
    "parse_tag_lines",
    "read_license_tags",
    "render",
    "without_date",
]

COLUMNS = ("id", "kind", "specs", "example")
DATE_PREFIX = "# date: "
"""The header line that holds the day the tool ran; ``--check`` ignores it."""

_TAG = re.compile(r"^\s*License\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")
CALLAWAY_PREFIX = "LicenseRef-Callaway-"
"""Fedora's prefix for the legacy names its bulk SPDX conversion could not map."""


@dataclass(frozen=True, slots=True)
class LicenseRow:
    """One id of the list."""

    id: str
    kind: str
    """``license`` or ``exception`` (the right-hand side of ``WITH``)."""
    specs: int
    """How many specs use it."""
    example: str
    """The first of those specs, by name."""


@dataclass(slots=True)
class Collected:
    """The ids found, and what was skipped and why (for the tool's summary)."""

    rows: list[LicenseRow] = field(default_factory=list)
    specs: int = 0
    """Specs read (with at least one ``License:`` tag)."""
    firmware: int = 0
    """Specs skipped because their name contains ``firmware``."""
    macros: int = 0
    """Tags skipped for an unexpanded macro."""
    invalid: int = 0
    """Tags skipped because they are not SPDX expressions."""
    invalid_examples: list[str] = field(default_factory=list)
    callaway: int = 0
    """Uses of ``LicenseRef-Callaway-*`` ids left out."""


def _ids(expression: str) -> tuple[set[str], set[str]] | None:
    """The license ids and exception ids of ``expression``, or None when it is not SPDX."""
    licensing = spdx_licensing()
    try:
        parsed = licensing.parse(expression, validate=False, strict=True)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    if any(not _LICENSE_REF.match(k) for k in licensing.unknown_license_keys(parsed)):
        return None
    licenses: set[str] = set()
    exceptions: set[str] = set()
    for symbol in licensing.license_symbols(parsed, decompose=True):
        (exceptions if symbol.is_exception else licenses).add(str(symbol.key))
    return licenses, exceptions


def parse_tag_lines(text: str) -> list[tuple[str, str]]:
    """``git grep`` output (``COMMIT:specs/NAME.spec:License: ...``) as (spec, value) pairs."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        # COMMIT:PATH:LINE; neither a commit nor a spec path has a colon
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        match = _TAG.match(parts[2])
        if match is None or not match["value"]:
            continue
        found.append((Path(parts[1]).name, match["value"]))
    return found


def read_license_tags(mirror: Path, commit: str) -> list[tuple[str, str]]:
    """Every ``License:`` tag of ``specs/*.spec`` at ``commit``: (spec file name, value).

    One ``git grep`` of the commit's tree (rpm tag names are case-insensitive; a subpackage's
    ``License:`` is read too).
    """
    result = proc.run(
        [
            "git",
            "--git-dir",
            str(mirror),
            "grep",
            "-I",
            "-i",
            "-E",
            r"^[[:space:]]*License[[:space:]]*:",
            commit,
            "--",
            "specs/*.spec",
        ],
        what="git grep License:",
        check=False,
    )
    # git grep exits 1 when nothing matched: an empty list, not an error
    if result.returncode not in (0, 1):
        raise CommandError(
            f"git grep License: failed in {mirror} at {commit}",
            argv=result.argv,
            returncode=result.returncode,
            output_tail=result.stderr.strip(),
        )
    return parse_tag_lines(result.stdout)


def collect(tags: Iterable[tuple[str, str]]) -> Collected:
    """Count, per SPDX license and exception id, the specs whose ``License:`` uses it."""
    out = Collected()
    users: dict[tuple[str, str], set[str]] = {}
    seen_specs: set[str] = set()
    firmware: set[str] = set()
    for spec, value in tags:
        if "firmware" in spec.lower():
            firmware.add(spec)
            continue
        seen_specs.add(spec)
        if "%" in value:
            out.macros += 1
            continue
        ids = _ids(value)
        if ids is None:
            out.invalid += 1
            if len(out.invalid_examples) < 5:
                out.invalid_examples.append(f"{spec}: {value}")
            continue
        licenses, exceptions = ids
        for kind, keys in (("license", licenses), ("exception", exceptions)):
            for key in keys:
                if key.startswith(CALLAWAY_PREFIX):
                    out.callaway += 1
                    continue
                users.setdefault((key, kind), set()).add(spec)
    out.specs = len(seen_specs)
    out.firmware = len(firmware)
    out.rows = [
        LicenseRow(key, kind, len(specs), min(specs))
        for (key, kind), specs in sorted(
            users.items(), key=lambda kv: (kv[0][1] != "license", kv[0][0])
        )
    ]
    return out


def render(rows: Sequence[LicenseRow], *, mirror: str, commit: str, date: str) -> str:
    """The TSV: the comment header, then ``id kind specs example``, licenses then exceptions."""
    header = [
        "# Fedora's allowed licenses as Fedora's own specs use them: every SPDX license id and",
        "# exception id (WITH ...) in the License: tag of a spec in the major/fedora-rpm-specs",
        "# mirror of Fedora's dist-git. Written by tools/make_license_list.py; do not edit by hand",
        "# (docs/snapshots.md, 'Fedora's allowed licenses').",
        "# Why derived this way: Fedora's authoritative list, fedora-license-data on gitlab.com,",
        "# is not reachable here; every license in a Fedora spec's License: tag is one Fedora",
        "# allows (https://docs.fedoraproject.org/en-US/legal/license-field/). Specs named",
        "# *firmware* are left out (allowed-firmware licenses are for firmware only,",
        "# https://docs.fedoraproject.org/en-US/legal/license-approval/), so are tags with macros",
        "# and legacy (Callaway) names, also those written LicenseRef-Callaway-* (not in",
        "# Fedora's license data, https://docs.fedoraproject.org/en-US/legal/update-existing-packages/).",
        f"# mirror: {mirror}",
        f"# commit: {commit}",
        f"{DATE_PREFIX}{date}",
        "\t".join(COLUMNS),
    ]
    body = [f"{r.id}\t{r.kind}\t{r.specs}\t{r.example}" for r in rows]
    return "\n".join(header + body) + "\n"


def without_date(text: str) -> str:
    """``text`` without its date line, to compare two runs made on different days."""
    return "\n".join(line for line in text.splitlines() if not line.startswith(DATE_PREFIX))
