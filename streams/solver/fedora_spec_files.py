"""Fedora's own spec file of a distribution, fetched from the public mirror of Fedora's specs.

``major/fedora-rpm-specs`` on GitHub mirrors the spec file of every package of Fedora's
dist-git (``specs/NAME.spec``, updated daily).  :func:`fedora_spec` reads the spec that
builds a distribution at a release point: which spec is the embedded spec-facts table's
``source_spec`` (:mod:`streams.solver.fedora_specs`; ``python-DIST.spec`` when the table has
none), at the mirror commit the table was made from (its first comment line), over HTTP
(``raw.githubusercontent.com``, or ``$STREAMS_FEDORA_SPECS_URL``: a base URL or directory
holding ``COMMIT/specs/NAME.spec``), cached under the streams cache by commit and name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources

from packaging.utils import canonicalize_name

from streams.errors import ServiceError, UsageError
from streams.infra import http
from streams.infra.fsutil import atomic_write_bytes, cache_dir
from streams.solver.fedora_specs import load_table, spec_facts, table_name

__all__ = ["MIRROR", "FedoraSpec", "fedora_spec", "mirror_commit", "release_snapshot"]

MIRROR = "https://raw.githubusercontent.com/major/fedora-rpm-specs"
_COMMIT = re.compile(r"major/fedora-rpm-specs commit ([0-9a-f]{40})")
_RELEASE = re.compile(r"^(?:fedora-)?(\d+|rawhide)$")


@dataclass(frozen=True, slots=True)
class FedoraSpec:
    text: str
    spec: str
    """``python-markupsafe.spec``."""
    commit: str
    url: str

    @property
    def origin(self) -> str:
        """What the adopted spec says it came from."""
        return f"Fedora's {self.spec} (major/fedora-rpm-specs commit {self.commit[:12]})"


def release_snapshot(release: str) -> str:
    """``fedora-44`` (or ``44``, ``rawhide``) -> the snapshot key ``f44`` (UsageError)."""
    m = _RELEASE.match(release.strip())
    snapshot = "" if m is None else ("rawhide" if m.group(1) == "rawhide" else f"f{m.group(1)}")
    if not snapshot or load_table(snapshot) is None:
        known = sorted(
            n.name.removesuffix("-specs.tsv")
            for n in resources.files("streams.data").joinpath("fedora").iterdir()
            if n.name.endswith("-specs.tsv")
        )
        raise UsageError(
            f"--from {release}: no Fedora release point with spec facts",
            hint="one of "
            + ", ".join(f"fedora-{k[1:]}" if k.startswith("f") else k for k in known),
        )
    return snapshot


def mirror_commit(snapshot: str) -> str:
    """The mirror commit the spec-facts table of ``snapshot`` was made from."""
    node = resources.files("streams.data").joinpath("fedora", table_name(snapshot))
    head = node.read_text(encoding="utf-8").split("\n", 1)[0]
    m = _COMMIT.search(head)
    if m is None:
        raise UsageError(f"streams/data/fedora/{table_name(snapshot)} names no mirror commit")
    return m.group(1)


def fedora_spec(release: str, dist: str) -> FedoraSpec:
    """Fedora's spec of ``dist`` at ``release`` (``fedora-44``), from the cache or the mirror."""
    snapshot = release_snapshot(release)
    commit = mirror_commit(snapshot)
    facts = spec_facts(snapshot, dist)
    spec = facts.source_spec if facts else f"python-{canonicalize_name(dist)}.spec"
    base = os.environ.get("STREAMS_FEDORA_SPECS_URL", MIRROR).rstrip("/")
    url = f"{base}/{commit}/specs/{spec}"
    cached = cache_dir("fedora-specs", commit) / spec
    if cached.is_file():
        return FedoraSpec(cached.read_text(encoding="utf-8"), spec, commit, url)
    try:
        data = http.get(url, service="fedora-rpm-specs").content
    except ServiceError as exc:
        if exc.status == 404:
            raise UsageError(
                f"Fedora has no {spec} at {release} (mirror commit {commit[:12]})",
                hint=f"is {dist} packaged in Fedora? Pass a local copy with --from-spec FILE",
            ) from None
        raise
    atomic_write_bytes(cached, data)
    return FedoraSpec(data.decode("utf-8", errors="replace"), spec, commit, url)
