"""Where each build requirement of a bundled sdist is met (pure).

A requirement, after the target's markers and the recipe's ``ignore-build-requires``, is met by

1. the copy of the runtime view (reused or bundled): the build uses the very copy the stream
   will import, as a packager does with ``numpy==X`` / oldest-supported pins; when the
   requirement does not hold for that version it is relaxed to the name, with a warning.
   A reused (Fedora) copy that is too old is also reported in :attr:`Classified.too_old`:
   the lock then bundles the upstream version instead when that one satisfies the build
   (:func:`streams.lock.pipeline.lock_target`), and the relaxation never reaches the lock;
2. a build-only bundle already in the lock whose version satisfies it;
3. Fedora's base (the spec gets ``BuildRequires: python3.Xdist(...)``); or
4. nothing yet: it must be resolved upstream (:mod:`.relax`) and reconciled (:mod:`.merge`).

Bundled copies (cases 1 and 2) become *build edges*: that package must be built first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.lock.model import LockedPackage
from streams.solver.pydeps import without_marker

Edge = tuple[str, str, str, str]
"""``(from, to, requirement, kind)`` of a lock edge."""

FedoraCheck = Callable[[Requirement], bool]
"""Whether the target's base satisfies a requirement (for the stream's interpreter)."""


@dataclass
class Classified:
    """The build requirements of one package, sorted by where they are met."""

    build_requires: tuple[str, ...] = ()
    """What the package's spec asks for: each requirement as kept (relaxed where it had to
    be), markers removed."""
    edges: set[Edge] = field(default_factory=set)
    fedora: set[str] = field(default_factory=set)
    needs: list[Requirement] = field(default_factory=list)
    """Requirements met neither by the lock nor by Fedora."""
    warnings: list[str] = field(default_factory=list)
    too_old: list[Requirement] = field(default_factory=list)
    """Requirements the runtime view's *reused* copy does not satisfy (markers removed)."""


def plain(req: Requirement) -> str:
    """``req`` as the lock writes it: without its marker."""
    return str(without_marker(req))


def name_only(req: Requirement) -> str:
    """``req`` without its version constraint (extras kept)."""
    extra = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{canonicalize_name(req.name)}{extra}"


def satisfied(req: Requirement, version: str) -> bool:
    """Whether ``version`` satisfies ``req``'s specifier (pre-releases included)."""
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def classify(
    name: str,
    written: Sequence[str],
    *,
    packages: Mapping[str, LockedPackage],
    environment: Mapping[str, str],
    ignore: Iterable[str],
    fedora_satisfies: FedoraCheck,
) -> Classified:
    """Sort the build requirements ``written`` by ``name``'s sdist (see the module docstring).

    ``packages`` is the lock's packages so far (runtime view and build-only bundles);
    ``environment`` the target's PEP 508 marker values.
    """
    out = Classified()
    ignored = {canonicalize_name(n) for n in ignore}
    kept: list[str] = []
    for text in written:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            out.warnings.append(f"{name}: ignoring unparsable build requirement {text!r}")
            continue
        if req.marker is not None and not req.marker.evaluate({**environment, "extra": ""}):
            continue
        dep = canonicalize_name(req.name)
        if dep in ignored:
            continue
        kept.append(plain(req))
        have = packages.get(dep)
        if have is not None and not have.build_only:
            if not satisfied(req, have.version):
                out.warnings.append(
                    f"{name}: build requirement {plain(req)} relaxed to the "
                    f"{have.origin} {dep} {have.version} of the stream's runtime view"
                )
                kept[-1] = name_only(req)
                if have.origin == "fedora":
                    out.too_old.append(without_marker(req))
            if have.origin == "bundle" and dep != name:
                out.edges.add((name, dep, kept[-1], "build"))
            continue
        if have is not None and have.origin == "bundle" and satisfied(req, have.version):
            if dep != name:
                out.edges.add((name, dep, plain(req), "build"))
            continue
        if fedora_satisfies(req):
            out.fedora.add(dep)
            continue
        out.needs.append(req)
    out.build_requires = tuple(sorted(set(kept)))
    return out


def group_needs(
    classified: Mapping[str, Classified],
) -> tuple[dict[NormalizedName, list[Requirement]], dict[NormalizedName, set[str]]]:
    """The unmet requirements of a round by the distribution they ask for, and who asks."""
    needs: dict[NormalizedName, list[Requirement]] = {}
    requirers: dict[NormalizedName, set[str]] = {}
    for name, c in sorted(classified.items()):
        for req in c.needs:
            dep = canonicalize_name(req.name)
            needs.setdefault(dep, []).append(req)
            requirers.setdefault(dep, set()).add(name)
    return needs, requirers
