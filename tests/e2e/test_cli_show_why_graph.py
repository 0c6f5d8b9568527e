"""`streams show`, `why` and `graph` on a lock written by hand for a small recipe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import Lock, LockedEdge, LockedPackage, LockedTarget, read_lock, write_lock
from streams.recipe import load_recipe

RECIPE = """\
[stream]
name = "demo"
summary = "a demo"
license = "MIT"
targets = ["fedora-45-x86_64"]
exports = ["demo"]

[requires]
demo = "==1.0"
"""


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(RECIPE)
    recipe = load_recipe(path)

    def pkg(name: str, origin: str, reason: str) -> LockedPackage:
        rpm = f"demo-stream-python3-{name}" if origin == "bundle" else f"python3-{name}"
        return LockedPackage(
            name=name,
            version="1.0",
            origin=origin,
            rpm=rpm,
            evr="1.0",
            reason=reason,  # type: ignore[arg-type]
        )

    t = LockedTarget(
        name="fedora-45-x86_64",
        python="3.15",
        interpreter="python3",
        interpreter_main=True,
        package=(
            pkg("demo", "bundle", "bundled: fedora-45-x86_64 has no package providing it"),
            pkg("six", "fedora", "reused: python3-six 1.0 satisfies every requirement"),
            pkg("click", "bundle", "bundled: fedora-45-x86_64 has python3-click 0.9"),
        ),
        edge=(
            LockedEdge(source="demo", target="click", requirement="click>=1"),
            LockedEdge(source="click", target="six", requirement="six"),
            LockedEdge(source="demo", target="six", requirement="six>=1"),
        ),
    )
    write_lock(
        tmp_path / "demo.lock.toml",
        Lock(stream="demo", recipe="demo.toml", recipe_sha256=recipe.sha256, target=(t,)),
    )
    return path


def test_show_json(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(demo), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"]: r["origin"] for r in rows} == {
        "demo": "bundle",
        "six": "fedora",
        "click": "bundle",
    }
    assert set(rows[0]) >= {"name", "version", "origin", "rpm", "evr", "reason"}


def test_show_table(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "1 reused, 2 bundled" in out
    assert "python3-six" in out and "demo-stream-python3-click" in out


def test_show_warns_when_recipe_changed(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo.write_text(RECIPE.replace("a demo", "another demo"))
    assert main(["show", str(demo)]) == 0
    assert "changed since" in capsys.readouterr().err


def test_why(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", str(demo), "Six", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["origin"] == "fedora"
    assert data["paths"] == [["demo", "six"], ["demo", "click", "six"]]
    assert {d["name"] for d in data["required_by"]} == {"demo", "click"}
    assert main(["why", str(demo), "six"]) == 0
    out = capsys.readouterr().out
    assert "demo -[six>=1]-> six" in out


def test_why_unknown_dist(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", str(demo), "numpy"]) == 2
    assert "numpy is not in the closure" in capsys.readouterr().err


def test_graph_formats(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(demo)]) == 0
    assert '"demo" -> "click"' in capsys.readouterr().out
    out = tmp_path / "g.html"
    assert main(["graph", str(demo), "--format", "html", "-o", str(out)]) == 0
    assert "1 reused from Fedora, 2 bundled" in out.read_text()
    if shutil.which("dot"):
        assert main(["graph", str(demo), "--format", "svg"]) == 0
        assert "<svg" in capsys.readouterr().out


def test_graph_svg_without_graphviz(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["graph", str(demo), "--format", "svg"]) == 1
    err = capsys.readouterr().err
    assert "Graphviz" in err and "--format html" in err


def test_show_and_why_default_to_the_only_locked_target_host(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `streams lock demo --target host` writes a lock whose only target is not the recipe's
    lock_path = demo.with_name("demo.lock.toml")
    lock = read_lock(lock_path)
    host = lock.target[0].model_copy(update={"name": "host"})
    write_lock(lock_path, lock.model_copy(update={"target": (host,)}))
    assert main(["show", str(demo), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["target"] for r in rows} == {"host"} and len(rows) == 3
    assert main(["why", str(demo), "six", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["origin"] == "fedora"
    assert main(["why", str(demo), "six"]) == 0
    assert "host" in capsys.readouterr().out


def test_no_lock_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(RECIPE)
    assert main(["show", str(path)]) == 2
    assert "streams lock demo" in capsys.readouterr().err
