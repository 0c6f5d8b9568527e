"""The recorded vLLM lock (tests/data/specgen/vllm, made by ``streams lock`` offline, see
tools/specgen_vllm_fixture.py): every spec of each variant and target (cuda on both targets,
the Fedora-clean cpu variant on fedora-44) is generated offline from the lock
and the seed store, parses with ``rpmspec -P`` and gets no rpmlint error; the firewall macros
are in every bundled-distribution spec; build requirements name the stream's own provides for
everything the lock bundles (build-only bundles included) and Fedora's only where Fedora has
the distribution for the target's interpreter."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from streams.checks.lint import lint_files
from streams.cli import main
from streams.lock import LockedTarget, read_lock
from streams.recipe import load_recipe
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "data" / "specgen" / "vllm"
RECIPE = ROOT / "recipes" / "vllm.toml"
# (variant, target) closures of the recorded lock
CLOSURES = (
    ("cpu", "fedora-44-x86_64"),
    ("cuda", "fedora-44-x86_64"),
    ("cuda", "fedora-45-x86_64"),
)
STREAMS = {"cuda": "vllm", "cpu": "vllm-cpu"}
# bundled distributions (runtime + build-only) of each closure in the recorded lock, plus the
# runtime and the metapackage
SPEC_COUNTS = {CLOSURES[0]: 67 + 2, CLOSURES[1]: 128 + 2, CLOSURES[2]: 232 + 2}


def _stream_dep(stream: str) -> re.Pattern[str]:
    return re.compile(re.escape(stream) + r"-stream-python3dist\(([^)\[]+)(?:\[[^)]*\])?\)")


def _fedora_dep(stream: str) -> re.Pattern[str]:
    return re.compile(
        r"(?<!" + re.escape(stream) + r"-stream-)python3(?:\.\d+)?dist\(([^)\[]+)(?:\[[^)]*\])?\)"
    )


def _target(variant: str, name: str) -> LockedTarget:
    return read_lock(FIXTURE / "vllm.lock.toml").for_variant(variant).get_target(name)


def _render(variant: str, target: str, tmp: Path) -> dict[str, str]:
    recipe = load_recipe(RECIPE).variant(variant)

    def offline(_src: object) -> Path:
        raise AssertionError("specgen tried to read a source: the seed store is incomplete")

    plan = plan_target(
        StreamSettings.from_recipe(recipe),
        _target(variant, target),
        SourceInfoStore(root=tmp, seeds=[FIXTURE / "buildinfo"]),
        arch="x86_64",
        interpreter=recipe.interpreter_for(target).executable,
        fetch=offline,
    )
    return {s.filename: s.text for s in render_plan(plan)}


def _lines(text: str, tag: str) -> list[str]:
    return [ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith(tag + ":")]


def test_fixture_lock_is_of_the_shipped_recipe() -> None:
    lock = read_lock(FIXTURE / "vllm.lock.toml")
    assert lock.recipe_sha256 == hashlib.sha256(RECIPE.read_bytes()).hexdigest(), (
        "recipes/vllm.toml changed: run .venv/bin/python tools/specgen_vllm_fixture.py"
    )
    assert [(t.variant, t.name) for t in lock.target] == list(CLOSURES)


@pytest.mark.parametrize(("variant", "target"), CLOSURES)
def test_vllm_specs_are_firewalled(variant: str, target: str, tmp_path: Path) -> None:
    stream = STREAMS[variant]
    specs = _render(variant, target, tmp_path)
    assert len(specs) == SPEC_COUNTS[variant, target]
    assert f"{stream}-stream.spec" in specs and f"{stream}-stream-runtime.spec" in specs
    # the cuda variant bundles PyPI's torch; the cpu variant reuses Fedora's
    assert (f"{stream}-stream-python3-torch.spec" in specs) == (variant == "cuda")
    for name, text in specs.items():
        if name.startswith(f"{stream}-stream-python3-"):
            assert "%global __provides_exclude_from ^%{stream_prefix}/.*$" in text
            assert "%undefine __pythondist_requires" in text
            provides = _lines(text, "Provides")
            assert all(f"{stream}-stream-python3dist(" in p for p in provides), name
    meta = specs[f"{stream}-stream.spec"]
    assert f"Provides:       vllm-stream-accelerator = {variant}" in meta
    assert "Conflicts:      vllm-stream-accelerator" in meta


def test_the_cpu_variant_is_fedora_clean_and_built_from_source(tmp_path: Path) -> None:
    """The cpu closure reuses Fedora 44's torch (base-first), bundles nothing non-free or
    prebuilt, and builds vLLM's CPU backend from its sdist."""
    locked = _target("cpu", "fedora-44-x86_64")
    pkgs = locked.packages()
    assert pkgs["torch"].origin == "fedora" and pkgs["torch"].version == "2.9.1"
    assert not [p.name for p in locked.package if p.name.startswith(("nvidia-", "triton"))]
    for p in locked.bundled():
        assert p.license is not None and p.license.fedora, (p.name, p.license)
        assert not p.license.binary, p.name
    assert any("base-first: resolved with Fedora's torch 2.9.1" in w for w in locked.warnings)
    spec = _render("cpu", "fedora-44-x86_64", tmp_path)["vllm-cpu-stream-python3-vllm.spec"]
    assert "export VLLM_TARGET_DEVICE=cpu" in spec
    # the CPU backend compiles C++ kernels: arch-specific, with its compiler and libnuma
    assert "BuildArch:      noarch" not in spec
    assert "BuildRequires:  gcc-c++" in spec and "BuildRequires:  numactl-devel" in spec
    assert "Source0:        https://files.pythonhosted.org/" in spec and ".tar.gz" in spec


