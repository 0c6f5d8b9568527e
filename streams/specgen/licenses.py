"""SPDX license expressions for spec ``License:`` tags, never guessed silently.

Expressions are parsed, validated and normalised with the ``license-expression`` library
(its SPDX licensing: the SPDX license list with SPDX's own deprecated ids as aliases, so
``apache-2.0`` -> ``Apache-2.0`` and ``GPL-2.0+`` -> ``GPL-2.0-or-later``).  ``LicenseRef-``
identifiers are user-defined by the SPDX specification (SPDX 2.3, Annex D.2 and §10) and are
kept as written: Fedora's ``LicenseRef-Fedora-Public-Domain`` and ``LicenseRef-Callaway-*``
stay Fedora's, not the library's ScanCode equivalents.

Order (first that applies):

1. Fedora's own ``License:`` for the same distribution at the target's release point
   (:func:`choose_license_for_target`; Fedora reviews every license it ships);
2. PEP 639 ``License-Expression`` (core metadata 2.4);
3. the legacy ``License`` field when it is an SPDX expression (``MIT``, ``Apache-2.0``), a
   spelling of one the library knows once spaces become hyphens (``Apache 2.0``,
   ``BSD 3-Clause``), a legacy name in :data:`LEGACY` that names exactly one license
   (``MIT License``, ``GPLv3+``, ``Apache License, Version 2.0``; not ``GPLv3``), or the
   full text of a license whose title line is such a name (``MIT License``, ``Copyright``...);
4. ``License ::`` trove classifiers through :data:`CLASSIFIERS`; several different ones are
   joined with ``AND`` and reported as a warning to review (upstream may mean ``OR``);
5. ``LicenseRef-Unknown`` plus a warning naming the distribution.

A name or classifier that does not say which license (``BSD``, ``LGPL``, ``BSD License``,
``Apache Software License``) is a warning, not a guess: PEP 639 forbids inferring an
expression from the ambiguous classifiers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from license_expression import (
    ExpressionError,
    Licensing,
    build_spdx_licensing,
    get_license_index,
)

from streams.solver.fedora_specs import target_spec_facts
from streams.targets import Target

__all__ = [
    "CLASSIFIERS",
    "LEGACY",
    "UNKNOWN",
    "LicenseChoice",
    "choose_license",
    "choose_license_for_target",
    "fedora_license",
    "legacy_license",
    "spdx_expression",
]

UNKNOWN = "LicenseRef-Unknown"

# Trove classifier -> SPDX identifier.  Classifier names from https://pypi.org/classifiers/
# (pypa/trove-classifiers, src/trove_classifiers/__init__.py); SPDX ids from
# https://spdx.org/licenses/ .  An empty value marks a classifier that does not name one
# license.  PEP 639, "Appendix: Mapping License Classifiers to SPDX Identifiers"
# (https://peps.python.org/pep-0639/appendix-mapping-classifiers/): "Tools MUST NOT attempt
# to automatically infer a License-Expression" from AFL, Apache Software License, Apple
# Public Source License, Artistic License, BSD License, AGPLv3, FDL, GPL, GPLv2, GPLv3,
# LGPLv2, LGPLv2+, LGPLv3 and LGPL: they name no version or variant.  The "or later"
# classifiers of AGPLv3, GPLv2, GPLv3 and LGPLv3 map unambiguously (same appendix).
_AMBIGUOUS = "License :: OSI Approved :: "
CLASSIFIERS: dict[str, str] = {
    **{
        _AMBIGUOUS + name: ""
        for name in (
            "Academic Free License (AFL)",
            "Apache Software License",
            "Apple Public Source License",
            "Artistic License",
            "BSD License",
            "GNU Affero General Public License v3",
            "GNU Free Documentation License (FDL)",
            "GNU General Public License (GPL)",
            "GNU General Public License v2 (GPLv2)",
            "GNU General Public License v3 (GPLv3)",
            "GNU Lesser General Public License v2 (LGPLv2)",
            "GNU Lesser General Public License v2 or later (LGPLv2+)",
            "GNU Lesser General Public License v3 (LGPLv3)",
            "GNU Library or Lesser General Public License (LGPL)",
        )
    },
    "License :: OSI Approved :: Apache Software License 2.0 (Apache-2.0)": "Apache-2.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
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
    # Fedora's identifier for public domain dedications (Fedora Legal, "License field":
    # https://docs.fedoraproject.org/en-US/legal/license-field/ ).
    "License :: Public Domain": "LicenseRef-Fedora-Public-Domain",
}

# Legacy ``License`` field values -> SPDX, keyed by :func:`_legacy_key` (lower case; "license",
# "version", "the", "gnu" and punctuation dropped; "v3"/"-3.0" -> " 3"; "or later" -> "+").
# Only names of exactly one license: a name without its version or variant ("bsd", "gpl",
# "lgpl", "lgpl 2" -- 2.0 or 2.1 --, "apache" alone) is not here and is reported, and so is a
# GPL-family version without "only" or "or later" ("GPLv3"): PEP 639 lists the classifiers of
# the same names as ambiguous (see CLASSIFIERS above), and the name is no clearer in the
# License field.  SPDX ids from https://spdx.org/licenses/ ; the Fedora-style short names
# (ASL 2.0, GPLv2+) as in Fedora's old-to-SPDX table
# (https://docs.fedoraproject.org/en-US/legal/all-allowed/ ).
LEGACY: dict[str, str] = {
    "mit": "MIT",
    "expat": "MIT",
    "mit expat": "MIT",
    "apache 2": "Apache-2.0",
    "apache software 2": "Apache-2.0",
    "asl 2": "Apache-2.0",
    "bsd 3 clause": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "bsd 3": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "bsd new": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "revised bsd": "BSD-3-Clause",
    "bsd 2 clause": "BSD-2-Clause",
    "2 clause bsd": "BSD-2-Clause",
    "bsd 2": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd simplified": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "gpl 2 only": "GPL-2.0-only",
    "gpl 2+": "GPL-2.0-or-later",
    "gpl 3 only": "GPL-3.0-only",
    "gpl 3+": "GPL-3.0-or-later",
    "lgpl 2.1 only": "LGPL-2.1-only",
    "lgpl 2.1+": "LGPL-2.1-or-later",
    "lgpl 3 only": "LGPL-3.0-only",
    "lgpl 3+": "LGPL-3.0-or-later",
    "agpl 3 only": "AGPL-3.0-only",
    "agpl 3+": "AGPL-3.0-or-later",
    "mpl 2": "MPL-2.0",
    "mozilla public 2": "MPL-2.0",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf 2": "PSF-2.0",
    "python software foundation": "PSF-2.0",
    "isc": "ISC",
    "iscl": "ISC",
    "zlib": "Zlib",
    "zlib/libpng": "Zlib",
    "unlicense": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1": "CC0-1.0",
    "zpl 2.1": "ZPL-2.1",
    "boost": "BSL-1.0",
    "boost software 1": "BSL-1.0",
    "bsl 1": "BSL-1.0",
    "hpnd": "HPND",
    "wtfpl": "WTFPL",
}

_LICENSE_REF = re.compile(r"^(DocumentRef-[A-Za-z0-9.+-]+:)?LicenseRef-[A-Za-z0-9.+-]+$")


@dataclass(frozen=True, slots=True)
class LicenseChoice:
    """The ``License:`` of a spec and, when it needs a human, why."""

    expression: str
    source: str
    """``license-expression``, ``license``, ``classifiers``, ``unknown``, or
    ``fedora-spec:SPEC`` (:func:`fedora_license`)."""
    warning: str | None = None


@functools.cache
def _licensing() -> Licensing:
    """license-expression's SPDX licensing without its ``LicenseRef-`` keys and aliases.

    The library maps some user-defined references to ScanCode's own
    (``LicenseRef-Fedora-Public-Domain`` -> ``LicenseRef-scancode-public-domain``); a
    ``LicenseRef-`` means what its author defined, so it is kept as written instead.
    """
    index = []
    for entry in get_license_index():
        key = entry.get("spdx_license_key") or ""
        if not key or key.lower().startswith("licenseref-"):
            continue
        aliases = [
            a for a in entry.get("other_spdx_license_keys") or [] if "licenseref-" not in a.lower()
        ]
        index.append({**entry, "other_spdx_license_keys": aliases})
    return build_spdx_licensing(index)


def spdx_expression(text: str) -> str | None:
    """``text`` as a normalised SPDX expression, or None when it is not one.

    Keys are matched case-insensitively and rendered in the SPDX list's spelling, operators
    upper case (``mit or apache-2.0`` -> ``MIT OR Apache-2.0``); a key the SPDX list does not
    have makes it None, except ``LicenseRef-...`` (user-defined, kept as written).
    """
    text = text.strip()
    if not text or "\n" in text or len(text) > 400:
        return None
    licensing = _licensing()
    try:
        parsed = licensing.parse(text, validate=False, strict=True)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    if any(not _LICENSE_REF.match(k) for k in licensing.unknown_license_keys(parsed)):
        return None
    return str(parsed.render())


def _legacy_key(text: str) -> str:
    t = text.casefold().replace("licence", "license")
    for gnu, short in (
        ("gnu lesser general public", "lgpl"),
        ("gnu library general public", "lgpl"),
        ("lesser general public", "lgpl"),
        ("library general public", "lgpl"),
        ("gnu affero general public", "agpl"),
        ("affero general public", "agpl"),
        ("gnu general public", "gpl"),
        ("general public", "gpl"),
    ):
        t = t.replace(gnu, short)
    t = re.sub(r"\bor (any )?later( version)?\b", "+", t)
    t = re.sub(r"[,;:()\"'_-]", " ", t)
    t = re.sub(r"\b(the|license|version|gnu)\b", " ", t)
    t = re.sub(r"\b([a-z]*)v(?=\d)", r"\1 ", t)  # gplv3, v3 -> gpl 3, 3
    t = re.sub(r"(\d)\.0\b", r"\1", t)  # 2.0 -> 2 (3.0 -> 3, 2.1 stays)
    t = re.sub(r"\s*\+", "+", t)
    return " ".join(t.split())


def legacy_license(text: str) -> str | None:
    """The SPDX expression of a legacy ``License`` value that names one license, or None.

    Tried in order: the value as an SPDX expression; the value with spaces as hyphens
    (``Apache 2.0`` -> ``Apache-2.0``, through the library's keys); :data:`LEGACY`.  A
    value of several lines is a license text: its title line (``MIT License``; Apache's
    ``Apache License`` followed by ``Version 2.0``) is looked up the same way.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    if len(lines) > 1:
        title = lines[0]
        if _legacy_key(title) == "apache" and re.match(r"(?i)version 2\.0\b", lines[1]):
            return "Apache-2.0"
        if len(title) > 60:
            return None
        return LEGACY.get(_legacy_key(re.sub(r"\([^()]*\)", " ", title)))
    one = lines[0]
    if len(one) > 200:
        return None
    found = spdx_expression(one)
    if found is not None:
        return found
    if " " in one and not re.search(r"(?i)\b(and|or|with)\b", one):
        # "Apache 2.0" -> "Apache-2.0", a key of the library; not through one of its
        # aliases ("GPL 3.0" -> "GPL-3.0" -> GPL-3.0-only would decide only-or-later)
        keyed = re.sub(r"\s+", "-", one)
        found = spdx_expression(keyed)
        if found is not None and found.casefold() == keyed.casefold():
            return found
    # "The MIT License (MIT)", "GNU Lesser General Public License v3 or later (LGPLv3+)"
    bare = re.sub(r"\([^()]*\)", " ", one)
    return LEGACY.get(_legacy_key(bare)) or LEGACY.get(_legacy_key(one))


def _from_classifiers(classifiers: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The SPDX ids the classifiers map to, and what the others say, for a warning."""
    mapped: list[str] = []
    vague: list[str] = []
    for c in classifiers:
        c = c.strip()
        spdx = CLASSIFIERS.get(c)
        if spdx:
            if spdx not in mapped:
                mapped.append(spdx)
        elif c in CLASSIFIERS:
            vague.append(f"{c.removeprefix('License :: ')} (no version or variant, PEP 639)")
        elif c.startswith("License ::"):
            vague.append(f"{c.removeprefix('License :: ')} (no SPDX license)")
    return mapped, vague


def choose_license(
    dist: str, *, expression: str = "", license: str = "", classifiers: tuple[str, ...] = ()
) -> LicenseChoice:
    """The SPDX expression for ``dist`` from its metadata (see the module docstring)."""
    if expression.strip():
        found = spdx_expression(expression)
        if found is not None:
            return LicenseChoice(found, "license-expression")
        bad = " ".join(expression.split())[:80]
        return LicenseChoice(
            UNKNOWN,
            "unknown",
            f"{dist}: License-Expression {bad!r} is not a valid SPDX expression; "
            f"{UNKNOWN} used, set the license by hand",
        )
    mapped, vague = _from_classifiers(classifiers)
    fix = f"{UNKNOWN} used, read the license file and set it by hand"
    found = legacy_license(license)
    if found is not None:
        parsed = _licensing().parse(found)
        keys = set(_licensing().license_keys(parsed)) if parsed is not None else set()
        others = [m for m in mapped if m not in keys] + vague
        if not others:
            return LicenseChoice(found, "license")
        return LicenseChoice(
            found,
            "license",
            f"{dist}: License {found}, but the classifiers also name {', '.join(others)}; "
            f"{found} used, check the license files",
        )
    # a one-line License names a license; several lines are a license text (no name)
    shown = license.strip()[:60] if license.strip() and "\n" not in license.strip() else ""
    legacy = f"License {shown!r} does not name one license; " if shown else ""
    if vague:
        # An incomplete License: tag would be a silent error; LicenseRef-Unknown is flagged
        # (rpmlint invalid-license) until someone reads the license files.
        named = f" (the others: {', '.join(sorted(mapped))})" if mapped else ""
        return LicenseChoice(
            UNKNOWN,
            "unknown",
            f"{dist}: {legacy}license classifier {', '.join(vague)}{named}; {fix}",
        )
    if len(mapped) == 1:
        return LicenseChoice(
            mapped[0],
            "classifiers",
            f"{dist}: {legacy}{mapped[0]} from its classifier" if legacy else None,
        )
    if mapped:
        joined = " AND ".join(sorted(mapped))
        return LicenseChoice(
            joined,
            "classifiers",
            f"{dist}: {legacy}several license classifiers ({', '.join(sorted(mapped))}); "
            f"{joined} used, check whether upstream means OR",
        )
    if legacy:
        return LicenseChoice(UNKNOWN, "unknown", f"{dist}: {legacy}{fix}")
    return LicenseChoice(
        UNKNOWN,
        "unknown",
        f"{dist}: no License-Expression, License field or license classifier; {fix}",
    )


# --- Fedora's own License: ------------------------------------------------------------------
#
# Fedora reviews the license of every package it ships and writes it as SPDX in License:
# (Fedora's Licensing guidelines, https://docs.fedoraproject.org/en-US/legal/license-field/ ),
# including what the package bundles (Rust crates vendored into a wheel, for one).  For a
# distribution Fedora packages, that is a better answer than upstream's metadata.


def fedora_license(dist: str, target: Target | None) -> LicenseChoice | None:
    """Fedora's own ``License:`` for ``dist`` at ``target``'s release point, or None.

    None for the host target (or None), a distribution Fedora does not package, or a
    ``License:`` that is not a valid SPDX expression (an old spec not yet converted, such as
    ``GPLv2+ and MIT``); the expression is normalised by :func:`spdx_expression`.  Fedora's
    spec may package another version than the one bundled: the source says which spec it
    came from.
    """
    if target is None:
        return None
    facts = target_spec_facts(target, dist)
    if facts is None:
        return None
    found = spdx_expression(facts.license)
    if found is None:
        return None
    return LicenseChoice(found, f"fedora-spec:{facts.source_spec}")


def choose_license_for_target(
    dist: str,
    target: Target | None,
    *,
    expression: str = "",
    license: str = "",
    classifiers: tuple[str, ...] = (),
) -> LicenseChoice:
    """Fedora's own ``License:`` (:func:`fedora_license`) when it has one, else
    :func:`choose_license` from the distribution's metadata.  ``target`` None (or the host
    target) has no Fedora spec."""
    return fedora_license(dist, target) or choose_license(
        dist, expression=expression, license=license, classifiers=classifiers
    )
