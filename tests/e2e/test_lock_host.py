"""``streams lock --target host`` with no ``--repo``: the host base stands in for Fedora.

The demo recipes (tools/devkit/demo.py) are locked against their fake index with no base
repository named.  The host base is read from this machine; in the second test one more
distribution is "installed" on the host (added to what the probe read), and the lock reuses it
from the host base instead of bundling it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import read_lock
from streams.solver.repos import host
from tools.devkit.demo import Demo, prepare

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("rpm") is None, reason="rpm (elfdeps) is needed"),
]


@pytest.fixture()
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    monkeypatch.chdir(tmp_path)
    return prepare(tmp_path / "demo")


def _lock(demo: Demo, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(
        ["lock", str(demo.recipes["greeter"]), "--target", "host", "--index-url", str(demo.index)]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "no embedded snapshot" not in out + err
    return out


def test_lock_for_host_without_repo_uses_the_host_base(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    _lock(demo, capsys)
    locked = read_lock(demo.work / "greeter.lock.toml").get_target("host")
    assert [r.name for r in locked.repo] == ["host-base"]
    assert Path(locked.repo[0].url, "repodata", "repomd.xml").is_file()
    assert any(s.startswith("python3-") for s in locked.system)  # python(abi) came from it
    assert {p.name for p in locked.package} >= {"greeter-app", "colorlib", "textfmt"}


def test_a_distribution_installed_on_the_host_is_reused(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = host.probe_host

    def probe(python: str, *, arch: str | None = None) -> host.HostFacts:
        facts = real(python, arch=arch)
        extra = host.HostDist("textfmt", "1.1", site="/usr/lib/python3/dist-packages")
        return replace(facts, dists=(*facts.dists, extra))

    monkeypatch.setattr(host, "probe_host", probe)
    _lock(demo, capsys)
    locked = read_lock(demo.work / "greeter.lock.toml").get_target("host")
    textfmt = next(p for p in locked.package if p.name == "textfmt")
    assert (textfmt.origin, textfmt.version, textfmt.repo) == ("fedora", "1.1", "host-base")
    assert textfmt.rpm == "python3-textfmt"
    colorlib = next(p for p in locked.package if p.name == "colorlib")
    assert colorlib.origin == "bundle"
