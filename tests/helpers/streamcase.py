"""Small end-to-end lock scenarios: a handmade package index plus a handmade Fedora base repo.

``Scenario`` writes, under a temporary directory,

* a PEP 503 *file index* of real wheels (``tools.devkit.fakeindex``) that uv resolves against,
* a real rpm-md base repository (``tools.snapshots.repodata.write_repo`` on createrepo_c) whose
  packages look like Fedora's ``python3-DIST``: ``python3dist()``/``python3.Xdist()`` provides
  and the requires Fedora's generator derives from their metadata (``pydeps.requires_for``),
  plus the interpreter providing ``python(abi)``,
* a recipe for target ``fedora-45-x86_64`` (Python 3.15),

and runs the real ``streams lock`` on them.  ``violations`` checks a locked view's consistency
with ``packaging`` alone, independently of the solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.lock import LockedTarget
from streams.solver.pydeps import requires_for
from streams.solver.versions import rpm_version
from tools.devkit.fakeindex import FakeIndex
from tools.snapshots.repodata import PackageInfo, write_repo

PY = "3.15"
TARGET = "fedora-45-x86_64"


@dataclass
class Scenario:
    root: Path
    index: FakeIndex = field(default_factory=FakeIndex)
    fedora: list[PackageInfo] = field(default_factory=list)

    def upstream(
        self,
        name: str,
        version: str,
        requires: Iterable[str] = (),
        extras: Iterable[str] = (),
    ) -> None:
        """A release on the index (a pure wheel with that metadata)."""
        self.index.add_wheel(
            name, version, requires_dist=list(requires), provides_extra=list(extras)
        )

    def fedora_pkg(
        self,
        dist: str,
        version: str,
        requires: Sequence[str] = (),
        *,
        extra: str | None = None,
        python: str = PY,
    ) -> None:
        """A Fedora ``python3-DIST`` (or ``python3-DIST+EXTRA``) package in the base repo."""
        d = canonicalize_name(dist)
        v = rpm_version(version)
        name = f"python3-{d}" + (f"+{extra}" if extra else "")
        tag = f"{d}[{extra}]" if extra else d
        provides = [f"python{python}dist({tag}) = {v}"]
        if python == PY:
            provides.append(f"python3dist({tag}) = {v}")
        reqs = requires_for(
            requires, python=python, extras=frozenset({extra}) if extra else frozenset()
        )
        if extra:
            reqs.append(f"python3-{d} = {version}-1.fc45")
        self.fedora.append(
            PackageInfo(
                name=name,
                version=version,
                release="1.fc45",
                provides=tuple(provides),
                requires=tuple(reqs),
            )
        )

    def write(self, requires: dict[str, str], policy: str = "", extra_stream: str = "") -> Path:
        """Write index, base repo and recipe; return the recipe path."""
        index_dir = self.index.write_file_index(self.root / "index")
        interp = PackageInfo(
            name="python3",
            version=f"{PY}.0",
            release="1.fc45",
            arch="x86_64",
            provides=(f"python(abi) = {PY}",),
            files=("/usr/bin/python3",),
        )
        write_repo(self.root / "base", [interp, *self.fedora], timestamp=1)
        reqs = "\n".join(f'{k} = "{v}"' for k, v in requires.items())
        recipe = self.root / "app.toml"
        recipe.write_text(
            f"""[stream]
name = "app"
summary = "a test stream"
license = "MIT"
targets = ["{TARGET}"]
{extra_stream}
[requires]
{reqs}

[index]
url = "{index_dir.as_uri()}"

[policy]
{policy}
"""
        )
        return recipe

    def lock_args(self, recipe: Path) -> list[str]:
        return ["lock", str(recipe), "--repo", f"fedora={self.root / 'base'}"]


def violations(target: LockedTarget) -> list[str]:
    """Requirements of the runtime view that the imported versions do not meet.

    Independent of the solver: each package's recorded requirements (its own metadata's
    ``Requires-Dist`` for the version imported, markers evaluated) are checked with
    ``packaging`` against the version the view imports for that name.
    """
    view = {p.name: Version(p.version) for p in target.package if not p.build_only}
    out: list[str] = []
    for p in target.package:
        if p.build_only:
            continue
        for text in p.requires:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            have = view.get(name)
            if have is None:
                out.append(f"{p.name} {p.version} requires {text}: {name} is not in the view")
            elif not req.specifier.contains(have, prereleases=True):
                out.append(f"{p.name} {p.version} requires {text}: the view imports {have}")
    return out