@pytest.mark.parametrize(("variant", "target"), CLOSURES)
def test_build_requires_follow_the_lock(variant: str, target: str, tmp_path: Path) -> None:
    """A build requirement on a distribution the lock bundles (for the runtime or build-only)
    is the stream's provide, and one spec of the target provides it; Fedora's provide is used
    only for what the lock does not bundle.  On fedora-45 (python3.14, not the main Python)
    nothing of the lock is taken from Fedora, so no python3.14dist() BuildRequires remains at
    all (the recipe takes filelock from its wheel: its sdist's python-sbom hatch plugin does
    not resolve)."""
    stream = STREAMS[variant]
    stream_dep, fedora_dep = _stream_dep(stream), _fedora_dep(stream)
    locked = _target(variant, target)
    bundled = {canonicalize_name(p.name) for p in locked.bundled()}
    build_only = {canonicalize_name(p.name) for p in locked.package if p.build_only}
    specs = _render(variant, target, tmp_path)
    provided = {
        m.group(0)
        for text in specs.values()
        for p in _lines(text, "Provides")
        for m in stream_dep.finditer(p)
    }
    from_stream: set[str] = set()
    fedora_names: set[str] = set()
    for name, text in specs.items():
        for br in _lines(text, "BuildRequires"):
            for m in stream_dep.finditer(br):
                assert m.group(0) in provided, f"{name}: nothing provides {m.group(0)}"
                assert canonicalize_name(m.group(1)) in bundled, (name, br)
                from_stream.add(canonicalize_name(m.group(1)))
            for m in fedora_dep.finditer(br):
                dist = canonicalize_name(m.group(1))
                assert dist not in bundled, f"{name}: {br} but the lock bundles {dist}"
                fedora_names.add(dist)
    # every build-only bundle is there because something needs it to build, or a build tool
    # needs it at run time (hatchling's pathspec)
    for text in specs.values():
        for req in _lines(text, "Requires"):
            from_stream.update(canonicalize_name(m.group(1)) for m in stream_dep.finditer(req))
    assert build_only and build_only <= from_stream
    if locked.interpreter_main:
        assert "hatchling" in fedora_names  # Fedora 44's python3-hatchling builds them
    else:
        assert fedora_names == set()
    # build-only bundles are not part of the runtime view: the metapackage does not claim them
    meta = specs[f"{stream}-stream.spec"]
    for dist in build_only:
        assert f"bundled(python3dist({dist}))" not in meta


@pytest.mark.slow
def test_fixture_lock_is_what_streams_lock_writes(tmp_path: Path) -> None:
    """The fixture is not hand-made: ``streams lock`` offline gives it byte for byte (if this
    fails after a change to the lock, run tools/specgen_vllm_fixture.py and review the diff)."""
    recipe = tmp_path / "vllm.toml"
    shutil.copy(RECIPE, recipe)
    out = tmp_path / "vllm.lock.toml"
    # the revision history (Release numbers, changelog entries) goes on from the fixture; every
    # closure is locked again, each variant against the index recorded for it
    shutil.copy(FIXTURE / "vllm.lock.toml", out)
    seeds = FIXTURE / "buildinfo"
    for variant, index in (("cuda", "vllm"), ("cpu", "vllm-cpu")):
        url = ROOT / "tests" / "data" / "index" / index / "simple"
        args = ["lock", str(recipe), "--variant", variant, "--offline", "--index-url", str(url)]
        assert main([*args, "--seed", str(seeds), "--lock", str(out)]) == 0
    assert out.read_text() == (FIXTURE / "vllm.lock.toml").read_text()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("rpmspec") is None, reason="rpmspec not installed")
@pytest.mark.parametrize(("variant", "target"), CLOSURES)
def test_vllm_specs_parse_and_pass_rpmlint(variant: str, target: str, tmp_path: Path) -> None:
    stream = STREAMS[variant]
    specs = _render(variant, target, tmp_path / "store")
    out = tmp_path / "SPECS"
    out.mkdir()
    for name, text in specs.items():
        (out / name).write_text(text)
    paths = sorted(str(p) for p in out.glob("*.spec"))
    assert len(paths) == SPEC_COUNTS[variant, target]
    for path in paths:
        res = subprocess.run(["rpmspec", "-P", path], capture_output=True, text=True, check=False)
        assert res.returncode == 0, f"{path}: {res.stderr}"
    # rpmlint (PyPI) with Fedora's configuration, as `streams lint` runs it
    prefix = f"/opt/streams/{stream}"
    report = lint_files(stream, target, prefix, {"specs": [Path(p) for p in paths]})
    assert len(report.checked["specs"]) == len(paths)
    assert report.errors == (), "\n".join(f.render() for f in report.errors[:50])
