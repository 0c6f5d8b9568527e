"""License files inside an sdist or wheel, and which SPDX license each one's text is.

Which files: a wheel's ``*.dist-info/licenses/**`` (PEP 639, core metadata 2.4
``License-File``), and the ``LICENSE*``/``LICENCE*``/``COPYING*``/``NOTICE*`` files that older
setuptools and hatchling put straight into ``*.dist-info/``; an sdist's top-level ones and its
``LICENSES/`` folder (REUSE, https://reuse.software/spec/ ).

Which license: askalono (https://github.com/jpeddicord/askalono, through its Python binding
``pyaskalono``), the license-text matcher Fedora's own ``go-vendor-tools`` uses to find the
licenses of vendored Go modules (https://fedora.gitlab.io/sigs/go/go-vendor-tools/ ).  It
compares the text against the SPDX license list's texts and answers one identifier with a score
(Sørensen-Dice over word bigrams, 0..1).  Only a match of at least :data:`MIN_SCORE` is taken:
below it the text is a combination of licenses, a custom one, or a notice without a license.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

__all__ = ["MIN_SCORE", "identify_license_text", "license_file_members"]

MIN_SCORE = 0.9
"""askalono's own CLI reports matches from 0.8 on ("confident" from 0.9): a tag goes into a spec,
so only the confident ones count."""

_NAME = re.compile(r"(?i)^(licen[cs]es?|copying|notice|unlicense)([._-][^/]*)?$")
_MAX_TEXT = 256 * 1024


def license_file_members(names: Iterable[str], kind: str) -> list[str]:
    """The members of a wheel (``kind`` "wheel") or sdist that are license files, sorted."""
    out: list[str] = []
    for name in names:
        p = PurePosixPath(name)
        parts = p.parts
        top_level = len(parts) == 2 and _NAME.match(p.name) is not None
        if kind == "wheel":
            dist_info = bool(parts) and parts[0].endswith(".dist-info")
            pep639 = len(parts) >= 3 and parts[1] == "licenses"
            if dist_info and (pep639 or top_level):
                out.append(name)
        elif top_level or (len(parts) == 3 and parts[1] == "LICENSES"):
            out.append(name)
    return sorted(out)


@functools.cache
def _identify() -> Callable[[str], object] | None:
    try:
        import askalono
    except ImportError:  # pragma: no cover - a dependency of streams
        return None
    identify: Callable[[str], object] = askalono.identify
    return identify


def identify_license_text(text: str) -> str:
    """The SPDX identifier askalono matches ``text`` to with a score of at least
    :data:`MIN_SCORE`, or ``""``."""
    identify = _identify()
    if identify is None or not text.strip():
        return ""
    try:
        match = identify(text[:_MAX_TEXT])
    except (ValueError, RuntimeError):
        return ""
    name = str(getattr(match, "name", "") or "")
    score = float(getattr(match, "score", 0.0) or 0.0)
    return name if name and score >= MIN_SCORE else ""
