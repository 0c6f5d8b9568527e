"""A packager-owned spec through the whole pipeline: ``streams adopt`` of a Fedora-style spec
for the demo's ``colorlib`` (tests/data/adopt/demo), ``[packages.colorlib] spec`` in the
``greeter`` recipe, lock, ``streams build --backend local``, and ``streams check`` (firewall,
conflicts, installability, install and run: greeter imports the adopted colorlib from the
prefix)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from streams.cli import main
from tools.devkit.demo import prepare

SPEC = Path(__file__).resolve().parent.parent / "data" / "adopt" / "demo" / "python-colorlib.spec"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm2cpio", "createrepo_c")),
        reason="rpmbuild, rpm2cpio and createrepo_c are needed (scripts/setup.sh)",
    ),
]


def test_an_adopted_spec_is_built_and_checked_like_a_generated_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAMS_DEMO_BREAK", raising=False)
    demo = prepare(tmp_path / "demo")
    recipe = demo.recipes["greeter"]
    lock = ["lock", str(recipe), "--target", "host", "--repo", f"base={demo.base}"]
    lock += ["--index-url", str(demo.index)]
    assert main(lock) == 0
    assert main(["adopt", str(recipe), "colorlib", "--from-spec", str(SPEC)]) == 0
    out = capsys.readouterr().out
    assert "greeter-stream-python3-colorlib" in out
    recipe.write_text(recipe.read_text() + '\n[packages.colorlib]\nspec = "specs/colorlib.spec"\n')
    assert main(lock) == 0
    capsys.readouterr()

    assert main(["build", str(recipe), "--backend", "local", "-j", "2"]) == 0
    capsys.readouterr()
    specs = Path("out") / "greeter" / "host" / "specs"
    spec = (specs / "SPECS" / "greeter-stream-python3-colorlib.spec").read_text()
    assert spec == (recipe.parent / "specs" / "colorlib.spec").read_text()  # the packager's
    assert (specs / "SOURCES" / "greeter-stream-python3-colorlib.macros").is_file()
    repo = sorted(p.name for p in (Path("out") / "greeter" / "host" / "repo").glob("*.rpm"))
    assert "greeter-stream-python3-colorlib-2.0-1.noarch.rpm" in repo

    # rpmlint with Fedora's configuration: no error (the include's %{_sourcedir} is accepted
    # by design, the include beside the spec in SPECS/ lets rpmlint parse it)
    assert (specs / "SPECS" / "greeter-stream-python3-colorlib.macros").is_file()
    assert main(["lint", str(recipe), "--target", "host"]) == 0, capsys.readouterr()
    capsys.readouterr()

    code = main(["check", str(recipe), "--target", "host", "--repo", f"base={demo.base}", "--json"])
    report = json.loads(capsys.readouterr().out)
    results = {r["name"]: r for r in report["checks"]}
    for check in ("firewall", "coupling", "conflicts", "installability"):
        assert results[check]["status"] == "passed", results[check]
    # the coupling check read the packager-owned spec (with its include) as well as the RPMs
    assert "specs of out/greeter/host/specs/SPECS" in results["coupling"]["evidence"][-1]
    if os.geteuid() == 0 and shutil.which("dnf") and shutil.which("bwrap"):
        assert code == 0, results
        run = results["install-and-run"]
        assert run["status"] == "passed", run
        assert any("colorlib" in e and "from the prefix" in e for e in run["evidence"]), run
