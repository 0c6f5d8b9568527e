"""A re-lock that drops packages: the next build removes their outputs and never publishes them.

The ``greeter`` demo stream (tests/data/demo) bundles ``greeter-app``, ``colorlib`` and the
build-only ``tinybackend``.  After a build, the recipe is changed to need only ``colorlib``
and locked again; the next ``streams build`` must leave a repository of the one bundled package
plus the stream's runtime and metapackage, and no spec, SRPM, RPM or build dir of the others.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import read_lock
from tools.devkit.demo import Demo, prepare

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm2cpio", "createrepo_c")),
        reason="rpmbuild, rpm2cpio and createrepo_c are needed (scripts/setup.sh)",
    ),
]


@pytest.fixture()
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAMS_DEMO_BREAK", raising=False)
    return prepare(tmp_path / "demo")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run streams; its stderr (not a terminal here: plain progress lines) is returned."""
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return err


def _names(paths: list[Path]) -> set[str]:
    """RPM names of ``NAME-VERSION-RELEASE.ARCH.rpm`` files."""
    return {re.sub(r"-[^-]+-[^-]+\.[^.]+\.rpm$", "", p.name) for p in paths}


def test_relock_with_fewer_packages_leaves_no_stale_outputs(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = demo.recipes["greeter"]
    lock_args = ["--target", "host", "--repo", f"base={demo.base}", "--index-url", str(demo.index)]
    err = _run(["lock", str(recipe), *lock_args], capsys)
    assert "lock host: locked, " in err  # a CI log sees the lock's progress
    err = _run(["build", str(recipe), "-j", "2"], capsys)
    # one plain line per package start and finish: the plan has 5 packages
    lines = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert len([ln for ln in lines if "] building " in ln]) == 5, err
    assert len([ln for ln in lines if "] built " in ln]) == 5, err
    assert lines[-1].startswith("[5/5] built greeter-stream (host) in "), err
    host = Path("out/greeter/host")
    before = _names(sorted((host / "repo").glob("*.rpm")))
    assert "greeter-stream-python3-greeter-app" in before
    assert "greeter-stream-python3-tinybackend" in before

    text = recipe.read_text()
    text = text.replace('greeter-app = "==1.0"', 'colorlib = "==2.0"')
    text = text.replace('exports = ["greeter"]', "exports = []")
    recipe.write_text(text)
    _run(["lock", str(recipe), *lock_args], capsys)
    bundled = {p.name for p in read_lock(demo.work / "greeter.lock.toml").target[0].bundled()}
    assert bundled == {"colorlib"}

    _run(["build", str(recipe), "-j", "2"], capsys)
    want = {"greeter-stream-python3-colorlib", "greeter-stream-runtime", "greeter-stream"}
    assert _names(sorted((host / "repo").glob("*.rpm"))) == want
    assert {p.stem for p in (host / "specs" / "SPECS").glob("*.spec")} == want
    assert {p.name for p in (host / "rpms").iterdir()} == want
    assert {p.name for p in (host / "build").iterdir()} <= want
    sources = {p.name for p in (host / "specs" / "SOURCES").iterdir()}
    assert not any(s.startswith(("greeter_app", "tinybackend")) for s in sources), sources
