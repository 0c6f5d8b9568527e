"""SPDX license expressions for spec ``License:`` tags, never guessed silently.

Expressions are parsed, validated and normalised with the ``license-expression`` library
(its SPDX licensing: the SPDX license list with SPDX's own deprecated ids as aliases, so
``apache-2.0`` -> ``Apache-2.0`` and ``GPL-2.0+`` -> ``GPL-2.0-or-later``).  ``LicenseRef-``
identifiers are user-defined by the SPDX specification (SPDX 2.3, Annex D.2 and §10) and are
kept as written: Fedora's ``LicenseRef-Fedora-Public-Domain`` and ``LicenseRef-Callaway-*``
stay Fedora's, not the library's ScanCode equivalents.

Order (first that applies), for a package's declared license (:func:`declared_license`):

1. the recipe's ``[packages.NAME] license`` (the packager read the license files);
2. PEP 639 ``License-Expression`` (core metadata 2.4);
3. the legacy ``License`` field when it is an SPDX expression (``MIT``, ``Apache-2.0``), a
   spelling of one the library knows once spaces become hyphens (``Apache 2.0``,
   ``BSD 3-Clause``), a legacy name in :data:`LEGACY` that names exactly one license
   (``MIT License``, ``GPLv3+``, ``Apache License, Version 2.0``; not ``GPLv3``), or the
   full text of a license whose title line is such a name (``MIT License``, ``Copyright``...);
   then ``License ::`` trove classifiers through :data:`CLASSIFIERS`; several different ones
   are joined with ``AND`` and reported as a warning to review (upstream may mean ``OR``);
4. when those name no single license (``BSD``, ``Apache Software License``, nothing): the
   license files' texts as askalono identifies them (:mod:`streams.sources.licensefiles`),
   when they agree with what the metadata does say (``BSD`` and a BSD-3-Clause text);
5. Fedora's own ``License:`` for the same distribution at the target's release point
   (:func:`fedora_license`; Fedora reviews every license it ships);
6. ``LicenseRef-Unknown`` plus a warning naming the distribution.

The combined license of what is shipped (:func:`find_license`) adds the licenses of the
third-party libraries a wheel carries (:mod:`streams.sources.bundled`), and says whether
Fedora allows all of it (:func:`fedora_problems`).

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
from streams.sources.bundled import BundledLibrary, bundled_libraries
from streams.sources.model import SourceInfo
from streams.targets import Target

__all__ = [
    "CLASSIFIERS",
    "LEGACY",
    "NVIDIA",
    "PROPRIETARY",
    "UNKNOWN",
    "LicenseChoice",
    "LicenseFinding",
    "choose_license",
    "choose_license_for_target",
    "declared_license",
    "fedora_license",
    "fedora_problems",
    "find_license",
    "legacy_license",
    "license_keys",
    "spdx_expression",
    "spdx_licensing",
]

UNKNOWN = "LicenseRef-Unknown"
PROPRIETARY = "LicenseRef-Proprietary"
"""A license that says it is proprietary without a name streams knows."""
NVIDIA = "LicenseRef-NVIDIA-Proprietary"
"""NVIDIA's software license agreements (CUDA Toolkit EULA, cuDNN SLA), the reference NVIDIA's
own wheels declare (``License-Expression: LicenseRef-NVIDIA-Proprietary``)."""

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
    # Not a license but a statement that the license is proprietary: whatever its terms, it
    # is not one Fedora allows, which is what a packager needs to know first.
    "License :: Other/Proprietary License": PROPRIETARY,
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
    # nvidia-cusparselt-cu13's License field
    "nvidia proprietary software": NVIDIA,
    "nvidia proprietary": NVIDIA,
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
def spdx_licensing() -> Licensing:
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
    licensing = spdx_licensing()
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
        parsed = spdx_licensing().parse(found)
        keys = set(spdx_licensing().license_keys(parsed)) if parsed is not None else set()
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
    """:func:`choose_license` from the distribution's metadata; when that names no license,
    Fedora's own ``License:`` (:func:`fedora_license`).  ``target`` None (or the host target)
    has no Fedora spec."""
    meta = choose_license(dist, expression=expression, license=license, classifiers=classifiers)
    if meta.expression != UNKNOWN:
        return meta
    return fedora_license(dist, target) or meta


# --- what is shipped: declared license, license files, bundled libraries -------------------

# GPL-family texts do not say "only" or "or later" (that is in each file's notice, not the
# license text), so a text match cannot give the SPDX id: left to the metadata or Fedora.
_TEXT_UNDECIDED = re.compile(r"^(A|L)?GPL-")


def license_keys(expression: str) -> list[str]:
    """The license and exception ids of an SPDX expression, in order, without repeats."""
    licensing = spdx_licensing()
    parsed = licensing.parse(expression, validate=False)
    if parsed is None:
        return []
    keys: list[str] = []
    for sym in licensing.license_symbols(parsed, unique=True, decompose=True):
        key = str(sym.key)
        if key not in keys:
            keys.append(key)
    return keys


def _hint_text(license: str, classifiers: tuple[str, ...]) -> str:
    """What the metadata says of the license, to check a license file's id against."""
    text = " ".join((license if "\n" not in license.strip() else "", *classifiers))
    return text.casefold()


