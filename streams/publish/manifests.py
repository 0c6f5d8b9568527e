"""Image manifests: paste a stream into a bootc Containerfile, an rpm-ostree treefile, an
image-builder blueprint or a kickstart (``streams manifest RECIPE --format FORMAT``).

Each fragment adds the stream's repository (with its GPG key when the repository is signed) and
installs ``NAME-stream``.  :func:`manifest_input` gathers the facts at the edge (recipe, target,
published repository); :func:`render` is pure and deterministic.

The ``/opt`` approach (docs/concepts.md, "Image mode"): the stream keeps its prefix and the
manifests make that prefix part of the image.  fedora-bootc bases already keep ``/opt`` a plain,
read-only directory of the image (rpm-ostree ``opt-usrlocal: root`` with composefs), so the
Containerfile only stops the build on a base where ``/opt`` is still a link into ``/var``; the
treefile sets ``opt-usrlocal: root`` itself.  A stream in ``/var`` would be unpacked on the
first boot only and never updated (bootc docs, docs/src/filesystem.md), which
:mod:`streams.checks.image_prefix` warns about.

Formats, with their sources:

* containerfile -- Containerfile(5) instructions; base ``quay.io/fedora/fedora-bootc:NN`` and
  ``bootc container lint`` from the bootc docs (docs/src/building/guidance.md).
* treefile -- rpm-ostree treefile keys ``repos``, ``repo-packages``, ``opt-usrlocal``
  (coreos.github.io/rpm-ostree/treefile/, rpm-ostree docs/treefile.md), written as YAML for
  ``include:`` from the main treefile.
* blueprint -- osbuild-composer / image-builder blueprint TOML: ``name``, ``description``,
  ``version``, ``distro``, ``[[packages]]`` and ``[[customizations.repositories]]`` whose keys
  are osbuild/images ``pkg/blueprint/repository_customizations.go``'s
  ``RepositoryCustomization`` (``id``, ``name``, ``filename``, ``baseurls``, ``gpgkeys``,
  ``gpgcheck``, ``repo_gpgcheck``, ``enabled``, ``install_from``); blueprint reference:
  osbuild.org/docs/user-guide/blueprint-reference.
* kickstart -- pykickstart's ``repo --name= --baseurl=`` and ``%packages``/``%end``; anaconda's
  ``repo`` command has no GPG key option, so a ``%post`` writes the stream's ``.repo`` file.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from streams.errors import UsageError
from streams.publish.repo import repo_file_text
from streams.publish.sign import key_file_name
from streams.recipe import Recipe
from streams.targets import Target

FORMATS: tuple[str, ...] = ("containerfile", "treefile", "blueprint", "kickstart")

BOOTC_IMAGE = "quay.io/fedora/fedora-bootc"
"""Fedora's bootc base images (tag = Fedora release)."""

PLACEHOLDER_URL = "https://REPLACE-ME.example.org/{stream}-stream/fedora-$releasever-$basearch/"
"""Stands for the published repository when none is known: the user must replace it."""

_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


@dataclass(frozen=True, slots=True)
class RepoRef:
    """Where images get the stream from."""

    baseurl: str
    gpgkey: str | None
    """URL of the public key (signed repositories), else None."""
    placeholder: bool
    """True when ``baseurl`` is not a URL an image build can reach (a placeholder, or the
    ``file://`` URL of a local repository): the fragment says so loudly."""


@dataclass(frozen=True, slots=True)
class ManifestInput:
    """Everything a manifest needs, gathered by :func:`manifest_input`."""

    stream: str
    summary: str
    prefix: str
    releasever: int | None
    """The target's Fedora release (None for the host target)."""
    repo: RepoRef

    @property
    def package(self) -> str:
        return f"{self.stream}-stream"

    @property
    def repo_id(self) -> str:
        return f"{self.stream}-stream"

    @property
    def repo_file(self) -> str:
        return repo_file_text(
            self.stream, self.repo.baseurl, summary=self.summary, gpgkey=self.repo.gpgkey
        )

    @property
    def opt_prefix(self) -> bool:
        return self.prefix == "/opt" or self.prefix.startswith("/opt/")


def _check_url(value: str, option: str) -> str:
    if not _URL_RE.match(value):
        raise UsageError(
            f"{option} {value!r} is not a URL",
            hint="an absolute URL without spaces, e.g. https://example.org/vllm-stream/"
            "fedora-44-x86_64/ (where `streams publish --baseurl` said users reach the repo)",
        )
    return value


