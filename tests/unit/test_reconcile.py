"""Reconciliation on small hand-made base repositories (real libsolv, synthetic solvables)."""

from __future__ import annotations

import pytest
import solv
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.errors import ResolutionError
from streams.solver.model import Pin, UpstreamClosure
from streams.solver.reconcile import Policy, parse_dep, reconcile
from streams.solver.versions import rpm_dep, rpm_version

PY = "3.14"


def fedora_pool(
    packages: list[tuple[str, str, list[str]]], python: str = PY
) -> tuple[solv.Pool, solv.Repo]:
    """A pool with one 'fedora' repo: (dist, version, [PEP 508 requirements]) per package.

    Each package looks like Fedora's python3-DIST: it provides python3.Xdist(DIST) = V (and
    python3dist for the main Python) and requires what the requirements convert to.
    """
    pool = solv.Pool()
    pool.setarch("x86_64")
    repo = pool.add_repo("fedora")
    for dist, version, reqs in packages:
        s = repo.add_solvable()
        s.name = f"python3-{dist}"
        s.evr = f"{version}-1.fc45"  # Fedora's Version tag, as written in the spec
        s.arch = "noarch"
        v = pool.Dep(rpm_version(version))
        s.add_provides(pool.Dep(s.name).Rel(solv.REL_EQ, pool.Dep(s.evr)))
        s.add_provides(pool.Dep(f"python{python}dist({dist})").Rel(solv.REL_EQ, v))
        s.add_provides(pool.Dep(f"python3dist({dist})").Rel(solv.REL_EQ, v))
        s.add_requires(pool.Dep("python(abi)").Rel(solv.REL_EQ, pool.Dep(python)))
        for r in reqs:
            req = Requirement(r)
            dep = rpm_dep(f"python{python}dist({canonicalize_name(req.name)})", req.specifier)
            s.add_requires(parse_dep(pool, dep))
    interp = repo.add_solvable()
    interp.name, interp.evr, interp.arch = "python3", f"{python}.0-1.fc45", "x86_64"
    interp.add_provides(pool.Dep("python(abi)").Rel(solv.REL_EQ, pool.Dep(python)))
    pool.createwhatprovides()
    return pool, repo


def closure(top: list[str], pins: dict[str, tuple[str, list[str]]]) -> UpstreamClosure:
    return UpstreamClosure(
        target="fedora-45-x86_64",
        python=PY,
        top=tuple(Requirement(t) for t in top),
        pins=tuple(
            Pin(canonicalize_name(n), Version(v), tuple(Requirement(r) for r in reqs))
            for n, (v, reqs) in pins.items()
        ),
    )


def origins(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d.name: f"{d.origin}:{d.version}" for d in result.decisions}


def test_reuse_when_fedora_satisfies_and_bundle_when_pin_is_newer() -> None:
    pool, repo = fedora_pool([("six", "1.16.0", []), ("torch", "2.12.0", [])])
    c = closure(
        ["app==1.0"],
        {
            "app": ("1.0", ["six>=1.10", "torch==2.14.0"]),
            "six": ("1.17.0", []),
            "torch": ("2.14.0", []),
        },
    )
    result = reconcile(pool, [repo], c, stream="app", target_label="fedora-45")
    assert origins(result) == {
        "app": "bundle:1.0",
        "six": "fedora:1.16.0",
        "torch": "bundle:2.14.0",
    }
    reasons = {d.name: d.reason for d in result.decisions}
    assert "python3-torch 2.12.0-1.fc45" in reasons["torch"]
    assert "torch==2.14.0" in reasons["torch"]
    assert reasons["six"].startswith("reused")


def test_fedora_package_requirement_forces_bundle_of_its_dependency() -> None:
    # Fedora's fastapi needs starlette<0.48, the app needs starlette 0.50: fastapi is bundled.
    pool, repo = fedora_pool(
        [("fastapi", "0.115.0", ["starlette<0.48"]), ("starlette", "0.47.0", [])]
    )
    c = closure(
        ["app==1.0"],
        {
            "app": ("1.0", ["fastapi>=0.100", "starlette>=0.50"]),
            "fastapi": ("0.120.0", ["starlette>=0.40"]),
            "starlette": ("0.50.0", []),
        },
    )
    result = reconcile(pool, [repo], c, stream="app")
    assert origins(result)["starlette"] == "bundle:0.50.0"
    assert origins(result)["fastapi"] == "bundle:0.120.0"


def test_policy_fedora_impossible_is_unsatisfiable() -> None:
    pool, repo = fedora_pool([("torch", "2.12.0", [])])
    c = closure(["app==1.0"], {"app": ("1.0", ["torch==2.14.0"]), "torch": ("2.14.0", [])})
    with pytest.raises(ResolutionError) as exc:
        reconcile(
            pool,
            [repo],
            c,
            stream="app",
            policy=Policy(fedora=frozenset({canonicalize_name("torch")})),
            target_label="fedora-45",
        )
    assert exc.value.exit_code == 3
    text = exc.value.render()
    assert "torch==2.14.0" in text
    assert "python3-torch 2.12.0-1.fc45, which does not satisfy it" in text
    assert "excluded by policy.fedora" in text


def test_policy_bundle_and_abi_coupling() -> None:
    pool, repo = fedora_pool(
        [("torch", "2.14.0", []), ("torchvision", "0.29.0", ["torch"]), ("six", "1.17.0", [])]
    )
    c = closure(
        ["app==1.0"],
        {
            "app": ("1.0", ["torch", "torchvision", "six"]),
            "torch": ("2.14.0", []),
            "torchvision": ("0.29.0", ["torch"]),
            "six": ("1.17.0", []),
        },
    )
    plain = reconcile(
        pool, [repo], c, stream="app", policy=Policy(bundle=frozenset({canonicalize_name("torch")}))
    )
    # without coupling, Fedora's torchvision is happy with the bundled torch
    assert origins(plain)["torchvision"] == "fedora:0.29.0"
    pool, repo = fedora_pool(
        [("torch", "2.14.0", []), ("torchvision", "0.29.0", ["torch"]), ("six", "1.17.0", [])]
    )
    coupled = reconcile(
        pool,
        [repo],
        c,
        stream="app",
        policy=Policy(
            bundle=frozenset({canonicalize_name("torch")}),
            abi_coupled=frozenset({canonicalize_name("torch")}),
        ),
    )
    assert origins(coupled)["torch"] == "bundle:2.14.0"
    assert origins(coupled)["torchvision"] == "bundle:0.29.0"
    assert origins(coupled)["six"] == "fedora:1.17.0"


def test_non_main_interpreter_reuses_nothing_built_for_main() -> None:
    pool, repo = fedora_pool([("six", "1.17.0", [])], python="3.15")
    # the stream runs on 3.14: add the python3.14 interpreter
    interp = repo.add_solvable()
    interp.name, interp.evr, interp.arch = "python3.14", "3.14.6-1.fc45", "x86_64"
    interp.add_provides(pool.Dep("python(abi)").Rel(solv.REL_EQ, pool.Dep("3.14")))
    pool.createwhatprovides()
    c = closure(["app==1.0"], {"app": ("1.0", ["six"]), "six": ("1.17.0", [])})
    result = reconcile(pool, [repo], c, stream="app", target_label="fedora-45")
    assert origins(result)["six"] == "bundle:1.17.0"
    reason = {d.name: d.reason for d in result.decisions}["six"]
    assert "another Python" in reason
