"""The recorded vLLM lock (tests/data/specgen/vllm): every spec of both targets is generated
offline from the lock and the seed store, parses with ``rpmspec -P`` and gets no rpmlint
error; the firewall macros are in every bundled-distribution spec."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from streams.lock import read_lock
from streams.recipe import load_recipe
from streams.specgen import SourceInfoStore, StreamSettings, plan_target, render_plan

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "data" / "specgen" / "vllm"
TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")


def _render(target: str, tmp: Path) -> dict[str, str]:
    recipe = load_recipe(ROOT / "recipes" / "vllm.toml")
    lock = read_lock(FIXTURE / "vllm.lock.toml")

    def offline(_src: object) -> Path:
        raise AssertionError("specgen tried to read a source: the seed store is incomplete")

    plan = plan_target(
        StreamSettings.from_recipe(recipe),
        lock.get_target(target),
        SourceInfoStore(root=tmp, seeds=[FIXTURE / "buildinfo"]),
        arch="x86_64",
        interpreter=recipe.interpreter_for(target).executable,
        fetch=offline,
    )
    return {s.filename: s.text for s in render_plan(plan)}


@pytest.mark.parametrize("target", TARGETS)
def test_vllm_specs_are_firewalled(target: str, tmp_path: Path) -> None:
    specs = _render(target, tmp_path)
    assert "vllm-stream.spec" in specs and "vllm-stream-runtime.spec" in specs
    assert "vllm-stream-python3-torch.spec" in specs
    for name, text in specs.items():
        if name.startswith("vllm-stream-python3-"):
            assert "%global __provides_exclude_from ^%{stream_prefix}/.*$" in text
            assert "%undefine __pythondist_requires" in text
            provides = [ln for ln in text.splitlines() if ln.startswith("Provides:")]
            assert all("vllm-stream-python3dist(" in p for p in provides), name


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("rpmspec") is None, reason="rpmspec not installed")
@pytest.mark.parametrize("target", TARGETS)
def test_vllm_specs_parse_and_pass_rpmlint(target: str, tmp_path: Path) -> None:
    specs = _render(target, tmp_path / "store")
    out = tmp_path / "SPECS"
    out.mkdir()
    for name, text in specs.items():
        (out / name).write_text(text)
    paths = sorted(str(p) for p in out.glob("*.spec"))
    for path in paths:
        res = subprocess.run(["rpmspec", "-P", path], capture_output=True, text=True, check=False)
        assert res.returncode == 0, f"{path}: {res.stderr}"
    if shutil.which("rpmlint") is not None:
        lint = subprocess.run(["rpmlint", *paths], capture_output=True, text=True, check=False)
        assert f"{len(paths)} specfiles checked; 0 errors" in lint.stdout, lint.stdout[-3000:]