def _agrees(spdx: str, hint: str) -> bool:
    """A license file's ``spdx`` id fits what the metadata says (``BSD`` -> ``BSD-3-Clause``)."""
    if not hint.strip():
        return True
    family = re.split(r"[-.]", spdx, maxsplit=1)[0].casefold()
    aliases = {"psf": ("python software foundation", "psf"), "0bsd": ("bsd",)}
    return any(word in hint for word in aliases.get(family, (family,)))


def _from_license_files(
    dist: str, files: tuple[tuple[str, str], ...] | None, hint: str
) -> LicenseChoice | None:
    ids = [(path, spdx) for path, spdx in files or () if spdx and not _TEXT_UNDECIDED.match(spdx)]
    if not ids or not all(_agrees(spdx, hint) for _, spdx in ids):
        return None
    found = spdx_expression(" AND ".join(dict.fromkeys(spdx for _, spdx in ids)))
    if found is None:
        return None
    where = ", ".join(path.rsplit("/", 1)[-1] for path, _ in ids)
    return LicenseChoice(found, f"license-file:{ids[0][0]}", f"{dist}: {found} read from {where}")


def declared_license(
    dist: str,
    info: SourceInfo,
    target: Target | None,
    *,
    override: str = "",
) -> LicenseChoice:
    """The license ``dist`` declares for itself, in the order of the module docstring."""
    if override.strip():
        return LicenseChoice(spdx_expression(override) or override.strip(), "recipe")
    meta = choose_license(
        dist,
        expression=info.license_expression,
        license=info.license,
        classifiers=info.license_classifiers,
    )
    if meta.expression != UNKNOWN or info.license_expression.strip():
        return meta
    from_files = _from_license_files(
        dist, info.license_files, _hint_text(info.license, info.license_classifiers)
    )
    if from_files is not None:
        return from_files
    return fedora_license(dist, target) or meta


@dataclass(frozen=True, slots=True)
class LicenseFinding:
    """The license of one shipped file: what it declares plus what it bundles, judged."""

    dist: str
    expression: str
    """The spec's ``License:``: the declared expression ``AND`` each bundled library's."""
    declared: LicenseChoice
    libraries: tuple[BundledLibrary, ...]
    evidence: tuple[str, ...]
    """Where each part came from, one line each."""
    problems: tuple[str, ...]
    """Why Fedora would not allow it (a non-free id, a library that may not be shipped, an
    unknown license); empty when Fedora allows all of it."""
    compiled: bool
    """A wheel with compiled code (repackaged binaries, not built from source)."""

    @property
    def allowed(self) -> bool:
        return not self.problems

    @property
    def unknown(self) -> bool:
        return UNKNOWN in license_keys(self.expression)