def _published(repo_dir: Path, stream: str) -> tuple[str | None, str | None]:
    """baseurl and gpgkey of the ``NAME-stream.repo`` file ``streams publish`` wrote."""
    path = repo_dir / f"{stream}-stream.repo"
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(path.read_text(encoding="utf-8"))
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None, None
    section = f"{stream}-stream"
    if not cfg.has_section(section):
        return None, None
    return cfg.get(section, "baseurl", fallback=None), cfg.get(section, "gpgkey", fallback=None)


def manifest_input(
    recipe: Recipe,
    target: Target,
    *,
    repo_dir: Path,
    repo_url: str | None = None,
    gpgkey: str | None = None,
) -> ManifestInput:
    """Gather the facts for a manifest of ``recipe`` on ``target``.

    The repository URL is ``repo_url``, else the ``baseurl`` of the ``NAME-stream.repo`` that
    ``streams publish`` wrote into ``repo_dir``, else a placeholder.  The repository counts as
    signed when ``gpgkey`` is given, when the published ``.repo`` names a key, or when
    ``RPM-GPG-KEY-NAME-stream`` lies in ``repo_dir`` (then the key URL is beside the repo).
    """
    name = recipe.name
    pub_url, pub_key = _published(repo_dir, name)
    if repo_url is not None:
        url = _check_url(repo_url, "--repo-url")
    elif pub_url is not None:
        url = pub_url
    else:
        url = PLACEHOLDER_URL.format(stream=name)
    key = _check_url(gpgkey, "--gpgkey") if gpgkey is not None else None
    if key is None and (repo_dir / key_file_name(name)).is_file():
        key = f"{url.rstrip('/')}/{key_file_name(name)}"
    if key is None and repo_url is None:
        key = pub_key
    placeholder = url.startswith("file:") or "REPLACE-ME" in url
    return ManifestInput(
        stream=name,
        summary=recipe.stream.summary,
        prefix=recipe.prefix,
        releasever=target.release.number if target.release else None,
        repo=RepoRef(url, key, placeholder),
    )


# -- rendering (pure) -----------------------------------------------------------------------------


def _header(inp: ManifestInput, fmt: str, mark: str = "#") -> list[str]:
    lines = [
        f"{mark} {inp.package}: {fmt} fragment generated by `streams manifest {inp.stream} "
        f"--format {fmt}`.",
        f"{mark} Installs {inp.package} ({inp.summary}) into {inp.prefix}.",
    ]
    if inp.repo.placeholder:
        lines += [
            f"{mark} !!! REPLACE THE REPOSITORY URL BELOW: {inp.repo.baseurl}",
            f"{mark} !!! is a placeholder or a file:// URL of this machine, which an image build",
            f"{mark} !!! cannot reach. Publish the repository where images can fetch it and pass",
            f"{mark} !!! --repo-url URL (or run `streams publish --baseurl URL` first).",
        ]
    if inp.repo.gpgkey:
        lines.append(f"{mark} The repository is signed: gpgcheck=1, key {inp.repo.gpgkey}")
    else:
        lines.append(
            f"{mark} The repository is not signed (gpgcheck=0); sign it with "
            "`streams publish --sign KEYID`."
        )
    return lines


def render_containerfile(inp: ManifestInput) -> str:
    tag = str(inp.releasever) if inp.releasever is not None else "latest"
    repo_path = f"/etc/yum.repos.d/{inp.repo_id}.repo"
    printf = " ".join(
        ["printf", "'%s\\n'", *(shlex.quote(ln) for ln in inp.repo_file.splitlines())]
    )
    lines = _header(inp, "containerfile")
    lines += [
        "# Paste into a bootc Containerfile; keep only one FROM.",
        f"FROM {BOOTC_IMAGE}:{tag}",
    ]
    if inp.opt_prefix:
        lines += [
            f"# {inp.prefix} must be image content: fedora-bootc keeps /opt a plain directory of",
            "# the image (opt-usrlocal: root, composefs). On a base where /opt links to /var/opt",
            "# the stream would be unpacked on the first boot only and never updated: stop.",
            "RUN test -d /opt && test ! -L /opt || "
            "{ echo 'error: /opt is a link into /var in this base image;"
            f" {inp.package} needs /opt in the image (see streams docs/concepts.md)' >&2;"
            " exit 1; }",
        ]
    lines += [
        f"RUN {printf} > {repo_path}",
        f"RUN dnf install -y {inp.package} && dnf clean all",
        "RUN bootc container lint",
    ]
    return "\n".join(lines) + "\n"


