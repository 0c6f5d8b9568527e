"""SPDX license expressions for spec ``License:`` tags, never guessed silently.

Order (first that applies):

1. PEP 639 ``License-Expression`` (core metadata 2.4), canonicalized by
   ``packaging.licenses.canonicalize_license_expression``;
2. the legacy ``License`` field when it *is* a valid SPDX expression (``MIT``,
   ``Apache-2.0``) -- upstream wrote an SPDX id, only in the older field;
3. ``License ::`` trove classifiers through :data:`CLASSIFIERS` below; several different ones
   are joined with ``AND`` and reported as a warning to review (upstream may mean ``OR``);
4. ``LicenseRef-Unknown`` plus a warning in the specgen summary.

A classifier that does not name one license (``BSD License``, ``OSI Approved``) is a warning,
not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

from streams.solver.fedora_specs import target_spec_facts
from streams.targets import Target

__all__ = [
    "CLASSIFIERS",
    "UNKNOWN",
    "LicenseChoice",
    "choose_license",
    "choose_license_for_target",
    "fedora_license",
]

UNKNOWN = "LicenseRef-Unknown"

# Trove classifier -> SPDX identifier.  Classifier names from https://pypi.org/classifiers/
# (pypa/trove-classifiers, src/trove_classifiers/__init__.py); SPDX ids from
# https://spdx.org/licenses/ .  Only classifiers that name exactly one license are listed;
# "BSD License", "OSI Approved", "Other/Proprietary" and the like do not, and are reported.
CLASSIFIERS: dict[str, str] = {
    "License :: OSI Approved :: Academic Free License (AFL)": "AFL-3.0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: Artistic License": "Artistic-2.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: BSD License": "",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: University of Illinois/NCSA Open Source License": "NCSA",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Zope Public License": "ZPL-2.1",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: Public Domain": "LicenseRef-Fedora-Public-Domain",
}


@dataclass(frozen=True, slots=True)
class LicenseChoice:
    """The ``License:`` of a spec and, when it needs a human, why."""

    expression: str
    source: str
    """``license-expression``, ``license``, ``classifiers``, ``unknown``, or
    ``fedora-spec:SPEC`` (:func:`fedora_license`)."""
    warning: str | None = None


def _canonical(text: str) -> str | None:
    text = text.strip()
    if not text or "\n" in text or len(text) > 200:
        return None
    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return None


def choose_license(
    dist: str, *, expression: str = "", license: str = "", classifiers: tuple[str, ...] = ()
) -> LicenseChoice:
    """The SPDX expression for ``dist`` from its metadata (see the module docstring)."""
    if expression.strip():
        found = _canonical(expression)
        if found is not None:
            return LicenseChoice(found, "license-expression")
        bad = " ".join(expression.split())[:80]
        return LicenseChoice(
            UNKNOWN,
            "unknown",
            f"{dist}: License-Expression {bad!r} is not a valid SPDX expression; "
            f"{UNKNOWN} used, set the license by hand",
        )
    found = _canonical(license)
    if found is not None:
        return LicenseChoice(found, "license")
    mapped: list[str] = []
    vague: list[str] = []
    for c in classifiers:
        spdx = CLASSIFIERS.get(c.strip())
        if spdx:
            if spdx not in mapped:
                mapped.append(spdx)
        elif c.strip().startswith("License ::"):
            vague.append(c.strip().removeprefix("License :: "))
    if len(mapped) == 1 and not vague:
        return LicenseChoice(mapped[0], "classifiers")
    if mapped:
        joined = " AND ".join(sorted(mapped))
        others = f" and {', '.join(vague)}" if vague else ""
        return LicenseChoice(
            joined,
            "classifiers",
            f"{dist}: several license classifiers ({', '.join(sorted(mapped))}{others}); "
            f"{joined} used, check whether upstream means OR",
        )
    if vague:
        return LicenseChoice(
            UNKNOWN,
            "unknown",
            f"{dist}: license classifier {', '.join(vague)!s} does not name one license; "
            f"{UNKNOWN} used, read the license file and set it by hand",
        )
    return LicenseChoice(
        UNKNOWN,
        "unknown",
        f"{dist}: no License-Expression, SPDX License field or license classifier; "
        f"{UNKNOWN} used, read the license file and set it by hand",
    )


# --- Fedora's own License: ------------------------------------------------------------------
#
# Fedora reviews the license of every package it ships and writes it as SPDX in License:
# (Fedora's Licensing guidelines, https://docs.fedoraproject.org/en-US/legal/license-field/ ),
# including what the package bundles (Rust crates vendored into a wheel, for one).  For a
# distribution Fedora packages, that is a better answer than upstream's metadata.


def fedora_license(dist: str, target: Target) -> LicenseChoice | None:
    """Fedora's own ``License:`` for ``dist`` at ``target``'s release point, or None.

    None for the host target, a distribution Fedora does not package, or a ``License:`` that
    is not a valid SPDX expression (an old spec not yet converted); the expression is
    canonicalized with ``packaging`` as the others are.  Fedora's spec may package another
    version than the one bundled: the source says which spec it came from.
    """
    facts = target_spec_facts(target, dist)
    if facts is None:
        return None
    found = _canonical(facts.license)
    if found is None:
        return None
    return LicenseChoice(found, f"fedora-spec:{facts.source_spec}")


def choose_license_for_target(
    dist: str,
    target: Target,
    *,
    expression: str = "",
    license: str = "",
    classifiers: tuple[str, ...] = (),
) -> LicenseChoice:
    """Fedora's own ``License:`` (:func:`fedora_license`) when it has one, else
    :func:`choose_license` from the distribution's metadata."""
    return fedora_license(dist, target) or choose_license(
        dist, expression=expression, license=license, classifiers=classifiers
    )
