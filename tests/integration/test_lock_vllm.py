"""vLLM 0.33.0, the reference stream's cuda variant, locked offline on the embedded Fedora
snapshots against the recorded real-world index (tests/data/index/vllm); its cpu variant
(base-first on Fedora's torch) against the index recorded for it (tests/data/index/vllm-cpu)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import Lock, lock_path, read_lock
from tests.helpers.streamcase import violations

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "tests" / "data" / "index" / "vllm" / "simple"
# what the bundled sdists need to build, recorded (tools/record_index.py records the index side)
SEEDS = ROOT / "tests" / "data" / "specgen" / "vllm" / "buildinfo"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vllm_lock(tmp_path_factory: pytest.TempPathFactory) -> Lock:
    work = tmp_path_factory.mktemp("vllm")
    recipe = work / "vllm.toml"
    shutil.copy(ROOT / "recipes" / "vllm.toml", recipe)
    args = ["lock", str(recipe), "--variant", "cuda", "--offline", "--index-url", str(INDEX)]
    code = main([*args, "--seed", str(SEEDS)])
    assert code == 0
    lock = read_lock(lock_path(recipe))
    assert lock.variants == ("cuda",)
    return lock.for_variant("cuda")


def test_the_cpu_variant_locks_offline_base_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Fedora-clean cpu variant against its recorded index: Fedora 44's torch is reused,
    vLLM is the newest release that works with it, nothing non-free or prebuilt is bundled
    (its policy is licenses = "fedora", binaries = "build": the lock would fail otherwise)."""
    recipe = tmp_path / "vllm.toml"
    shutil.copy(ROOT / "recipes" / "vllm.toml", recipe)
    index = ROOT / "tests" / "data" / "index" / "vllm-cpu" / "simple"
    args = ["lock", str(recipe), "--variant", "cpu", "--offline", "--index-url", str(index)]
    code = main([*args, "--seed", str(SEEDS)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fedora-44-x86_64 (cpu):" in out and "fedora-45" not in out
    cpu = read_lock(lock_path(recipe)).for_variant("cpu")
    assert cpu.stream == "vllm-cpu" and cpu.policy is not None
    assert (cpu.policy.licenses, cpu.policy.binaries) == ("fedora", "build")
    (t,) = cpu.target
    names = t.packages()
    assert (names["torch"].origin, names["torch"].version) == ("fedora", "2.9.1")
    assert names["vllm"].origin == "bundle" and names["vllm"].version == "0.16.0"
    assert violations(t) == []


def test_both_targets_locked(vllm_lock: Lock) -> None:
    assert [t.name for t in vllm_lock.target] == ["fedora-44-x86_64", "fedora-45-x86_64"]
    f44, f45 = vllm_lock.target
    assert (f44.python, f44.interpreter, f44.interpreter_main) == ("3.14", "python3", True)
    assert (f45.python, f45.interpreter, f45.interpreter_main) == ("3.14", "python3.14", False)
    for t in vllm_lock.target:
        names = t.packages()
        assert len(names) >= 190
        assert names["vllm"].version == "0.33.0" and names["vllm"].origin == "bundle"
        assert names["torch"].version == "2.14.0" and names["torch"].origin == "bundle"
        assert "policy.bundle" in names["torch"].reason
        assert any(s.kind == "wheel" and len(s.sha256) == 64 for s in names["torch"].sources)


def test_runtime_view_is_consistent(vllm_lock: Lock) -> None:
    """Every applicable Requires-Dist of every distribution of the view (the bundled version,
    or Fedora's when reused) is met by the version the view imports (checked with packaging,
    not with the solver)."""
    for t in vllm_lock.target:
        assert violations(t) == [], t.name
        # the only warnings are about relaxed build requirements and the license review
        # (a license read from a file, classifiers to check, unknowns), never about the view
        assert all("build" in w or "licen" in w or " read from " in w for w in t.warnings), (
            t.warnings
        )


def test_build_section(vllm_lock: Lock) -> None:
    """Bundled sdists' build requirements are in the lock: Fedora 44 (main Python) takes most
    build tools from Fedora; Fedora 45 (python3.14, nothing reusable) bundles them build-only."""
    f44, f45 = vllm_lock.target
    for t in (f44, f45):
        names = t.packages()
        built_from_sdist = [p for p in t.bundled() if p.build_requires]
        assert len(built_from_sdist) >= 50
        assert names["vllm"].build_requires == ()  # repackaged from the wheel
        build_edges = [e for e in t.edge if e.kind == "build"]
        assert build_edges, t.name
    only44 = {p.name for p in f44.package if p.build_only}
    only45 = {p.name for p in f45.package if p.build_only}
    assert len(only45) > len(only44)
    assert "hatchling" in only45 and "hatchling" not in only44
    hatch = f45.packages()["hatchling"]
    assert hatch.origin == "bundle" and hatch.reason.startswith("bundled to build ")


def test_fedora_44_reuses_and_fedora_45_cannot(vllm_lock: Lock) -> None:
    f44, f45 = vllm_lock.target
    assert len(f44.reused()) >= 50
    assert f45.reused() == []
    six = f45.packages().get("six") or next(iter(f45.bundled()))
    assert six.origin == "bundle"
    # the reason names the interpreter problem, not a version problem
    some = [p for p in f45.bundled() if "another Python" in p.reason]
    assert len(some) >= 50


def test_python_315_fails_with_the_interpreter_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "vllm.toml"
    text = (ROOT / "recipes" / "vllm.toml").read_text()
    recipe.write_text(text.replace('python = { "fedora-45-x86_64" = "3.14" }', ""))
    code = main(
        ["lock", str(recipe), "--offline", "--index-url", str(INDEX), "-t", "fedora-45-x86_64"]
    )
    err = capsys.readouterr().err
    assert code == 3, err
    assert "torch 2.14.0 has no files for CPython 3.15" in err
    assert 'python = { "fedora-45-x86_64" = "3.14" }' in err
    assert not lock_path(recipe).exists()


def test_native_sdists_have_their_compiler_and_fedora_tools(vllm_lock: Lock) -> None:
    """Every bundled sdist judged compiled has a compiler in its build-tools, and for every
    one Fedora also packages, Fedora's own spec's non-Python BuildRequires that build code
    (compilers, build tools, libraries) are included and those only its tests run are not."""
    from streams.lock.build_section.tools import build_tool_kinds
    from streams.recipe import load_recipe
    from streams.solver.fedora_specs import target_spec_facts
    from streams.sources import SourceInfoStore, choose_source
    from streams.targets import get_target

    store = SourceInfoStore(root=Path("/nonexistent-streams-store"), seeds=[SEEDS])
    recipe = load_recipe(ROOT / "recipes" / "vllm.toml").variant("cuda")
    compilers = {"gcc", "gcc-c++", "clang", "rust", "cargo"}
    for t in vllm_lock.target:
        native = fedora = 0
        for p in t.bundled():
            src, _ = choose_source(p, recipe.package_settings(p.name).source, t.python, "x86_64")
            if src.kind != "sdist":
                continue
            info = store.get(src.sha256)
            assert info is not None and info.build is not None, p.name
            tools = {b.rpm for b in p.build_tools}
            if info.build.native:
                native += 1
                assert tools & compilers, (t.name, p.name, p.build_tools)
            facts = target_spec_facts(get_target(t.name), p.name)
            if facts is not None:
                fedora += 1
                builds, tests_only = build_tool_kinds(facts.build_requires)
                assert set(builds) <= tools, (t.name, p.name)
                assert not set(tests_only) & tools, (t.name, p.name)
        assert native >= 20 and fedora >= 20, (t.name, native, fedora)
    f44 = vllm_lock.target[0].packages()
    # pure-Python sdists stay noarch: no compiler although they ship C/Go test fixtures
    assert not {b.rpm for b in f44["setuptools"].build_tools} & compilers