def _combine(parts: list[str]) -> str:
    licensing = spdx_licensing()
    joined = " AND ".join(f"({p})" if (" OR " in p or " AND " in p) else p for p in parts)
    parsed = licensing.parse(joined, validate=False)
    if parsed is None:  # pragma: no cover - parts are valid expressions
        return joined
    # flatten: "A AND (B AND C)" -> "A AND B AND C" (an OR stays grouped); dedup keeps the
    # first of each repeated part, in order
    flat = parsed.flatten() if hasattr(parsed, "flatten") else parsed
    return str(licensing.dedup(flat).render())


def fedora_problems(expression: str) -> list[str]:
    """Why Fedora does not allow ``expression``: each id (or exception) not on Fedora's list
    (:mod:`streams.solver.fedora_licenses`); an ``OR`` needs one allowed branch."""
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    from streams.solver.fedora_licenses import fedora_allowed

    allowed = fedora_allowed()
    licensing = spdx_licensing()
    parsed = licensing.parse(expression, validate=False)
    if parsed is None:
        return [f"{expression!r} is not an SPDX expression"]

    def walk(node: object) -> list[str]:
        if isinstance(node, LicenseWithExceptionSymbol):
            out = walk(node.license_symbol)
            key = str(node.exception_symbol.key)
            if key not in allowed.exceptions:
                out.append(f"the exception {key} is not on Fedora's list")
            return out
        if isinstance(node, LicenseSymbol):
            key = str(node.key)
            if key == UNKNOWN:
                return ["its license is unknown"]
            if not allowed.allows(key):
                return [f"{key} is not on Fedora's list of allowed licenses"]
            return []
        if isinstance(node, OR):
            branches = [walk(arg) for arg in node.args]
            if any(not b for b in branches):
                return []
            return [p for b in branches for p in b]
        if isinstance(node, AND):
            return [p for arg in node.args for p in walk(arg)]
        return [f"cannot judge {node}"]  # pragma: no cover - the library's node types

    return list(dict.fromkeys(walk(parsed)))


def find_license(
    dist: str,
    info: SourceInfo,
    target: Target | None,
    *,
    override: str = "",
) -> LicenseFinding:
    """The license of the file ``info`` describes, as shipped: :func:`declared_license` and
    the libraries it bundles, with what keeps Fedora from allowing it."""
    declared = declared_license(dist, info, target, override=override)
    libraries = bundled_libraries(info)
    evidence = [_evidence(declared)]
    problems = [f"declared {p}" for p in fedora_problems(declared.expression)]
    parts = [declared.expression]
    for lib in libraries:
        if lib.facts is None:
            evidence.append(f"{lib.path}: an unidentified library grafted into the wheel")
            parts.append(UNKNOWN)
            problems.append(f"bundles {lib.path}, a library streams cannot identify")
            continue
        facts = lib.facts
        evidence.append(f"{lib.path}: {facts.component}, {facts.license} ({facts.source})")
        parts.append(facts.license)
        if not facts.allowed:
            problems.append(f"bundles {lib.path} ({facts.component}, {facts.license}): {facts.why}")
        else:
            problems.extend(
                f"bundles {lib.path} ({facts.component}): {p}"
                for p in fedora_problems(facts.license)
            )
    compiled = info.kind == "wheel" and not info.pure
    return LicenseFinding(
        dist=dist,
        expression=_combine(parts),
        declared=declared,
        libraries=libraries,
        evidence=tuple(evidence),
        problems=tuple(dict.fromkeys(problems)),
        compiled=compiled,
    )


def _evidence(choice: LicenseChoice) -> str:
    where = {
        "recipe": "the recipe's [packages] license",
        "license-expression": "License-Expression (PEP 639)",
        "license": "the License field",
        "classifiers": "the license classifiers",
        "unknown": "nothing usable in the metadata",
    }.get(choice.source)
    if where is None and choice.source.startswith("fedora-spec:"):
        where = f"Fedora's {choice.source.removeprefix('fedora-spec:')}"
    if where is None and choice.source.startswith("license-file:"):
        where = f"the license file {choice.source.removeprefix('license-file:')} (askalono)"
    return f"declared {choice.expression}: from {where or choice.source}"
