"""``Requires-Dist`` → RPM ``Requires``, as Fedora's dependency generator writes them.

Fedora runs ``pythondistdeps.py --requires --normalized-names-format pep503
--require-extras-subpackages`` on every installed dist-info (python-rpm-generators'
``pythondist.attr``; docs/reference/contracts.md §4).  :func:`requires_for` gives the same list
for a distribution's core metadata, so a base snapshot derived from PyPI metadata and a synthetic
bundle candidate carry the requirements Fedora's real package would carry.  What it follows, from
``pythondistdeps.py`` (rawhide, mirrored as ``sailfishos-mirror/python-rpm-generators``):

* ``python(abi) = 3.X`` for the interpreter the dist-info is installed for;
* one entry per dependency name, ``python3.Xdist(name)`` with the PEP 503 name, every specifier
  of every applicable requirement on that name collected (duplicates dropped) and converted by
  :mod:`streams.solver.versions`; several are sorted and joined with ``with``;
* markers evaluated for that Python (``get_marker_env``); a requirement whose marker is false
  is dropped, so ``extra == "x"`` requirements never reach the main package;
* ``--require-extras-subpackages``: ``foo[bar]`` requires both ``python3.Xdist(foo)`` and
  ``python3.Xdist(foo[bar])`` with the same versions (``main``: the loop over ``extras_suffixes``);
* an extras subpackage (``python3-foo+bar``) requires ``python(abi)`` and only the requirements
  whose marker is true with ``extra == "bar"`` and false without it
  (``Distribution.requirements_for_extra``);
* the output is sorted by dependency name (``for name in sorted(py_deps)``), which puts
  ``python(abi)`` first.

Not followed: the ``setuptools`` requirement for egg-info console scripts (Fedora disables it
since Python 3.10 with ``--console-scripts-nodep-setuptools-since 3.10``) and the special case of
a distribution named ``python`` (which gets no ``python(abi)`` requirement).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import VersionError
from streams.solver.versions import convert_specifier, dist_dep_name, join_deps, python_minor

__all__ = ["applicable_requirements", "environment", "parse_requirements", "requires_for"]


def environment(python: str, arch: str = "x86_64") -> dict[str, str]:
    """The PEP 508 marker environment of Fedora's ``python``  on Linux/``arch``.

    ``python_version`` is ``X.Y``; ``python_full_version`` (and ``implementation_version``) is
    ``python`` exactly as given.  Fedora's generator passes ``"3.14"`` there too
    (``get_marker_env`` uses the ``python3.X`` directory name), so with ``"3.14"`` a marker such as
    ``python_full_version >= "3.14.1"`` is false for Fedora as well.  Pass a full version
    (``"3.14.2"``) where the real interpreter is meant.  ``platform_release`` and
    ``platform_version`` describe the build host's kernel, which is unknown: they are empty.

    Add ``"extra"`` yourself when evaluating (``""`` for none).
    """
    minor = python_minor(python)
    full = python.strip()
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": arch,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": minor,
        "sys_platform": "linux",
    }


@functools.lru_cache(maxsize=8192)
def _requirement(text: str) -> Requirement:
    """Parsed once per process: the same Requires-Dist strings recur across a closure's
    metadata and packaging's parser is the slow part of reading it.  Callers must not mutate
    the result (``without_marker`` copies)."""
    return Requirement(text)


def parse_requirements(requires_dist: Iterable[str]) -> list[Requirement]:
    """Parse ``Requires-Dist`` values; every invalid one is reported in one error."""
    parsed: list[Requirement] = []
    bad: list[str] = []
    for line in requires_dist:
        text = line.strip()
        if not text:
            continue
        try:
            parsed.append(_requirement(text))
        except InvalidRequirement as exc:
            bad.append(f"{text!r} ({exc})")
    if bad:
        raise VersionError(
            "invalid Requires-Dist: " + "; ".join(bad),
            text="\n".join(bad),
            hint="Fedora's generator cannot parse these either; fix or patch the metadata",
        )
    return parsed


def _evaluate(marker: Marker, env: dict[str, str], extra: str | None) -> bool:
    return marker.evaluate({**env, "extra": extra or ""})


def applicable_requirements(
    requires_dist: Iterable[str],
    *,
    python: str,
    extras: frozenset[str] = frozenset(),
    arch: str = "x86_64",
    provides_extra: Iterable[str] | None = None,
) -> list[Requirement]:
    """The requirements Fedora's generator keeps, in metadata order.

    Without ``extras``: those of the main package (no marker, or a marker true for ``python`` on
    Linux/``arch`` with no extra).  With ``extras``: those of the extras subpackage(s), i.e. the
    requirements whose marker is true with one of ``extras`` and false without any extra.

    When ``provides_extra`` (the metadata's ``Provides-Extra``) is given, an extra that is neither
    declared nor used by any requirement raises, as the generator does.
    """
    reqs = parse_requirements(requires_dist)
    env = environment(python, arch)
    if not extras:
        return [r for r in reqs if r.marker is None or _evaluate(r.marker, env, None)]
    declared = {canonicalize_name(e) for e in provides_extra or ()}
    kept: list[Requirement] = []
    for extra in sorted(extras):
        for_extra = [
            r
            for r in reqs
            if r.marker is not None
            and _evaluate(r.marker, env, extra)
            and not _evaluate(r.marker, env, None)
        ]
        if (
            provides_extra is not None
            and canonicalize_name(extra) not in declared
            and not for_extra
        ):
            raise VersionError(
                f"the extra {extra!r} is not in the distribution's metadata",
                text=extra,
                hint="Fedora fails an extras subpackage whose extra was removed upstream; "
                "declared extras: " + (", ".join(sorted(declared)) or "none"),
            )
        kept.extend(r for r in for_extra if r not in kept)
    return kept


def requires_for(
    requires_dist: Iterable[str],
    *,
    python: str,
    extras: frozenset[str] = frozenset(),
    arch: str = "x86_64",
    provides_extra: Iterable[str] | None = None,
) -> list[str]:
    """Fedora's generated ``Requires`` of a dist-info installed for ``python`` (``"3.14"``).

    ``requires_dist`` are the metadata's ``Requires-Dist`` values.  ``extras`` selects an extras
    subpackage (``python3-foo+bar`` is ``frozenset({"bar"})``); see
    :func:`applicable_requirements`.

    >>> requires_for(["attrs~=23.1", "pytest; extra == 'test'"], python="3.13")
    ['python(abi) = 3.13', '(python3.13dist(attrs) >= 23.1 with python3.13dist(attrs) < 24)']
    """
    minor = python_minor(python)
    keep = applicable_requirements(
        requires_dist, python=python, extras=extras, arch=arch, provides_extra=provides_extra
    )
    specs: dict[str, list[tuple[str, str]]] = {"python(abi)": [("==", minor)]}
    for req in keep:
        # "Even if we're requiring foo[bar], also require foo" (pythondistdeps.py: main)
        for extra in [None, *sorted(e.lower() for e in req.extras)]:
            name = dist_dep_name(req.name, minor, extra)
            pairs = specs.setdefault(name, [])
            for spec in sorted(req.specifier, key=str):
                pair = (spec.operator, spec.version)
                if pair not in pairs:
                    pairs.append(pair)
    return [
        join_deps(name, (convert_specifier(name, op, v) for op, v in specs[name]))
        for name in sorted(specs)
    ]


def without_marker(req: Requirement) -> Requirement:
    """``req`` without its marker, once the marker has been evaluated for the target."""
    if req.marker is None:
        return req
    plain = copy.copy(req)
    plain.marker = None
    return plain
