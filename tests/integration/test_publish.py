"""streams publish on real RPMs: createrepo_c metadata, incremental re-runs, the .repo file,
and signing with a throw-away GnuPG key verified by rpm -K and gpgv."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import solv
from click.testing import CliRunner

from streams.cli import cli
from streams.errors import PublishError
from streams.publish import publish_repo, repo_file_text, verify_repomd, verify_rpms
from streams.solver.repos import RepoSpec, load_repo
from tests.helpers.streamrpms import build_fixture_sets, stage

pytestmark = pytest.mark.slow

RECIPE = """\
[stream]
name = "demo"
summary = "The demo stream"
license = "MIT"
targets = ["fedora-44-x86_64"]
exports = ["hello"]

[requires]
hello = "==1.0"
"""


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    return build_fixture_sets(tmp_path_factory.mktemp("streamrpms"))


def _repo_ini(path: Path) -> configparser.SectionProxy:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(path)
    assert cfg.sections() == ["demo-stream"]
    return cfg["demo-stream"]


def _solvables(repo_dir: Path) -> list[str]:
    pool = solv.Pool()
    pool.setarch("x86_64")
    loaded = load_repo(pool, RepoSpec("t", str(repo_dir), "dir"), filelists=True)
    return sorted(str(s) for s in loaded.repo.solvables)


def test_publish_makes_a_repository_dnf_can_read(
    sets: dict[str, list[Path]], tmp_path: Path
) -> None:
    rpms = stage(sets["good"], tmp_path / "rpms")
    res = publish_repo(rpms, tmp_path / "repo", stream="demo", summary="The demo\nstream")

    assert _solvables(res.repo_dir) == [
        "demo-stream-1.0-1.noarch",
        "demo-stream-python3-greet-2.1-1.noarch",
        "demo-stream-python3-hello-1.0-1.noarch",
        "demo-stream-runtime-1.0-1.noarch",
    ]
    ini = _repo_ini(res.repo_file)
    assert res.repo_file.name == "demo-stream.repo"
    assert ini["name"] == "The demo stream"  # the newline cannot open a new INI line
    assert ini["baseurl"] == (tmp_path / "repo").resolve().as_uri()
    assert ini["enabled"] == "1"
    assert ini["gpgcheck"] == "0"
    assert "gpgkey" not in ini and "repo_gpgcheck" not in ini
    assert stat.S_IMODE(res.repo_file.stat().st_mode) == 0o644
    assert not res.incremental and "--update" not in res.createrepo_argv


def test_republish_is_incremental(sets: dict[str, list[Path]], tmp_path: Path) -> None:
    rpms = stage(sets["good"], tmp_path / "rpms")
    repo = tmp_path / "repo"
    first = publish_repo(rpms, repo, stream="demo")
    mtimes = {p.name: p.stat().st_mtime_ns for p in repo.glob("*.rpm")}

    second = publish_repo(rpms, repo, stream="demo")
    assert second.incremental and "--update" in second.createrepo_argv
    assert second.copied == ()
    assert {p.name: p.stat().st_mtime_ns for p in repo.glob("*.rpm")} == mtimes
    assert second.packages == first.packages

    # a new build result is added, a vanished one removed, the rest left alone
    new = next(p for p in sets["other"] if p.name == "other-stream-0.1-1.noarch.rpm")
    stage([new], rpms)
    (rpms / "demo-stream-python3-greet-2.1-1.noarch.rpm").unlink()
    third = publish_repo(rpms, repo, stream="demo")
    assert third.copied == ("other-stream-0.1-1.noarch.rpm",)
    assert third.removed == ("demo-stream-python3-greet-2.1-1.noarch.rpm",)
    names = _solvables(repo)
    assert "other-stream-0.1-1.noarch" in names
    assert "demo-stream-python3-greet-2.1-1.noarch" not in names


def test_publish_without_rpms_says_so(tmp_path: Path) -> None:
    (tmp_path / "rpms").mkdir()
    with pytest.raises(PublishError, match="no binary RPMs"):
        publish_repo(tmp_path / "rpms", tmp_path / "repo", stream="demo")


def test_repo_file_with_baseurl_and_key() -> None:
    text = repo_file_text(
        "demo", "https://example.org/demo/", gpgkey="https://example.org/demo/RPM-GPG-KEY-x"
    )
    assert text.splitlines() == [
        "[demo-stream]",
        "name=demo stream",
        "baseurl=https://example.org/demo/",
        "enabled=1",
        "gpgcheck=1",
        "repo_gpgcheck=1",
        "gpgkey=https://example.org/demo/RPM-GPG-KEY-x",
    ]


# --- signing --------------------------------------------------------------------------------

needs_signing_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("rpmsign", "gpg", "gpgv")),
    reason="rpmsign, gpg and gpgv are needed (Fedora: rpm-sign, gnupg2; Debian: rpm, gpg, gpgv)",
)

KEY_UID = "streams test key <streams-test@example.invalid>"


@pytest.fixture
def gnupghome(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throw-away keyring with one passphrase-less signing key (the test's own fixture).

    Short path under /tmp: gpg-agent's socket path must fit in a sun_path.
    """
    home = Path(tempfile.mkdtemp(prefix="sgpg", dir="/tmp"))
    home.chmod(0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", KEY_UID, "rsa2048", "sign"],
        check=True,
        capture_output=True,
    )
    yield home
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


