"""Image manifests parse with the tools (or the schemas) that consume them.

* kickstart: pykickstart's own parser, latest syntax version;
* blueprint: TOML, with the fields and validation rules of osbuild/images'
  ``pkg/blueprint/repository_customizations.go`` (``validateCustomRepository``);
* treefile: YAML whose keys are rpm-ostree treefile keys (rpm-ostree docs/treefile.md);
* containerfile: the instructions it must contain.
Plus the prefix warnings of ``streams check --manifest-format``.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion

from streams.checks.image_prefix import image_prefix_warnings
from streams.errors import UsageError
from streams.publish.manifests import (
    FORMATS,
    ManifestInput,
    RepoRef,
    manifest_input,
    render,
)
from streams.publish.repo import repo_file_text
from streams.recipe import Recipe, load_recipe
from streams.targets import get_target

URL = "https://repo.example.org/demo-stream/fedora-44-x86_64/"
KEY = URL + "RPM-GPG-KEY-demo-stream"

# rpm-ostree docs/treefile.md: the keys a fragment of ours may use.
TREEFILE_KEYS = {"repos", "repo-packages", "opt-usrlocal", "packages", "include"}
# osbuild/images pkg/blueprint/repository_customizations.go, RepositoryCustomization toml tags.
BLUEPRINT_REPO_KEYS = {
    "id",
    "baseurls",
    "gpgkeys",
    "metalink",
    "mirrorlist",
    "name",
    "priority",
    "enabled",
    "gpgcheck",
    "repo_gpgcheck",
    "sslverify",
    "module_hotfixes",
    "filename",
    "install_from",
}
REPO_FILENAME_RE = re.compile(r"^[\w.-]{1,250}\.repo$")  # repoFilenameRegex, same file


def _recipe(tmp_path: Path, prefix: str | None = None, name: str = "demo") -> Recipe:
    prefix_line = f'prefix = "{prefix}"\n' if prefix else ""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        "[stream]\n"
        f'name = "{name}"\n'
        'summary = "A demo stream, with \\"quotes\\" and % signs"\n'
        'license = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n'
        f"{prefix_line}"
        "\n[requires]\n"
        'cowsay = "==6.1"\n',
        encoding="utf-8",
    )
    return load_recipe(path)


def _input(signed: bool = False, prefix: str = "/opt/streams/demo") -> ManifestInput:
    return ManifestInput(
        stream="demo",
        summary='A demo stream, with "quotes" and % signs',
        prefix=prefix,
        releasever=44,
        repo=RepoRef(URL, KEY if signed else None, placeholder=False),
    )


# -- kickstart -------------------------------------------------------------------------------------


@pytest.mark.parametrize("signed", [False, True])
def test_kickstart_is_accepted_by_pykickstart(signed: bool) -> None:
    text = render("kickstart", _input(signed))
    parser = KickstartParser(makeVersion())
    parser.readKickstartFromString(text)
    handler = parser.handler
    repos = {r.name: r for r in handler.repo.repoList}
    assert repos["demo-stream"].baseurl == URL
    assert handler.packages.packageList == ["demo-stream"]
    (post,) = handler.scripts
    repo = configparser.ConfigParser(interpolation=None)
    body = post.script.split("<<'STREAMS_REPO_EOF'\n", 1)[1].split("STREAMS_REPO_EOF", 1)[0]
    repo.read_string(body)
    assert repo["demo-stream"]["gpgcheck"] == ("1" if signed else "0")
    if signed:
        assert repo["demo-stream"]["gpgkey"] == KEY


# -- blueprint -------------------------------------------------------------------------------------


def _validate_blueprint_repo(repo: dict[str, object]) -> None:
    """validateCustomRepository (osbuild/images), re-stated."""
    assert set(repo) <= BLUEPRINT_REPO_KEYS, set(repo) - BLUEPRINT_REPO_KEYS
    assert repo["id"]
    assert REPO_FILENAME_RE.match(str(repo.get("filename", f"{repo['id']}.repo")))
    assert repo.get("baseurls") or repo.get("metalink") or repo.get("mirrorlist")
    if repo.get("gpgcheck") is True:
        assert repo.get("gpgkeys"), "gpgcheck = true needs gpgkeys"


@pytest.mark.parametrize("signed", [False, True])
def test_blueprint_parses_as_toml_with_image_builder_fields(signed: bool) -> None:
    data = tomllib.loads(render("blueprint", _input(signed)))
    assert data["name"] == "demo-stream"
    assert data["description"] == 'A demo stream, with "quotes" and % signs'
    assert re.match(r"^\d+\.\d+\.\d+$", data["version"])  # semver, as the reference asks
    assert data["distro"] == "fedora-44"
    assert data["packages"] == [{"name": "demo-stream", "version": "*"}]
    (repo,) = data["customizations"]["repositories"]
    _validate_blueprint_repo(repo)
    assert repo["baseurls"] == [URL]
    assert repo["install_from"] is True
    assert repo["gpgcheck"] is signed
    if signed:
        assert repo["gpgkeys"] == [KEY]
        assert repo["repo_gpgcheck"] is True


# -- treefile --------------------------------------------------------------------------------------


def test_treefile_parses_as_yaml_with_rpm_ostree_keys() -> None:
    data = yaml.safe_load(render("treefile", _input()))
    assert set(data) <= TREEFILE_KEYS
    assert data["repos"] == ["demo-stream"]
    assert data["repo-packages"] == [{"repo": "demo-stream", "packages": ["demo-stream"]}]
    assert data["opt-usrlocal"] == "root"  # the stream lives under /opt: keep /opt in the image


def test_treefile_leaves_opt_alone_for_a_prefix_outside_opt() -> None:
    data = yaml.safe_load(render("treefile", _input(prefix="/app/demo")))
    assert "opt-usrlocal" not in data


def test_treefile_comment_carries_the_repo_file_to_save_beside_it() -> None:
    text = render("treefile", _input(signed=True))
    commented = "\n".join(ln[4:] for ln in text.splitlines() if ln.startswith("#   "))
    expected = repo_file_text("demo", URL, summary=_input().summary, gpgkey=KEY)
    assert commented + "\n" == expected


# -- containerfile ---------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword, rest))
    return out


def test_containerfile_has_the_instructions_it_must_contain() -> None:
    ins = _instructions(render("containerfile", _input()))
    assert {k for k, _ in ins} <= {"FROM", "RUN"}
    assert [r for k, r in ins if k == "FROM"] == ["quay.io/fedora/fedora-bootc:44"]
    assert ins[0][0] == "FROM"
    runs = [r for k, r in ins if k == "RUN"]
    assert any(r.endswith("> /etc/yum.repos.d/demo-stream.repo") for r in runs)
    assert "dnf install -y demo-stream && dnf clean all" in runs
    assert runs[-1] == "bootc container lint"
    # the /opt guard comes before the install
    guard = next(i for i, r in enumerate(runs) if "test ! -L /opt" in r)
    install = runs.index("dnf install -y demo-stream && dnf clean all")
    assert guard < install


def test_containerfile_without_opt_prefix_has_no_opt_guard() -> None:
    text = render("containerfile", _input(prefix="/app/demo"))
    assert "/opt" not in "\n".join(r for _, r in _instructions(text))


# -- all formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_placeholder_urls_are_flagged_loudly(fmt: str) -> None:
    inp = ManifestInput("demo", "s", "/opt/streams/demo", 44, RepoRef("file:///x", None, True))
    assert "REPLACE THE REPOSITORY URL" in render(fmt, inp)
    assert "REPLACE" not in render(fmt, _input())


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_deterministic(fmt: str) -> None:
    assert render(fmt, _input(True)) == render(fmt, _input(True))


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render("dockerfile", _input())


# -- manifest_input --------------------------------------------------------------------------------


def test_input_reads_the_published_repo_file_and_key(tmp_path: Path) -> None:
    rec = _recipe(tmp_path)
    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    (repo_dir / "demo-stream.repo").write_text(
        repo_file_text("demo", URL, summary="x", gpgkey=KEY), encoding="utf-8"
    )
    inp = manifest_input(rec, get_target("fedora-44-x86_64"), repo_dir=repo_dir)
    assert inp.repo == RepoRef(URL, KEY, False)
    assert inp.releasever == 44


def test_input_without_published_repo_is_a_placeholder(tmp_path: Path) -> None:
    rec = _recipe(tmp_path)
    inp = manifest_input(rec, get_target("fedora-45-x86_64"), repo_dir=tmp_path / "none")
    assert inp.repo.placeholder
    assert inp.repo.gpgkey is None
    assert inp.releasever == 45


def test_repo_url_given_and_key_file_beside_the_repo_means_signed(tmp_path: Path) -> None:
    rec = _recipe(tmp_path)
    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    (repo_dir / "RPM-GPG-KEY-demo-stream").write_text("key", encoding="utf-8")
    inp = manifest_input(
        rec, get_target("fedora-44-x86_64"), repo_dir=repo_dir, repo_url="https://h.example/r"
    )
    assert inp.repo == RepoRef(
        "https://h.example/r", "https://h.example/r/RPM-GPG-KEY-demo-stream", False
    )


def test_local_file_url_counts_as_placeholder(tmp_path: Path) -> None:
    rec = _recipe(tmp_path)
    inp = manifest_input(
        rec, get_target("fedora-44-x86_64"), repo_dir=tmp_path, repo_url=tmp_path.as_uri()
    )
    assert inp.repo.placeholder


@pytest.mark.parametrize("bad", ["not a url", "/abs/path", "https://x.org/a b"])
def test_bad_repo_url_is_bad_input(tmp_path: Path, bad: str) -> None:
    rec = _recipe(tmp_path)
    with pytest.raises(UsageError) as err:
        manifest_input(rec, get_target("fedora-44-x86_64"), repo_dir=tmp_path, repo_url=bad)
    assert err.value.exit_code == 2


# -- prefix warnings -------------------------------------------------------------------------------


def test_default_opt_prefix_warns_for_image_formats_at_the_stream_table(tmp_path: Path) -> None:
    rec = _recipe(tmp_path)
    for fmt in ("containerfile", "treefile", "blueprint"):
        (w,) = image_prefix_warnings(rec, fmt)
        assert w.file == str(tmp_path / "demo.toml")
        assert w.line == 1  # [stream]: where a prefix would be added
        assert "default prefix /opt/streams/demo" in w.message
        assert w.hint
    assert image_prefix_warnings(rec, "kickstart") == []


def test_var_linked_prefix_warns_at_the_prefix_line(tmp_path: Path) -> None:
    rec = _recipe(tmp_path, prefix="/srv/streams/demo")
    (w,) = image_prefix_warnings(rec, "containerfile")
    assert w.line == 6
    assert "/var/srv" in w.message
    assert 'prefix = "/opt/streams/demo"' in (w.hint or "")
    assert image_prefix_warnings(rec, "kickstart") == []


def test_own_top_level_prefix_is_quiet(tmp_path: Path) -> None:
    rec = _recipe(tmp_path, prefix="/app/demo")
    for fmt in FORMATS:
        assert image_prefix_warnings(rec, fmt) == []
