"""A real application end to end, offline: httpie 3.2.4 from a recorded index, for the host.

``tests/data/index/httpie`` is PyPI trimmed to httpie's closure and everything its sdists
need to build (recorded with ``tools/record_index.py --real-files``, see
``tests/data/index/README.md``): the real sdists, and the real wheels that build environments
install.  The sources cache is filled from those files (by sha256, as a download would), so
nothing is fetched: the lock runs ``--offline`` and the build in a network namespace.

The test is what a new user does: lock for ``host`` with no ``--repo`` (the host base), build
every package from its sdist with ``-j 2``, publish, ``streams lint`` (rpmlint with Fedora's
configuration: no error), ``streams check`` (firewall, conflicts,
installability, a real install into a scratch root whose commands run in bubblewrap), then run
``http --offline`` from the installed root and see the request it would send.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from streams.checks.smoke import sandbox_argv
from streams.cli import main

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm2cpio", "createrepo_c", "bwrap")),
        reason="rpmbuild, rpm2cpio, createrepo_c and bwrap are needed (scripts/setup.sh)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="the install-and-run check needs root"),
]

INDEX = Path(__file__).resolve().parents[1] / "data" / "index" / "httpie"
PREFIX = "/opt/streams/httpie"

RECIPE = """\
[stream]
name = "httpie"
summary = "httpie as an isolated dependency stream"
license = "MIT"
targets = ["fedora-44-x86_64"]
exports = ["http", "https"]

[requires]
httpie = "==3.2.4"

[index]
url = "{index}"
"""


def _fill_source_cache(cache: Path) -> int:
    """Every real file of the recorded index into the sources cache, named by its sha256."""
    sources = cache / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted((INDEX / "files").iterdir()):
        if path.suffix == ".metadata":
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        shutil.copyfile(path, sources / digest)
        n += 1
    return n


def _streams(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


def test_httpie_locks_builds_installs_and_runs_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(cache))
    monkeypatch.chdir(tmp_path)
    assert _fill_source_cache(cache) > 20
    recipe = tmp_path / "recipes" / "httpie.toml"
    recipe.parent.mkdir()
    recipe.write_text(RECIPE.format(index=(INDEX / "simple").as_uri()))

    code, text = _streams(["lock", str(recipe), "--target", "host", "--offline"], capsys)
    assert code == 0, text
    lock = tomllib.loads((tmp_path / "recipes" / "httpie.lock.toml").read_text())
    (target,) = lock["target"]
    assert target["name"] == "host" and target["repo"][0]["name"] == "host-base"
    packages = {p["name"]: p for p in target["package"]}
    assert packages["httpie"]["origin"] == "bundle"
    bundled = [p for p in packages.values() if p["origin"] == "bundle"]
    # every bundled distribution builds from its sdist, but certifi: 2026.10.19.post1 was
    # uploaded as a wheel only (https://pypi.org/project/certifi/2026.10.19.post1/#files)
    wheel_only = {p["name"] for p in bundled if all(s["kind"] == "wheel" for s in p["sources"])}
    assert wheel_only == {"certifi"}
    assert not any("wheel" in w for w in target.get("warnings", ())), target["warnings"]
    # multidict is a C extension: it has its compiler, and its spec is not noarch
    assert any(t["rpm"] == "gcc" for t in packages["multidict"]["build-tools"])

    code, text = _streams(
        ["build", str(recipe), "--backend", "local", "--target", "host", "-j", "2"], capsys
    )
    assert code == 0, text
    specs = tmp_path / "out" / "httpie" / "host" / "specs" / "SPECS"
    multidict_spec = (specs / "httpie-stream-python3-multidict.spec").read_text()
    assert "BuildArch:      noarch" not in multidict_spec
    assert "BuildRequires:  gcc" in multidict_spec
    for p in bundled:
        if p["name"] in wheel_only:
            continue
        spec = (specs / f"{p['rpm']}.spec").read_text()
        assert "pip wheel" in spec, f"{p['name']} is not built from its sdist"
    rpms = sorted((tmp_path / "out" / "httpie" / "host" / "repo").rglob("*.rpm"))
    assert len(rpms) == len(bundled) + 2  # + the runtime and the metapackage
    # no file outside the prefix but the exports, in any RPM
    for rpm in rpms:
        files = subprocess.run(
            ["rpm", "-qpl", str(rpm)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        outside = [
            f
            for f in files
            if not f.startswith(PREFIX)
            and f not in ("/usr/bin/http", "/usr/bin/https", "/opt/streams")
        ]
        assert not outside, (rpm.name, outside)

    # rpmlint with Fedora's configuration: no error on any spec or RPM
    code, text = _streams(["lint", str(recipe), "--target", "host"], capsys)
    assert code == 0, text
    assert " 0 errors" in text

    code, text = _streams(["check", str(recipe), "--target", "host", "--keep-root"], capsys)
    assert code == 0, text
    assert "rpm instead of dnf: the host-base repository describes this machine" in text
    assert "/usr/bin/http --help exited 0" in text
    root = Path(text.split("scratch root kept at ", 1)[1].split()[0])
    try:
        box = sandbox_argv(root, [PREFIX])
        run = subprocess.run(
            [
                *box,
                f"{PREFIX}/bin/http",
                "--offline",
                "--ignore-stdin",
                "--print=H",
                "example.org/streams",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "GET /streams HTTP/1.1" in run.stdout
        assert "User-Agent: HTTPie/3.2.4" in run.stdout
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
