"""`streams manifest` through the real entry point, and the Containerfile's shell run by bash.

The Containerfile's RUN lines are shell; running them (with the image paths moved into a
scratch directory) proves the .repo file they write is the one `streams publish` writes and
that the /opt guard stops a build whose /opt is a link into /var.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from streams.cli import main
from streams.publish.manifests import ManifestInput, RepoRef, render
from streams.publish.repo import repo_file_text

REPO = Path(__file__).resolve().parents[2]
URL = "https://repo.example.org/hello-stream/fedora-$releasever-$basearch/"


def _runs(text: str) -> list[str]:
    return [ln[4:] for ln in text.splitlines() if ln.startswith("RUN ")]


def _bash(cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True)


def test_containerfile_shell_writes_the_published_repo_file(tmp_path: Path) -> None:
    inp = ManifestInput(
        "hello",
        "it's a 'quoted' $summary",
        "/opt/streams/hello",
        44,
        RepoRef(URL, URL + "K", False),
    )
    (write,) = [r for r in _runs(render("containerfile", inp)) if "yum.repos.d" in r]
    res = _bash(write.replace("/etc/yum.repos.d/", "./"), tmp_path)
    assert res.returncode == 0, res.stderr
    written = (tmp_path / "hello-stream.repo").read_text(encoding="utf-8")
    assert written == repo_file_text("hello", URL, summary=inp.summary, gpgkey=URL + "K")


def test_containerfile_opt_guard(tmp_path: Path) -> None:
    inp = ManifestInput("hello", "s", "/opt/streams/hello", 44, RepoRef(URL, None, False))
    (guard,) = [r for r in _runs(render("containerfile", inp)) if "/opt" in r]
    local = guard.replace("/opt", "./opt")
    (tmp_path / "opt").mkdir()
    assert _bash(local, tmp_path).returncode == 0  # fedora-bootc: /opt is a directory
    (tmp_path / "opt").rmdir()
    (tmp_path / "var" / "opt").mkdir(parents=True)
    (tmp_path / "opt").symlink_to("var/opt")
    res = _bash(local, tmp_path)
    assert res.returncode == 1  # /opt -> var/opt: stop the build
    assert "/opt is a link into /var" in res.stderr


@pytest.fixture
def _in_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO)  # ./recipes = the shipped recipes; out/ is not published here


def test_cli_manifest_output_file_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _in_repo: None
) -> None:
    out = tmp_path / "hello.ks"
    code = main(
        [
            "manifest",
            "hello",
            "-f",
            "kickstart",
            "--repo-url",
            "https://r.example/h/",
            "-o",
            str(out),
        ]
    )
    o, e = capsys.readouterr()
    assert code == 0, e
    assert o == ""
    assert "repo --name=hello-stream --baseurl=https://r.example/h/" in out.read_text()
    assert e == ""  # a real URL, package mode: nothing to warn about

    code = main(["manifest", "hello", "--format", "treefile", "--json", "-t", "fedora-45-x86_64"])
    o, e = capsys.readouterr()
    assert code == 0, e
    data = json.loads(o)
    assert data["format"] == "treefile" and data["target"] == "fedora-45-x86_64"
    assert data["placeholder"] is True
    assert "opt-usrlocal" in data["text"]
    (w,) = data["warnings"]
    assert w["path"] == "stream.prefix" and w["file"].endswith("hello.toml")
    assert "warning: recipes/hello.toml:" in e


def test_cli_bad_input_exits_2(capsys: pytest.CaptureFixture[str], _in_repo: None) -> None:
    assert main(["manifest", "hello", "-f", "dockerfile"]) == 2
    assert main(["manifest", "hello", "-f", "blueprint", "--repo-url", "no url"]) == 2
    _, e = capsys.readouterr()
    assert "error: --repo-url 'no url' is not a URL" in e
    assert "Traceback" not in e


def test_check_manifest_format_warns_before_checking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _in_repo: None
) -> None:
    code = main(
        ["check", "hello", "--manifest-format", "containerfile", "--repo-dir", str(tmp_path)]
    )
    _, e = capsys.readouterr()
    assert code != 0  # nothing published in tmp_path
    assert "warning: recipes/hello.toml:5:1: stream.prefix: default prefix /opt/streams/hello" in e
    code = main(["check", "hello", "--manifest-format", "kickstart", "--repo-dir", str(tmp_path)])
    _, e = capsys.readouterr()
    assert "warning:" not in e