@needs_signing_tools
def test_signed_publish_round_trip(
    sets: dict[str, list[Path]], tmp_path: Path, gnupghome: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.toml").write_text(RECIPE)
    stage(sets["good"], tmp_path / "out/demo/fedora-44-x86_64/rpms")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["publish", "demo.toml", "--sign", "streams-test@example.invalid"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "PRIVATE KEY" not in result.output and "BEGIN PGP" not in result.output

    repo = tmp_path / "out/demo/fedora-44-x86_64/repo"
    key = repo / "RPM-GPG-KEY-demo-stream"
    key_text = key.read_text()
    assert key_text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE" not in key_text
    ini = _repo_ini(repo / "demo-stream.repo")
    assert (ini["gpgcheck"], ini["repo_gpgcheck"]) == ("1", "1")
    assert ini["gpgkey"] == key.resolve().as_uri()

    # rpm -K with only the exported key in a scratch rpmdb: every package's signature is OK
    rpms = sorted(repo.glob("*.rpm"))
    with tempfile.TemporaryDirectory() as db:
        subprocess.run(["rpm", "--dbpath", db, "--import", str(key)], check=True)
        for rpm_file in rpms:
            out = subprocess.run(
                ["rpm", "--dbpath", db, "-K", str(rpm_file)], capture_output=True, text=True
            )
            assert out.returncode == 0 and out.stdout.strip().endswith("signatures OK"), out
    assert verify_rpms(rpms, key) == []
    # the metadata signature verifies, and stops verifying once repomd.xml is changed
    assert verify_repomd(repo, key) is None
    repomd = repo / "repodata" / "repomd.xml"
    repomd.write_text(repomd.read_text().replace("<revision>", "<revision>1"))
    assert verify_repomd(repo, key) == "repomd.xml.asc does not verify with RPM-GPG-KEY-demo-stream"

    # a second run re-signs nothing and signs the new repomd.xml again
    again = runner.invoke(
        cli, ["publish", "demo.toml", "--sign", "streams-test@example.invalid", "--json"]
    )
    assert again.exit_code == 0, again.output
    assert '"copied": []' in again.output
    assert verify_repomd(repo, key) is None


@needs_signing_tools
def test_unknown_key_is_refused_and_none_is_created(
    sets: dict[str, list[Path]], tmp_path: Path, gnupghome: Path
) -> None:
    rpms = stage(sets["good"], tmp_path / "rpms")
    with pytest.raises(PublishError, match=r"no secret key 'nobody@example\.invalid'"):
        publish_repo(rpms, tmp_path / "repo", stream="demo", sign_key="nobody@example.invalid")
    listed = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--list-secret-keys"],
        capture_output=True,
        text=True,
        env={**os.environ, "GNUPGHOME": str(gnupghome)},
    )
    assert listed.stdout.count("\nsec:") + listed.stdout.startswith("sec:") == 1
    assert not (tmp_path / "repo").exists()


def test_publish_cli_reports_missing_build_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.toml").write_text(RECIPE)
    from streams.cli import main

    assert main(["publish", "demo.toml"]) == 1
    err = capsys.readouterr().err
    assert "out/demo/fedora-44-x86_64/rpms does not exist" in err
    assert "Traceback" not in err
