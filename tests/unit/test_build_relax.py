"""Relaxing build requirements: only when no single version satisfies all of them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from streams.errors import ResolutionError
from streams.lock.build_section.classify import Classified, group_needs
from streams.lock.build_section.relax import resolve_relaxed
from streams.solver.model import Pin, UpstreamClosure


class Index:
    """Several versions per name; picks the newest that satisfies everything asked of it."""

    def __init__(self, versions: dict[str, list[str]]) -> None:
        self.versions = {canonicalize_name(k): v for k, v in versions.items()}
        self.asked: list[list[str]] = []

    def __call__(self, requirements: Sequence[Requirement]) -> UpstreamClosure:
        self.asked.append(sorted(str(r) for r in requirements))
        pins = []
        for req in requirements:
            name = canonicalize_name(req.name)
            ok = [
                Version(v)
                for v in self.versions.get(name, [])
                if req.specifier.contains(Version(v), prereleases=True)
            ]
            if not ok:
                raise ResolutionError(f"no version of {name} satisfies {req}", [])
            pins.append(Pin(name=name, version=max(ok)))
        return UpstreamClosure("host", "3.11", tuple(requirements), tuple(pins))


def _needs(
    **asked: Sequence[str],
) -> tuple[dict[NormalizedName, list[Requirement]], dict[NormalizedName, set[str]]]:
    classified = {
        requirer: Classified(needs=[Requirement(t) for t in texts])
        for requirer, texts in asked.items()
    }
    return group_needs(classified)


def test_compatible_ranges_are_not_relaxed() -> None:
    # maturin's own sdist and a dependant: one version (1.16.2) satisfies both
    needs, requirers = _needs(a=["maturin<2,>=1.16.0"], b=["maturin<2.0,>=1.0"])
    index = Index({"maturin": ["1.9.6", "1.16.2", "2.1.0"]})
    relaxed = resolve_relaxed(needs, requirers, index)
    assert relaxed.warnings == []
    assert relaxed.relaxed == {}
    assert relaxed.closure.by_name()["maturin"].version == Version("1.16.2")
    assert len(index.asked) == 1


def test_spellings_of_one_name_are_one_distribution() -> None:
    needs, requirers = _needs(
        a=["setuptools_scm>=8"], b=["setuptools-scm"], c=["Setuptools.SCM>=7"]
    )
    assert list(needs) == ["setuptools-scm"]
    relaxed = resolve_relaxed(needs, requirers, Index({"setuptools-scm": ["8.1.0"]}))
    assert relaxed.warnings == []
    assert relaxed.relaxed == {}


def test_a_real_conflict_is_relaxed_and_said_once() -> None:
    needs, requirers = _needs(
        old=["setuptools<70"], new=["setuptools>=75", "flit_core>=3.2,<4"], other=["flit-core>=3.9"]
    )
    index = Index({"setuptools": ["69.5.1", "80.9.0"], "flit-core": ["3.12.0"]})
    relaxed = resolve_relaxed(needs, requirers, index)
    assert set(relaxed.relaxed) == {"setuptools"}  # flit-core's two ranges agree: untouched
    assert relaxed.relaxed["setuptools"] == Requirement("setuptools>=75")
    assert relaxed.warnings == [
        "build requirements on setuptools (setuptools<70; setuptools>=75) cannot all hold with "
        "one bundled setuptools: relaxed to setuptools>=75"
    ]
    assert relaxed.closure.by_name()["flit-core"].version == Version("3.12.0")
    # only setuptools went a level looser; flit-core kept everything asked of it
    assert index.asked[-1] == ["flit-core<4,>=3.2,>=3.9", "setuptools>=75"]


def test_nothing_resolving_still_raises() -> None:
    needs, requirers = _needs(a=["nowhere>=1"])
    with pytest.raises(ResolutionError):
        resolve_relaxed(needs, requirers, Index({}))
