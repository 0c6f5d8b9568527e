"""Where base repositories come from: ``--repo NAME=URL``, a target's Fedora sources, metalinks.

A :class:`RepoSpec` names one rpm-md repository and says how to reach it:

* ``dir``      a local directory holding ``repodata/repomd.xml`` (a plain path)
* ``file``     the same as a ``file://`` URL
* ``http``     an ``http://`` or ``https://`` baseurl
* ``metalink`` a MirrorManager metalink document (``...metalink?repo=fedora-44&arch=x86_64``),
               recognised by ``metalink`` in the URL or forced with a ``metalink+`` prefix
               (``metalink+https://...``, ``metalink+file:///tmp/ml.xml``)

This module is pure apart from :func:`snapshot_dir` (which looks at the installed package data),
:func:`parse_metalink` (which only parses bytes it is given) and the host target's default base,
which :func:`streams.solver.repos.host.host_base` reads from the running machine.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from streams.errors import RepoError, UsageError
from streams.targets import Target

RepoKind = Literal["dir", "file", "http", "metalink"]
BaseChoice = Literal["snapshot", "live"]

_NAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
_METALINK_PREFIX = "metalink+"


@dataclass(frozen=True, slots=True)
class RepoSpec:
    """One base repository to load: its name, where it is, and how to read that location.

    ``priority`` is copied to the libsolv repo (higher wins when versions tie), so the caller
    decides how base repos rank against each other and against synthetic repos.
    """

    name: str
    url: str
    kind: RepoKind
    priority: int = 0

    @property
    def location(self) -> str:
        """The URL or path to fetch: ``url`` without a ``metalink+`` prefix."""
        return self.url.removeprefix(_METALINK_PREFIX)

    @property
    def is_local(self) -> bool:
        """Whether the repository is read from the local filesystem (no network)."""
        if self.kind in ("dir", "file"):
            return True
        return self.kind == "metalink" and urlparse(self.location).scheme in ("", "file")

    def local_path(self) -> Path:
        """The directory of a ``dir`` or ``file`` repository."""
        if self.kind == "dir":
            return Path(self.url).expanduser().resolve()
        if self.kind == "file":
            from urllib.parse import unquote

            return Path(unquote(urlparse(self.url).path))
        raise RepoError(f"repo {self.name} ({self.url}) is not a local directory")


def classify_url(url: str) -> RepoKind | None:
    """Which kind of location ``url`` is, or None when it is none of the four."""
    if url.startswith(_METALINK_PREFIX):
        inner = urlparse(url[len(_METALINK_PREFIX) :])
        return "metalink" if inner.scheme in ("http", "https", "file", "") else None
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        if not parsed.netloc:
            return None
        return "metalink" if "metalink" in url else "http"
    if parsed.scheme == "file":
        return "metalink" if "metalink" in parsed.path else "file"
    if parsed.scheme == "":
        return "dir"
    return None


def make_spec(name: str, url: str, *, priority: int = 0, option: str = "--repo") -> RepoSpec:
    """Validate a name and a URL and build the :class:`RepoSpec` (UsageError on bad input)."""
    if not name or not _NAME_RE.match(name):
        raise UsageError(
            f"{option}: bad repository name {name!r}",
            hint="a name is letters, digits, '.', '_' or '-', e.g. --repo fedora=https://...",
        )
    if not url:
        raise UsageError(
            f"{option}: repository {name!r} has no URL",
            hint="give a directory, file://, http(s):// baseurl or a metalink URL after '='",
        )
    kind = classify_url(url)
    if kind is None:
        raise UsageError(
            f"{option}: cannot use {url!r} for repository {name!r}",
            hint="valid: a directory, file:///path, http(s)://host/path (a baseurl), "
            "or a metalink (URL containing 'metalink', or prefixed with 'metalink+')",
        )
    return RepoSpec(name, url, kind, priority)


def parse_repo_option(value: str) -> RepoSpec:
    """Parse one ``--repo NAME=URL`` value."""
    name, sep, url = value.partition("=")
    if not sep:
        raise UsageError(
            f"--repo: expected NAME=URL, got {value!r}",
            hint="e.g. --repo fedora=https://dl.fedoraproject.org/pub/fedora/linux/"
            "releases/44/Everything/x86_64/os/",
        )
    return make_spec(name.strip(), url.strip())


def parse_repo_options(values: tuple[str, ...] | list[str]) -> list[RepoSpec]:
    """Parse every ``--repo`` value; repeated names are an error (which one would win?)."""
    specs = [parse_repo_option(v) for v in values]
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise UsageError(
                f"--repo: repository name {s.name!r} given twice",
                hint="give each --repo a different NAME",
            )
        seen.add(s.name)
    return specs


def snapshot_dir(snapshot: str) -> Path:
    """The embedded rpm-md snapshot ``streams/data/fedora/<snapshot>/`` (RepoError if absent)."""
    root = resources.files("streams.data").joinpath("fedora", snapshot)
    path = Path(str(root))
    if not (path / "repodata" / "repomd.xml").is_file():
        raise RepoError(
            f"the embedded base snapshot {snapshot!r} is not available ({path} has no "
            "repodata/repomd.xml)",
            hint="use --base live to read Fedora's repositories from the network, "
            "or --repo NAME=URL to name base repositories yourself",
        )
    return path


def target_specs(
    target: Target,
    *,
    base: BaseChoice = "snapshot",
    repos: tuple[RepoSpec, ...] | list[RepoSpec] = (),
) -> list[RepoSpec]:
    """The base repositories to load for ``target``.

    ``repos`` (from ``--repo``) replace the defaults entirely.  Otherwise ``base="live"`` gives
    the target's real Fedora sources (``fedora`` + ``updates`` metalinks, or ``rawhide``) and
    ``base="snapshot"`` the embedded snapshot, as one repo named ``fedora``.  The host target
    has no Fedora repositories: its default base is the host base
    (:mod:`streams.solver.repos.host`), one repo named ``host-base`` describing this machine.
    """
    if repos:
        return list(repos)
    if target.is_host and base == "snapshot":
        from streams.solver.repos.host import REPO_NAME, host_base

        return [RepoSpec(REPO_NAME, str(host_base(arch=target.arch)), "dir")]
    if base == "live":
        out: list[RepoSpec] = []
        for src in target.sources():
            if src.metalink:
                out.append(RepoSpec(src.name, src.metalink, "metalink"))
            elif src.baseurl:
                out.append(make_spec(src.name, src.baseurl))
        if not out:
            raise UsageError(
                f"target {target.name} has no known Fedora repositories",
                hint="name them with --repo NAME=URL",
            )
        return out
    if base != "snapshot":
        raise UsageError(f"--base: unknown value {base!r}", hint="use 'snapshot' or 'live'")
    if target.snapshot is None:
        raise UsageError(
            f"target {target.name} has no embedded snapshot",
            hint="name the base repositories with --repo NAME=URL",
        )
    return [RepoSpec("fedora", str(snapshot_dir(target.snapshot)), "dir")]


# --- metalink -------------------------------------------------------------------------------
#
# Fedora's mirrors.fedoraproject.org/metalink answers a Metalink 3.0 document (namespace
# http://www.metalinker.org/) written by MirrorManager, with a "mm0" extension namespace:
#   <metalink><files><file name="repomd.xml">
#     <mm0:timestamp/> <size/> <verification><hash type="sha256">HEX</hash>...</verification>
#     <mm0:alternates><mm0:alternate>...<verification><hash .../></verification>
#     </mm0:alternate></mm0:alternates>          (older repomd.xml versions mirrors may serve)
#     <resources><url protocol="https" type="https" location="US" preference="100">
#        https://mirror/.../repodata/repomd.xml</url>...</resources>
# (element set as read by librepo's librepo/metalink.c; "preference" is 0-100, higher first).
# RFC 5854 (Metalink 4.0, urn:ietf:params:xml:ns:metalink) has the same <file>/<hash>/<url>
# shape with hash types like "sha-256" and <url priority="N"> (lower first); both are accepted.


@dataclass(frozen=True, slots=True)
class Metalink:
    """What a metalink says about ``repomd.xml``: acceptable hashes and mirrors, best first."""

    hashes: tuple[tuple[str, str], ...]
    """``(hashlib name, lowercase hex)`` for the current file and every alternate."""
    urls: tuple[str, ...]
    """URLs of ``repomd.xml`` on each mirror, in the order to try them."""

    def baseurls(self) -> list[str]:
        """Each mirror's baseurl (its repomd URL without ``repodata/repomd.xml``).

        Only http, https and file mirrors: MirrorManager also lists rsync ones.
        """
        out = []
        for u in self.urls:
            if urlparse(u).scheme not in ("http", "https", "file"):
                continue
            if u.endswith("repodata/repomd.xml"):
                out.append(u[: -len("repodata/repomd.xml")])
        return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _hash_name(kind: str) -> str:
    k = kind.lower().replace("-", "")
    return "sha1" if k == "sha" else k


def parse_metalink(data: bytes, *, repo: str, source: str) -> Metalink:
    """Parse a metalink document; RepoError naming the repo and source when it is unusable."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RepoError(
            f"repo {repo}: the metalink {source} is not valid XML ({exc})",
            hint="check the URL; a proxy or captive portal may have answered instead",
        ) from exc
    file_el = None
    for el in root.iter():
        if _local(el.tag) == "file" and el.get("name") == "repomd.xml":
            file_el = el
            break
    if file_el is None:
        raise RepoError(
            f"repo {repo}: the metalink {source} does not list repomd.xml",
            hint="is this the metalink of an rpm-md repository (repo=...&arch=...)?",
        )
    hashes: list[tuple[str, str]] = []
    ranked: list[tuple[float, int, str]] = []
    for el in file_el.iter():
        name = _local(el.tag)
        if name == "hash" and el.get("type") and el.text:
            hashes.append((_hash_name(el.get("type", "")), el.text.strip().lower()))
        elif name == "url" and el.text:
            url = el.text.strip()
            if el.get("preference") is not None:
                try:
                    rank = -float(el.get("preference", "0"))
                except ValueError:
                    rank = 0.0
            else:
                try:
                    rank = float(el.get("priority", "999999"))
                except ValueError:
                    rank = 999999.0
            ranked.append((rank, len(ranked), url))
    urls = tuple(u for _r, _i, u in sorted(ranked))
    if not urls:
        raise RepoError(
            f"repo {repo}: the metalink {source} lists no mirrors for repomd.xml",
            hint="try again later, or name a mirror directly with --repo NAME=https://...",
        )
    if not hashes:
        raise RepoError(
            f"repo {repo}: the metalink {source} gives no hash for repomd.xml, so no mirror "
            "can be verified",
            hint="name a mirror directly with --repo NAME=https://...",
        )
    return Metalink(tuple(hashes), urls)