def _yaml_str(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar (YAML 1.2 section 7.3.1).
    return json.dumps(value)


def render_treefile(inp: ManifestInput) -> str:
    lines = _header(inp, "treefile")
    lines += [
        "# rpm-ostree treefile fragment: `include:` it from the main treefile. rpm-ostree reads",
        f"# repositories from .repo files beside the treefile: save this as {inp.repo_id}.repo",
        "# there (streams publish writes the same file into the repository):",
        *(f"#   {ln}" for ln in inp.repo_file.splitlines()),
        "repos:",
        f"  - {_yaml_str(inp.repo_id)}",
        "repo-packages:",
        f"  - repo: {_yaml_str(inp.repo_id)}",
        "    packages:",
        f"      - {_yaml_str(inp.package)}",
    ]
    if inp.opt_prefix:
        lines += [
            f"# {inp.prefix} is under /opt: make /opt a plain directory of the image instead of",
            "# a link to /var/opt. rpm-ostree: only use this with composefs enabled.",
            'opt-usrlocal: "root"',
        ]
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    # TOML basic strings use JSON's escapes (\" \\ \n \uXXXX; toml.io v1.0.0, "String").
    return json.dumps(value, ensure_ascii=False)


def render_blueprint(inp: ManifestInput) -> str:
    lines = _header(inp, "blueprint")
    lines += [
        "# image-builder / osbuild-composer blueprint. Merge [[packages]] and",
        "# [[customizations.repositories]] into an existing blueprint. install_from = true lets",
        "# the build install from the repository (older osbuild-composer: also run",
        "# `composer-cli sources add` with this repository).",
    ]
    if inp.opt_prefix:
        lines += [
            f"# {inp.prefix} is under /opt: fine for package-based image types (qcow2, ami, raw);",
            "# edge/iot ostree commits link /opt to /var/opt, use the treefile format for those.",
        ]
    lines += [
        f"name = {_toml_str(inp.package)}",
        f"description = {_toml_str(inp.summary)}",
        'version = "0.0.1"',
    ]
    if inp.releasever is not None:
        lines.append(f'distro = "fedora-{inp.releasever}"')
    lines += [
        "",
        "[[packages]]",
        f"name = {_toml_str(inp.package)}",
        'version = "*"',
        "",
        "[[customizations.repositories]]",
        f"id = {_toml_str(inp.repo_id)}",
        f"name = {_toml_str(inp.summary)}",
        f"filename = {_toml_str(inp.repo_id + '.repo')}",
        f"baseurls = [{_toml_str(inp.repo.baseurl)}]",
        "enabled = true",
        "install_from = true",
    ]
    if inp.repo.gpgkey:
        lines += [
            f"gpgkeys = [{_toml_str(inp.repo.gpgkey)}]",
            "gpgcheck = true",
            "repo_gpgcheck = true",
        ]
    else:
        lines.append("gpgcheck = false")
    return "\n".join(lines) + "\n"


def render_kickstart(inp: ManifestInput) -> str:
    repo_path = f"/etc/yum.repos.d/{inp.repo_id}.repo"
    lines = _header(inp, "kickstart")
    lines += [
        "# Kickstart fragment (package mode: /opt is an ordinary directory). Anaconda's repo",
        "# command has no GPG key option; %post installs the repository file with its key.",
        f"repo --name={inp.repo_id} --baseurl={inp.repo.baseurl}",
        "",
        "%packages",
        inp.package,
        "%end",
        "",
        "%post --erroronfail",
        f"cat > {repo_path} <<'STREAMS_REPO_EOF'",
        *inp.repo_file.splitlines(),
        "STREAMS_REPO_EOF",
        f"chmod 0644 {repo_path}",
        "%end",
    ]
    return "\n".join(lines) + "\n"


_RENDERERS = {
    "containerfile": render_containerfile,
    "treefile": render_treefile,
    "blueprint": render_blueprint,
    "kickstart": render_kickstart,
}


def render(fmt: str, inp: ManifestInput) -> str:
    """The manifest fragment of format ``fmt`` (one of :data:`FORMATS`), deterministic text."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise UsageError(
            f"unknown manifest format {fmt!r}", hint=f"one of {', '.join(FORMATS)}"
        ) from None
    return renderer(inp)
