"""`streams report` on the recorded vLLM lock (tests/data/specgen/vllm, both variants): every
closure is in the page, each package's why-paths are what `streams why --json` prints for its
variant, and bad input is refused with exit 2 and no traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from streams.cli import main
from streams.lock import read_lock
from streams.publish.report import render_report, select_closures
from streams.recipe import load_recipe

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "vllm.toml"
LOCK = ROOT / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
pytestmark = pytest.mark.e2e

CLOSURES = ["cuda/fedora-44-x86_64", "cuda/fedora-45-x86_64", "cpu/fedora-44-x86_64"]


def _data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert m
    data: dict[str, Any] = json.loads(m.group(1))
    return data


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(RECIPE), "--lock", str(LOCK), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_every_closure_and_package_is_in_the_page(page: str) -> None:
    lock = read_lock(LOCK)
    data = _data(page)
    closures = data["closures"]
    assert isinstance(closures, list)
    assert [c["key"] for c in closures] == CLOSURES
    for c in closures:
        t = lock.get_target(c["target"], c["variant"])
        assert [p["name"] for p in c["packages"]] == sorted(p.name for p in t.package)
        rows = re.findall(r'<tr class="pkg"[^>]*data-name="([^"]+)"', page)
        assert set(p.name for p in t.package) <= set(rows)
    cuda44 = closures[0]
    assert cuda44["stream"] == "vllm" and closures[2]["stream"] == "vllm-cpu"
    # the cuda variant bundles NVIDIA's libraries: the page counts their license problems
    assert cuda44["verdicts"]["not-allowed"] > 0
    assert closures[2]["verdicts"]["not-allowed"] == 0
    assert len(page.encode()) < 1_500_000


@pytest.mark.parametrize(
    ("variant", "target", "dist"),
    [
        ("cuda", "fedora-44-x86_64", "numpy"),
        ("cuda", "fedora-44-x86_64", "torch"),
        ("cuda", "fedora-45-x86_64", "jinja2"),
        ("cpu", "fedora-44-x86_64", "torch"),
    ],
)
def test_paths_are_what_streams_why_prints(
    page: str, variant: str, target: str, dist: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["why", str(RECIPE), dist, "--lock", str(LOCK), "--variant", variant]
    assert main([*argv, "--target", target, "--json"]) == 0
    why = json.loads(capsys.readouterr().out)
    closures = _data(page)["closures"]
    assert isinstance(closures, list)
    c = next(c for c in closures if c["key"] == f"{variant}/{target}")
    pkg = next(p for p in c["packages"] if p["name"] == dist)
    assert why["paths"], "streams why found no path: a poor example"
    assert pkg["paths"] == why["paths"]
    assert pkg["required_by"] == [[r["name"], r["requirement"]] for r in why["required_by"]]
    assert pkg["reason"] == why["reason"]


def test_variant_and_target_narrow_the_page(tmp_path: Path) -> None:
    out = tmp_path / "cpu.html"
    argv = ["report", str(RECIPE), "--lock", str(LOCK), "-o", str(out)]
    assert main([*argv, "--variant", "cpu"]) == 0
    assert [c["key"] for c in _data(out.read_text())["closures"]] == [CLOSURES[2]]
    assert main([*argv, "--target", "fedora-45-x86_64"]) == 0
    assert [c["key"] for c in _data(out.read_text())["closures"]] == [CLOSURES[1]]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--variant", "rocm"], "has no variant 'rocm'"),
        (["--target", "fedora-99-x86_64"], "has no target fedora-99-x86_64"),
        (["--variant", "cpu", "--target", "fedora-45-x86_64"], "has no target fedora-45"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(RECIPE), "--lock", str(LOCK), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_same_lock_same_bytes(page: str) -> None:
    recipe = load_recipe(RECIPE)
    lock = read_lock(LOCK)
    assert render_report(recipe, lock, select_closures(recipe, lock)) == page


def test_drift_is_what_streams_outdated_finds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Offline, against the embedded snapshot (the base the lock was solved against) and the
    recorded index, which has newer releases of a few bundled distributions."""
    index = str(ROOT / "tests" / "data" / "index" / "vllm" / "simple")
    narrow = ["--variant", "cuda", "--target", "fedora-44-x86_64", "--offline"]
    assert (
        main(
            ["outdated", str(RECIPE), "--lock", str(LOCK), *narrow, "--index-url", index, "--json"]
        )
        == 1
    )
    found = json.loads(capsys.readouterr().out)["targets"][0]["items"]
    assert found, "the recorded index has no newer release: a poor example"
    out = tmp_path / "drift.html"
    argv = ["report", str(RECIPE), "--lock", str(LOCK), "-o", str(out), *narrow]
    assert main([*argv, "--drift", "--index-url", index]) == 0
    html = out.read_text()
    (c,) = _data(html)["closures"]
    assert c["drift_given"] is True
    keys = ("kind", "name", "locked", "current", "level", "detail")
    assert sorted(tuple(d[k] for k in keys) for d in c["drift"]) == sorted(
        tuple(i[k] for k in keys) for i in found
    )
    by_name = {p["name"]: p for p in c["packages"]}
    for item in found:
        assert item["kind"] in [d["kind"] for d in by_name[item["name"]]["drift"]]
        assert f'data-name="{item["name"]}"' in html
    assert f"{len(found)} findings" in html
