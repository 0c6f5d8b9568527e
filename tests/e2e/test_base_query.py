"""``streams base query`` through the real entry point: the shipped snapshots offline, a tiny real
repository (rpmbuild + createrepo_c) with ``--repo``, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.cli import main
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cache"))


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object, str]:
    rc = main(["base", "query", "--json", *args])
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def test_torch_on_fedora_45_offline_from_the_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data, _err = _json(
        capsys, "--target", "fedora-45-x86_64", "--offline", "python3dist(torch)"
    )
    assert rc == 0
    assert data == [
        {
            "dep": "python3dist(torch)",
            "providers": [
                {
                    "nevra": "python3-torch-2.12.0-1.fc45.noarch",
                    "name": "python3-torch",
                    "epoch": 0,
                    "version": "2.12.0",
                    "release": "1.fc45",
                    "arch": "noarch",
                    "repo": "fedora",
                }
            ],
        }
    ]


def test_human_output_versioned_file_and_name_queries(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "base",
            "query",
            "--target",
            "fedora-45-aarch64",  # noarch snapshot: the same data serves aarch64
            "python3dist(numpy) >= 2",
            "/usr/bin/python3",
            "python3.14",
            "python(abi) = 3.14",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines() == [
        "python3dist(numpy) >= 2:",
        "  python3-numpy-1:2.5.1-1.fc45.noarch  fedora",
        "/usr/bin/python3:",
        "  python3-3.15.0~rc1-1.fc45.noarch  fedora",
        "python3.14:",
        "  python3.14-3.14.6-1.fc45.noarch  fedora",
        "python(abi) = 3.14:",
        "  python3.14-3.14.6-1.fc45.noarch  fedora",
    ]


def test_each_release_point_has_its_own_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    seen = {}
    for target in ("fedora-43-x86_64", "fedora-44-x86_64", "fedora-rawhide-x86_64"):
        rc, data, _ = _json(capsys, "--target", target, "/usr/bin/python3")
        assert rc == 0
        seen[target] = data[0]["providers"][0]["nevra"]  # type: ignore[index]
    assert seen == {
        "fedora-43-x86_64": "python3-3.14.0~rc1-1.fc43.noarch",
        "fedora-44-x86_64": "python3-3.14.2-1.fc44.noarch",
        "fedora-rawhide-x86_64": "python3-3.15.0~rc1-1.fc46.noarch",
    }


def test_a_dep_nobody_provides_exits_1_and_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data, err = _json(
        capsys, "--target", "fedora-45-x86_64", "python3-requests", "python3dist(no-such-dist)"
    )
    assert rc == 1
    assert [d["dep"] for d in data] == ["python3-requests", "python3dist(no-such-dist)"]  # type: ignore[attr-defined]
    assert data[1]["providers"] == []  # type: ignore[index]
    assert "nothing provides python3dist(no-such-dist)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "fedora-45-x86_64", "python3dist(numpy) >="], "cannot parse dependency"),
        (["--target", "fedora-45-x86_64", "(a with)"], "cannot parse dependency"),
        (["--target", "fedora-99-x86_64", "python3"], "unknown target"),
        (["python3"], "needs --target"),
        (["--repo", "no-equals-sign", "python3"], "expected NAME=URL"),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rc = main(["base", "query", *args])
    assert rc == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_repo_option_reads_a_real_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkgs = [
        FixtureRpm(
            "python3-alpha",
            "1.1",
            provides=("python3dist(alpha) = 1.1",),
            files=(("/usr/bin/alpha", "#!/bin/sh\n"),),
        ),
        FixtureRpm("python3-alpha", "2.0", epoch=1, provides=("python3dist(alpha) = 2.0",)),
        FixtureRpm("beta", "0.5", files=(("/usr/share/beta/data.txt", "x\n"),)),
    ]
    repo = make_repo(build_rpms(pkgs, tmp_path / "build"), tmp_path / "repo")
    rc, data, _ = _json(
        capsys,
        "--repo",
        f"tiny={repo}",
        "python3dist(alpha) >= 1",
        "python3dist(alpha) < 2",
        "/usr/share/beta/data.txt",
        "beta",
    )
    assert rc == 0
    nevras = {d["dep"]: [(p["nevra"], p["repo"]) for p in d["providers"]] for d in data}  # type: ignore[attr-defined]
    assert nevras == {
        "python3dist(alpha) >= 1": [
            ("python3-alpha-1:2.0-1.noarch", "tiny"),  # newest first
            ("python3-alpha-1.1-1.noarch", "tiny"),
        ],
        "python3dist(alpha) < 2": [("python3-alpha-1.1-1.noarch", "tiny")],
        "/usr/share/beta/data.txt": [("beta-0.5-1.noarch", "tiny")],  # from filelists.xml
        "beta": [("beta-0.5-1.noarch", "tiny")],
    }
    # --target with --repo: the repo replaces the snapshot
    rc, data, _ = _json(capsys, "--target", "fedora-45-x86_64", "--repo", f"tiny={repo}", "python3")
    assert rc == 1
