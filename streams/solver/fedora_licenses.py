"""Fedora's allowed licenses: the SPDX ids Fedora's own specs use.

``streams/data/fedora/allowed-licenses.tsv`` lists every SPDX license id and exception id in
the ``License:`` tag of a spec in the ``major/fedora-rpm-specs`` mirror of Fedora's dist-git,
with how many specs use it and one of them.  It is made by ``tools/make_license_list.py`` at
the rawhide snapshot's mirror commit (docs/snapshots.md, "Fedora's allowed licenses").

Why that stands for Fedora's list: Fedora's ``License:`` tags may only use licenses Fedora
allows, written as SPDX expressions (https://docs.fedoraproject.org/en-US/legal/license-field/).
Fedora's authoritative list, fedora-license-data, is not reachable from where streams is made;
rpmlint's ``configs/Fedora/licenses.toml`` is the older Callaway list.  The limitation: a
license Fedora allows but no spec uses yet is missing, and a license a spec uses by mistake is
in it.

:func:`fedora_allowed` loads the table once.  A table that is not well formed is a
:class:`~streams.errors.RecipeError` naming the file and line (exit code 2).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from streams.errors import Problem, RecipeError

__all__ = [
    "COLUMNS",
    "FEDORA_REF_PREFIX",
    "FedoraLicenseList",
    "fedora_allowed",
    "parse_license_list",
]

COLUMNS = ("id", "kind", "specs", "example")
KINDS = ("license", "exception")
TABLE = "allowed-licenses.tsv"
SOURCE = f"streams/data/fedora/{TABLE}"

FEDORA_REF_PREFIX = "LicenseRef-Fedora-"
"""Fedora's own user-defined references (``LicenseRef-Fedora-Public-Domain``,
``LicenseRef-Fedora-UltraPermissive``), defined in fedora-license-data
(https://docs.fedoraproject.org/en-US/legal/license-field/)."""

FIRMWARE_ONLY = frozenset({"LicenseRef-Fedora-Firmware"})
"""Ids Fedora allows for firmware only ("allowed-firmware",
https://docs.fedoraproject.org/en-US/legal/license-approval/); never allowed for a Python
package's code, although a spec (``microcode_ctl.spec``) uses it."""


@dataclass(frozen=True, slots=True)
class FedoraLicenseList:
    """The ids Fedora's specs use, and where the list comes from."""

    licenses: frozenset[str]
    """SPDX license ids (and ``LicenseRef-`` ids) as license-expression renders them."""
    exceptions: frozenset[str]
    """SPDX exception ids (the right-hand side of ``WITH``)."""
    commit: str
    """The ``major/fedora-rpm-specs`` mirror commit the list was read at."""
    date: str
    """The day the list was made (``YYYY-MM-DD``)."""

    def allows(self, key: str) -> bool:
        """Whether Fedora allows the license or exception id ``key``.

        Exact, case-sensitive ids as license-expression renders them (``Apache-2.0``,
        ``GCC-exception-3.1``).  A ``LicenseRef-`` id is user-defined: it means what the spec
        that wrote it defines (SPDX 2.3, Annex D), so only Fedora's own
        ``LicenseRef-Fedora-*`` ids in the list count (not ``LicenseRef-Unknown`` or a
        ScanCode reference some spec carries), and not the firmware-only ones.
        """
        if key in FIRMWARE_ONLY:
            return False
        if key.startswith("LicenseRef-") and not key.startswith(FEDORA_REF_PREFIX):
            return False
        return key in self.licenses or key in self.exceptions


def _header_value(line: str, name: str) -> str | None:
    prefix = f"# {name}:"
    return line[len(prefix) :].strip() if line.startswith(prefix) else None


def parse_license_list(text: str, *, source: str = SOURCE) -> FedoraLicenseList:
    """Parse the table; every bad line is reported at once (RecipeError, exit code 2).

    Comment lines (``#``) before the header carry ``# commit: SHA`` and ``# date: DAY``.
    """
    problems: list[Problem] = []
    licenses: set[str] = set()
    exceptions: set[str] = set()
    commit = date = ""
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not header_seen:
            if line.startswith("#"):
                commit = _header_value(line, "commit") or commit
                date = _header_value(line, "date") or date
                continue
            if tuple(line.split("\t")) != COLUMNS:
                problems.append(
                    Problem(
                        source,
                        lineno,
                        None,
                        "",
                        f"unexpected header {line!r}",
                        hint="expected the tab-separated columns " + ", ".join(COLUMNS),
                    )
                )
                break
            header_seen = True
            continue
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != len(COLUMNS):
            problems.append(
                Problem(
                    source,
                    lineno,
                    None,
                    "",
                    f"{len(cols)} columns, expected {len(COLUMNS)}",
                    hint="columns: " + ", ".join(COLUMNS),
                )
            )
            continue
        key, kind, specs, _example = cols
        if not key or " " in key:
            problems.append(Problem(source, lineno, None, "id", f"{key!r} is not an SPDX id"))
        elif kind not in KINDS:
            problems.append(
                Problem(
                    source,
                    lineno,
                    None,
                    "kind",
                    f"unknown kind {kind!r}",
                    hint="one of " + ", ".join(KINDS),
                )
            )
        elif not specs.isdigit():
            problems.append(
                Problem(source, lineno, None, "specs", f"{specs!r} is not a count", hint="e.g. 12")
            )
        else:
            (licenses if kind == "license" else exceptions).add(key)
    if not header_seen and not problems:
        problems.append(
            Problem(source, None, None, "", "no header line", hint="columns: " + ", ".join(COLUMNS))
        )
    if not commit:
        problems.append(
            Problem(
                source,
                None,
                None,
                "",
                "no '# commit:' line",
                hint="rerun tools/make_license_list.py",
            )
        )
    if problems:
        raise RecipeError(problems)
    return FedoraLicenseList(frozenset(licenses), frozenset(exceptions), commit, date)


@functools.cache
def fedora_allowed() -> FedoraLicenseList:
    """The embedded list (loaded once)."""
    node = resources.files("streams.data").joinpath("fedora", TABLE)
    return parse_license_list(node.read_text(encoding="utf-8"))
