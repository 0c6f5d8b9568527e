"""vLLM 0.33.0's real closure, resolved offline against the recorded index (tests/data/index)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.errors import ResolutionError
from streams.solver.upstream import resolve

INDEX = Path(__file__).resolve().parents[1] / "data" / "index" / "vllm"
RECORDED: dict[str, Any] = json.loads((INDEX / "recorded.json").read_text())


def recorded_run(python: str) -> dict[str, Any]:
    return next(r for r in RECORDED["runs"] if r["python"] == python and r["arch"] == "x86_64")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streams-cache")


@pytest.fixture(autouse=True)
def _cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(cache))


def test_vllm_resolves_offline_for_python_314_as_on_pypi() -> None:
    closure = resolve(
        ["vllm==0.33.0"],
        python="3.14",
        index_url=str(INDEX / "simple"),
        offline=True,
        target="fedora-44-x86_64",
    )

    pins = closure.by_name()
    expected = recorded_run("3.14")["pins"]
    assert len(closure.pins) == len(expected) > 190
    assert {n: str(p.version) for n, p in pins.items()} == expected
    torch = pins["torch"]  # type: ignore[index]
    assert torch.version == Version("2.14.0")
    # the lock gets PyPI's real file, not the local stand-in
    (wheel,) = torch.sources
    upstream = json.loads((INDEX / "simple" / "torch" / "upstream.json").read_text())["files"]
    assert wheel.filename == "torch-2.14.0-cp314-cp314-manylinux_2_28_x86_64.whl"
    assert wheel.url == upstream[wheel.filename]["url"]
    assert wheel.url.startswith("https://files.pythonhosted.org/")
    assert wheel.sha256 == upstream[wheel.filename]["sha256"]
    assert wheel.size == upstream[wheel.filename]["size"] > 100_000_000
    assert all(s.url.startswith("https://") for p in closure.pins for s in p.sources)
    # requirements come from the real metadata, markers evaluated for Linux x86_64
    vllm_requires = {str(r) for r in pins["vllm"].requires}  # type: ignore[index]
    assert "torch==2.14.0" in vllm_requires
    assert not any(r.marker for p in closure.pins for r in p.requires)
    every_required = {canonicalize_name(r.name) for p in closure.pins for r in p.requires}
    assert every_required <= set(pins)
    assert "standard" in pins["fastapi"].extras  # type: ignore[index]


def test_vllm_on_python_315_fails_on_torch_and_suggests_314() -> None:
    with pytest.raises(ResolutionError) as info:
        resolve(
            ["vllm==0.33.0"],
            python="3.15",
            index_url=str(INDEX / "simple"),
            offline=True,
            target="fedora-45-x86_64",
        )

    err = info.value
    assert err.causes[0].message == (
        "torch 2.14.0 has no files for CPython 3.15 (wheels for cp310–cp314, cp314t, no sdist)"
    )
    assert err.hint is not None and '"fedora-45-x86_64" = "3.14"' in err.hint
    assert "hint: You require CPython 3.15" in recorded_run("3.15")["error"]
