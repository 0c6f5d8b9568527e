"""Repository sources: --repo parsing, target defaults, metalink documents, the click options."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from streams.cli.repo_options import base_repo_options, base_specs
from streams.errors import RepoError, UsageError
from streams.solver.repos import (
    RepoSpec,
    parse_metalink,
    parse_repo_option,
    parse_repo_options,
    target_specs,
)
from streams.targets import get_target


@pytest.mark.parametrize(
    ("value", "kind", "location"),
    [
        ("fedora=/srv/repo", "dir", "/srv/repo"),
        ("fedora=relative/dir", "dir", "relative/dir"),
        ("f.4_4-x=file:///srv/repo", "file", "file:///srv/repo"),
        ("u=https://dl.example.org/pub/44/os/", "http", "https://dl.example.org/pub/44/os/"),
        ("u=http://127.0.0.1:8080/repo", "http", "http://127.0.0.1:8080/repo"),
        (
            "fedora=https://mirrors.fedoraproject.org/metalink?repo=fedora-44&arch=x86_64",
            "metalink",
            "https://mirrors.fedoraproject.org/metalink?repo=fedora-44&arch=x86_64",
        ),
        ("m=metalink+https://example.org/ml.xml", "metalink", "https://example.org/ml.xml"),
        ("m=metalink+file:///tmp/ml.xml", "metalink", "file:///tmp/ml.xml"),
    ],
)
def test_parse_repo_option(value: str, kind: str, location: str) -> None:
    spec = parse_repo_option(value)
    assert spec.kind == kind
    assert spec.location == location
    assert spec.name == value.split("=", 1)[0]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("no-equals-sign", "expected NAME=URL"),
        ("=/srv/repo", "bad repository name ''"),
        ("bad name=/srv/repo", "bad repository name 'bad name'"),
        ("fe/dora=/srv/repo", "bad repository name"),
        ("fedora=", "has no URL"),
        ("fedora=ftp://example.org/repo", "cannot use 'ftp://example.org/repo'"),
        ("fedora=https://", "cannot use"),
        ("fedora=metalink+ftp://x/ml", "cannot use"),
    ],
)
def test_bad_repo_option_is_a_usage_error(value: str, fragment: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_repo_option(value)
    assert fragment in err.value.message
    assert err.value.exit_code == 2
    assert err.value.hint


def test_repeated_repo_name_is_rejected() -> None:
    with pytest.raises(UsageError, match="given twice"):
        parse_repo_options(["a=/x", "a=/y"])


def test_live_base_uses_fedora_metalinks() -> None:
    specs = target_specs(get_target("fedora-44-x86_64"), base="live")
    assert [(s.name, s.kind) for s in specs] == [("fedora", "metalink"), ("updates", "metalink")]
    assert "repo=fedora-44&arch=x86_64" in specs[0].url
    assert "repo=updates-released-f44&arch=x86_64" in specs[1].url
    rawhide = target_specs(get_target("fedora-rawhide-aarch64"), base="live")
    assert [s.name for s in rawhide] == ["rawhide"]


def test_repo_options_replace_the_defaults() -> None:
    mine = (RepoSpec("mine", "/srv/r", "dir"),)
    assert target_specs(get_target("fedora-44-x86_64"), base="live", repos=mine) == list(mine)


def test_missing_snapshot_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams import targets

    release = targets.Release("44", 44, "3.14", "no-such-snapshot")
    target = targets.Target("fedora-44-x86_64", "x86_64", "3.14", ".fc44", release)
    with pytest.raises(RepoError) as err:
        target_specs(target, base="snapshot")
    assert "embedded base snapshot 'no-such-snapshot' is not available" in err.value.message
    assert "--base live" in (err.value.hint or "")


V3 = b"""<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic"
  xmlns:mm0="http://fedorahosted.org/mirrormanager" generator="mirrormanager">
 <files>
  <file name="repomd.xml">
   <mm0:timestamp>1767000000</mm0:timestamp>
   <size>7181</size>
   <verification>
    <hash type="md5">0123456789abcdef0123456789abcdef</hash>
    <hash type="sha256">AAAA000000000000000000000000000000000000000000000000000000000000</hash>
   </verification>
   <mm0:alternates>
    <mm0:alternate>
     <mm0:timestamp>1766000000</mm0:timestamp>
     <verification><hash type="sha256">bbbb</hash></verification>
    </mm0:alternate>
   </mm0:alternates>
   <resources maxconnections="1">
    <url protocol="https" type="https" location="DE" preference="99">https://b.example/os/repodata/repomd.xml</url>
    <url protocol="https" type="https" location="US" preference="100">https://a.example/os/repodata/repomd.xml</url>
    <url protocol="rsync" type="rsync" location="US" preference="98">rsync://c.example/os/repodata/repomd.xml</url>
   </resources>
  </file>
 </files>
