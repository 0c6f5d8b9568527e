"""The coupling rule on the real vLLM lock (tests/data/specgen/vllm): no generated spec of any
closure requires an exact version of a distribution reused from Fedora (vLLM pins lark==1.2.2,
and the cpu variant torch==2.9.1 and diskcache==5.6.3), every locked Fedora version still
satisfies the widened range (libsolv, as dnf matches it), and specgen says each widening."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import solv
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streams.checks.coupling import pinned_names
from streams.lock import read_lock
from streams.recipe import load_recipe
from streams.solver.versions import exact_pins, rpm_dep, rpm_version, series_range
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "data" / "specgen" / "vllm"
RECIPE = ROOT / "recipes" / "vllm.toml"
CLOSURES = (
    ("cpu", "fedora-44-x86_64"),
    ("cuda", "fedora-44-x86_64"),
    ("cuda", "fedora-45-x86_64"),
)
_DIST = re.compile(r"^python3(?:\.\d+)?dist\(([^)\[]+)(?:\[[^)]*\])?\)$")


def _render(variant: str, target: str, tmp: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    recipe = load_recipe(RECIPE).variant(variant)

    def offline(_src: object) -> Path:
        raise AssertionError("specgen tried to read a source: the seed store is incomplete")

    plan = plan_target(
        StreamSettings.from_recipe(recipe),
        read_lock(FIXTURE / "vllm.lock.toml").for_variant(variant).get_target(target),
        SourceInfoStore(root=tmp, seeds=[FIXTURE / "buildinfo"]),
        arch="x86_64",
        interpreter=recipe.interpreter_for(target).executable,
        fetch=offline,
    )
    return {s.filename: s.text for s in render_plan(plan)}, plan.warnings


def _deps(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        tag, _, value = line.partition(":")
        if tag in ("Requires", "BuildRequires") and value.strip():
            out.append((tag, value.strip()))
    return out


def _satisfied(dep: str, provide: str, version: str) -> bool:
    pool = solv.Pool()
    pool.setarch("x86_64")
    s = pool.add_repo("fedora").add_solvable()
    s.name, s.evr, s.arch = "fedora-package", "1-1", "noarch"
    s.add_deparray(
        solv.SOLVABLE_PROVIDES, pool.Dep(provide).Rel(solv.REL_EQ, pool.Dep(rpm_version(version)))
    )
    pool.createwhatprovides()
    parsed = pool.parserpmrichdep(dep if dep.startswith("(") else f"({dep})")
    assert parsed is not None, dep
    return bool(pool.whatprovides(parsed))


@pytest.mark.parametrize(("variant", "target"), CLOSURES)
def test_no_spec_pins_a_reused_package(variant: str, target: str, tmp_path: Path) -> None:
    locked = read_lock(FIXTURE / "vllm.lock.toml").for_variant(variant).get_target(target)
    reused = {canonicalize_name(p.name): p.version for p in locked.package if p.origin == "fedora"}
    specs, _ = _render(variant, target, tmp_path)
    for name, text in specs.items():
        for tag, dep in _deps(text):
            for pinned in pinned_names(dep):
                m = _DIST.match(pinned)
                assert m is None or canonicalize_name(m[1]) not in reused, (name, tag, dep)


@pytest.mark.parametrize(("variant", "target"), CLOSURES)
def test_locked_fedora_versions_satisfy_the_widened_ranges(variant: str, target: str) -> None:
    """Every exact pin of a bundled package on a reused one (runtime and build requirements)
    becomes a range that Fedora's locked version satisfies, in PEP 440 and in RPM."""
    locked = read_lock(FIXTURE / "vllm.lock.toml").for_variant(variant).get_target(target)
    reused = {canonicalize_name(p.name): p.version for p in locked.package if p.origin == "fedora"}
    widened = 0
    for pkg in locked.bundled():
        for text in (*pkg.requires, *pkg.build_requires):
            req = Requirement(text)
            name = canonicalize_name(req.name)
            if name not in reused or not exact_pins(req.specifier):
                continue
            if req.specifier.contains(reused[name], prereleases=True) is False:
                continue  # the lock does not meet this pin with Fedora's version at all
            wide = series_range(req.specifier)
            assert wide.contains(reused[name], prereleases=True), (pkg.name, text)
            provide = f"python{locked.python}dist({name})"
            assert _satisfied(rpm_dep(provide, wide), provide, reused[name]), (pkg.name, text)
            widened += 1
    if variant == "cpu":
        assert widened >= 3  # lark, diskcache, torch (runtime) and torch (build)


def test_the_pins_vllm_declares_are_widened_and_said(tmp_path: Path) -> None:
    specs, warnings = _render("cpu", "fedora-44-x86_64", tmp_path)
    text = specs["vllm-cpu-stream-python3-vllm.spec"]
    assert "Requires:       (python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)" in (
        text
    )
    assert (
        "Requires:       (python3.14dist(torch) < 2.10~~ with python3.14dist(torch) >= 2.9.1)"
        in text
    )
    assert "BuildRequires:  (python3dist(torch) < 2.10~~ with python3dist(torch) >= 2.9.1)" in text
    assert "dist(lark) = " not in text and "dist(torch) = " not in text
    assert (
        "vllm: requires lark==1.2.2; Fedora's lark is reused, so the spec requires "
        "lark >= 1.2.2, < 1.3 (coupling rule: a stream never pins a base package exactly)"
    ) in warnings
    assert any(w.startswith("vllm: build-requires torch==2.9.1; ") for w in warnings)
    assert any(w.startswith("vllm: requires diskcache==5.6.3; ") for w in warnings)
