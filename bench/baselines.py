"""Benchmark: the solver's reuse against two naive baselines, on vLLM 0.33.0.

For each target of recipes/vllm.toml, on the embedded Fedora snapshots and the recorded index
(offline), three runtime views of the same upstream closure are compared:

* solver  what ``streams lock`` decided (libsolv reconciliation + second pass);
* exact   reuse Fedora's package only when its version equals the upstream pin;
* name    reuse Fedora's package whenever Fedora has the name (what Copr's ``--with-deps``
          style name-only checks do), whatever its version.

For each view: closure size, reused, bundled, and consistency violations — requirements of a
distribution of the view (its own ``Requires-Dist`` for the version the view imports, markers
evaluated for the target) that the imported version of the required distribution does not meet,
or that name a distribution the view lacks and Fedora cannot supply.  Checked with
``packaging`` only, independently of the solver.

Target (issue 4): the solver reuses at least as many as "exact", with zero violations.

Run:  .venv/bin/python bench/baselines.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDEX = ROOT / "tests" / "data" / "index" / "vllm" / "simple"
SEEDS = ROOT / "tests" / "data" / "specgen" / "vllm" / "buildinfo"


@dataclass
class View:
    name: str
    versions: dict[str, str]  # dist -> version imported
    origin: dict[str, str]  # dist -> "fedora" | "bundle"
    requires: dict[str, list[str]]  # dist -> applicable requirements (PEP 508, no markers)

    def counts(self) -> tuple[int, int, int]:
        reused = sum(1 for o in self.origin.values() if o == "fedora")
        return len(self.versions), reused, len(self.versions) - reused


def make_view(
    name: str,
    pins: Mapping[str, object],
    reuse: Mapping[str, str],
    fedora_reqs: Mapping[str, list[str]],
) -> View:
    """The view that reuses Fedora's version of the names in ``reuse`` and bundles the rest."""
    versions, origin, requires = {}, {}, {}
    for n, pin in pins.items():
        if n in reuse and n in fedora_reqs:
            versions[n], origin[n], requires[n] = reuse[n], "fedora", list(fedora_reqs[n])
        else:
            versions[n], origin[n] = str(pin.version), "bundle"  # type: ignore[attr-defined]
            requires[n] = [str(r) for r in pin.requires]  # type: ignore[attr-defined]
    return View(name, versions, origin, requires)


def violations(view: View, fedora: Mapping[str, str]) -> list[str]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    def ok(spec: object, version: str) -> bool:
        try:
            return spec.contains(Version(version), prereleases=True)  # type: ignore[attr-defined]
        except InvalidVersion:
            return False

    out = []
    for dist, reqs in sorted(view.requires.items()):
        for text in reqs:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            have = view.versions.get(name)
            if have is None:
                # dnf would pull Fedora's package in: fine if its version fits
                if name in fedora and ok(req.specifier, fedora[name]):
                    continue
                out.append(f"{dist} requires {text}: nothing in the view provides it")
            elif not ok(req.specifier, have):
                out.append(f"{dist} requires {text}: the view imports {name} {have}")
    return out