</metalink>
"""

V4 = b"""<?xml version="1.0" encoding="UTF-8"?>
<metalink xmlns="urn:ietf:params:xml:ns:metalink">
  <file name="repomd.xml">
    <hash type="sha-256">cccc</hash>
    <url priority="2">https://y.example/repodata/repomd.xml</url>
    <url priority="1">https://x.example/repodata/repomd.xml</url>
  </file>
</metalink>
"""


def test_parse_mirrormanager_metalink() -> None:
    ml = parse_metalink(V3, repo="fedora", source="ml")
    assert ("sha256", "aaaa" + "0" * 60) in ml.hashes
    assert ("sha256", "bbbb") in ml.hashes  # alternates count too
    assert ("md5", "0123456789abcdef0123456789abcdef") in ml.hashes
    assert ml.urls[2] == "rsync://c.example/os/repodata/repomd.xml"
    assert ml.baseurls() == ["https://a.example/os/", "https://b.example/os/"]  # no rsync


def test_parse_rfc5854_metalink() -> None:
    ml = parse_metalink(V4, repo="fedora", source="ml")
    assert ml.hashes == (("sha256", "cccc"),)
    assert ml.baseurls() == ["https://x.example/", "https://y.example/"]


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (b"<html>captive portal", "is not valid XML"),
        (b"<metalink><files><file name='other'/></files></metalink>", "does not list repomd.xml"),
        (
            b"<metalink><files><file name='repomd.xml'><hash type='sha256'>aa</hash>"
            b"</file></files></metalink>",
            "lists no mirrors",
        ),
        (
            b"<metalink><files><file name='repomd.xml'><url>https://x/repodata/repomd.xml</url></file></files></metalink>",
            "gives no hash",
        ),
    ],
)
def test_bad_metalink(doc: bytes, fragment: str) -> None:
    with pytest.raises(RepoError) as err:
        parse_metalink(doc, repo="updates", source="https://ml")
    assert err.value.message.startswith("repo updates: ")
    assert fragment in err.value.message


@click.command()
@base_repo_options
def probe(repos: tuple[RepoSpec, ...], base: str, offline: bool) -> None:
    specs = base_specs(get_target("fedora-45-x86_64"), repos=repos, base=base)
    click.echo(f"{base} {offline} " + " ".join(f"{s.name}:{s.kind}" for s in specs))


def test_click_options() -> None:
    runner = CliRunner()
    ok = runner.invoke(probe, ["--repo", "a=/x", "--repo", "b=https://h/p", "--offline"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == "snapshot True a:dir b:http"
    live = runner.invoke(probe, ["--base", "live"])
    assert live.output.strip() == "live False fedora:metalink updates:metalink"
    bad = runner.invoke(probe, ["--repo", "nope"])
    assert bad.exit_code == 2
    assert "Invalid value for '--repo'" in bad.output and "expected NAME=URL" in bad.output
    assert runner.invoke(probe, ["--base", "nightly"]).exit_code == 2