def main() -> None:
    from packaging.utils import canonicalize_name

    from streams.lock import read_lock
    from streams.lock.pipeline import LockOptions, lock_recipe
    from streams.recipe import load_recipe
    from streams.solver import upstream
    from streams.solver.index import IndexClient
    from streams.solver.pydeps import applicable_requirements
    from streams.solver.reconcile import _evr_version, pep440_from_rpm, py_name
    from streams.solver.repos import BaseRepos, target_specs
    from streams.targets import get_target

    with tempfile.TemporaryDirectory(prefix="bench-baselines-") as tmp:
        recipe_path = Path(tmp) / "vllm.toml"
        shutil.copy(ROOT / "recipes" / "vllm.toml", recipe_path)
        whole = load_recipe(recipe_path)
        lock, _ = lock_recipe(
            whole,
            variants=("cuda",),  # vLLM 0.33.0's closure, the one the recorded index holds
            options=LockOptions(offline=True, index_url=str(INDEX), seeds=(SEEDS,)),
        )
        recipe = whole.variant("cuda")
        lock = read_lock(Path(tmp) / "vllm.lock.toml").for_variant("cuda")
        client = IndexClient(str(INDEX), offline=True)
        rows = []
        for locked in lock.target:
            target = get_target(locked.name)
            python = locked.python
            closure = upstream.resolve(
                list(recipe.normalized_requires.values()),
                python=python,
                arch=target.arch,
                index_url=str(INDEX),
                offline=True,
                target=target.name,
                client=client,
            )
            base = BaseRepos.load(target_specs(target), arch=target.arch, offline=True)
            fedora: dict[str, str] = {}  # built for this interpreter
            any_python: dict[str, str] = {}  # python3dist(): built for the release's main Python
            for pin in closure.pins:
                for table, dep in (
                    (fedora, py_name(python, pin.name)),
                    (any_python, f"python3dist({pin.name})"),
                ):
                    provs = list(base.pool.whatprovides(base.pool.Dep(dep)))
                    if provs:
                        best = max(provs, key=lambda s: s.evr)
                        table[pin.name] = pep440_from_rpm(_evr_version(best.evr))
            wanted = sorted(set(fedora.items()) | set(any_python.items()))
            meta = client.metadata_many(wanted)
            fedora_reqs: dict[str, list[str]] = {}
            for n, v in wanted:
                md = meta.get((n, v))
                if md is None or isinstance(md, Exception):
                    continue
                reqs = applicable_requirements(md.requires_dist, python=python, arch=target.arch)
                fedora_reqs[n] = [str(r).split(";")[0].strip() for r in reqs]
            pins = closure.by_name()

            exact = make_view(
                "exact",
                pins,
                {n: v for n, v in fedora.items() if v == str(pins[n].version)},
                fedora_reqs,
            )
            # name-only reuse looks for python3dist(NAME), whatever Python it was built for
            by_name = make_view("name", pins, any_python, fedora_reqs)
            wrong_python = sorted(set(any_python) - set(fedora))
            runtime = [p for p in locked.package if not p.build_only]
            solver = View(
                "solver",
                {p.name: p.version for p in runtime},
                {p.name: p.origin for p in runtime},
                {p.name: list(p.requires) for p in runtime},
            )
            for v in (solver, exact, by_name):
                size, reused, bundled = v.counts()
                viol = violations(v, fedora)
                viol += [
                    f"{n}: Fedora's package is built for Python {target.python}, the stream runs "
                    f"on {python}: it cannot be imported"
                    for n in wrong_python
                    if v.origin.get(n) == "fedora"
                ]
                rows.append((locked.name, v.name, size, reused, bundled, viol))
        print(
            f"{'target':<18} {'view':<7} {'closure':>7} {'reused':>7} {'bundled':>7} "
            f"{'violations':>10}"
        )
        for t, name, size, reused, bundled, viol in rows:
            print(f"{t:<18} {name:<7} {size:>7} {reused:>7} {bundled:>7} {len(viol):>10}")
        print()
        for t, name, _s, _r, _b, viol in rows:
            for line in viol[:5]:
                print(f"  {t} {name}: {line}")
            if len(viol) > 5:
                print(f"  {t} {name}: ... and {len(viol) - 5} more")
        solver_rows = {t: r for t, n, *r in rows if n == "solver"}
        exact_rows = {t: r for t, n, *r in rows if n == "exact"}
        for t in solver_rows:
            s_reused, s_viol = solver_rows[t][1], solver_rows[t][3]
            e_reused = exact_rows[t][1]
            met = s_reused >= e_reused and not s_viol
            print(
                f"{t}: solver reuses {s_reused} >= exact {e_reused} with "
                f"{len(s_viol)} violations: {'met' if met else 'NOT met'}"
            )
        _ = canonicalize_name  # names are canonical already (locks and pins normalise them)


if __name__ == "__main__":
    main()
