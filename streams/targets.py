"""Build targets: a Fedora release and an architecture (``fedora-45-x86_64``), or ``host``.

Each target knows its main Python version, its dist tag, its Copr chroot and mock config names,
the embedded snapshot that stands in for its base repositories offline, the alternative CPython
interpreters Fedora builds for it, and the real Fedora repository sources used with ``--base live``.

Sources of the facts:

* Main Python per release: Fedora's ``python-rpm-macros`` changelog ("Update main Python to
  3.14" for F43, "... 3.15" for F45) and the ``python3.14`` spec's "Rebuilt as non-main Python on
  Fedora 45+" (see ``docs/snapshots.md``).
* Interpreters per release: ``streams/data/fedora/interpreters.tsv`` (from the ``python3.X.spec``
  files present at each release point; copied from the same shared data).
* Repository metalinks: the ``fedora-repos`` package's ``fedora.repo``, ``fedora-updates.repo``
  and ``fedora-rawhide.repo`` (``metalink=https://mirrors.fedoraproject.org/metalink?repo=
  fedora-$releasever&arch=$basearch``, ``repo=updates-released-f$releasever``, ``repo=rawhide``).
* Copr chroot names: ``fedora-42-x86_64`` / ``fedora-rawhide-x86_64``
  (docs/reference/contracts.md §1).
* Rawhide's release number: the rawhide snapshot of 2026-08-22 was taken with ``%fedora 46``.
"""

from __future__ import annotations

import functools
import platform
import re
from dataclasses import dataclass
from importlib import resources

from streams.errors import StreamsError, UsageError
from streams.infra.proc import run

METALINK = "https://mirrors.fedoraproject.org/metalink?repo={repo}&arch={arch}"

ARCHES: tuple[str, ...] = ("x86_64", "aarch64")


@dataclass(frozen=True, slots=True)
class RepoSource:
    """One base repository: a name and where to get it (metalink or baseurl)."""

    name: str
    metalink: str | None = None
    baseurl: str | None = None

    @property
    def url(self) -> str:
        return self.metalink or self.baseurl or ""


@dataclass(frozen=True, slots=True)
class Interpreter:
    """A CPython interpreter a Fedora release builds."""

    version: str  # "3.14"
    rpm_name: str  # "python3" for the main one, else "python3.14"
    rpm_version: str  # "3.14.6"
    main: bool

    @property
    def executable(self) -> str:
        return "/usr/bin/python3" if self.main else f"/usr/bin/python{self.version}"


@dataclass(frozen=True, slots=True)
class Release:
    """A Fedora release point."""

    key: str  # "44" or "rawhide"
    number: int  # releasever / %fedora
    python: str  # main Python "3.14"
    snapshot: str  # name of the embedded snapshot: "f44", "rawhide"

    @property
    def is_rawhide(self) -> bool:
        return self.key == "rawhide"


RELEASES: dict[str, Release] = {
    r.key: r
    for r in (
        Release("43", 43, "3.14", "f43"),
        Release("44", 44, "3.14", "f44"),
        Release("45", 45, "3.15", "f45"),
        Release("rawhide", 46, "3.15", "rawhide"),
    )
}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a stream is built and installed: a release and an architecture."""

    name: str  # "fedora-45-x86_64" or "host"
    arch: str
    python: str  # the main Python of the target ("3.15")
    dist: str  # ".fc45"
    release: Release | None  # None for the host target

    @property
    def is_host(self) -> bool:
        return self.release is None

    @property
    def copr_chroot(self) -> str | None:
        return None if self.release is None else self.name

    @property
    def mock_config(self) -> str | None:
        return None if self.release is None else self.name

    @property
    def koji_target(self) -> str | None:
        """Fedora's Koji build target: ``fNN-candidate``, or ``rawhide``."""
        if self.release is None:
            return None
        return "rawhide" if self.release.is_rawhide else f"f{self.release.number}-candidate"

    @property
    def snapshot(self) -> str | None:
        return None if self.release is None else self.release.snapshot

    def sources(self) -> tuple[RepoSource, ...]:
        """The real Fedora repositories of this target (``--base live``)."""
        if self.release is None:
            return ()
        if self.release.is_rawhide:
            return (
                RepoSource("rawhide", metalink=METALINK.format(repo="rawhide", arch=self.arch)),
            )
        n = self.release.number
        return (
            RepoSource("fedora", metalink=METALINK.format(repo=f"fedora-{n}", arch=self.arch)),
            RepoSource(
                "updates", metalink=METALINK.format(repo=f"updates-released-f{n}", arch=self.arch)
            ),
        )

    def interpreters(self) -> tuple[Interpreter, ...]:
        """CPython interpreters available on the target, main one first."""
        if self.release is None:
            return (Interpreter(self.python, "python3", self.python, True),)
        return _interpreters().get(self.release.snapshot, ())

    def interpreter(self, version: str | None) -> Interpreter:
        """The interpreter for ``version`` (None: the main one), or a UsageError listing choices."""
        interps = self.interpreters()
        if version is None or version == self.python:
            for i in interps:
                if i.main:
                    return i
            return Interpreter(self.python, "python3", self.python, True)
        for i in interps:
            if i.version == version:
                return i
        valid = ", ".join(i.version for i in interps)
        raise UsageError(
            f"target {self.name} has no Python {version}",
            hint=f"interpreters on {self.name}: {valid}",
        )


@functools.cache
def _interpreters() -> dict[str, tuple[Interpreter, ...]]:
    text = resources.files("streams.data").joinpath("fedora/interpreters.tsv").read_text("utf-8")
    out: dict[str, list[Interpreter]] = {}
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        snap, rpm_name, ver, main = line.split("\t")
        pyver = rpm_name.removeprefix("python")
        is_main = main.strip() == "yes"
        out.setdefault(snap, []).append(
            Interpreter(pyver, "python3" if is_main else rpm_name, ver, is_main)
        )
    return {
        k: tuple(sorted(v, key=lambda i: (not i.main, [-int(x) for x in i.version.split(".")])))
        for k, v in out.items()
    }


def _fedora_target(release: Release, arch: str) -> Target:
    name = f"fedora-{release.key}-{arch}"
    return Target(name, arch, release.python, f".fc{release.number}", release)


TARGETS: dict[str, Target] = {
    t.name: t for t in (_fedora_target(r, a) for r in RELEASES.values() for a in ARCHES)
}

HOST = "host"

_TARGET_RE = re.compile(r"^fedora-(?P<rel>\d+|rawhide)-(?P<arch>[a-z0-9_]+)$")


def target_names() -> list[str]:
    """All target names a recipe may list (``host`` is only for the command line)."""
    return sorted(TARGETS)


HOST_PYTHON = "/usr/bin/python3"
"""The interpreter rpmbuild's specs run on this machine (and the host target's Python)."""


def host_python_version(python: str = HOST_PYTHON) -> str:
    """``X.Y`` of the host interpreter ``python`` (default ``/usr/bin/python3``)."""
    try:
        res = run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            what=f"{python} --version",
        )
    except StreamsError as exc:
        raise UsageError(
            f"the host target needs {python} ({exc.message})",
            hint="install python3 with dnf or apt-get, or pick a fedora-NN-ARCH target",
        ) from exc
    return res.stdout.strip()


@functools.cache
def host_target() -> Target:
    """The running machine: its ``/usr/bin/python3`` version and architecture."""
    return Target(HOST, platform.machine(), host_python_version(), "", None)


def get_target(name: str) -> Target:
    """Look a target up by name, or raise a UsageError naming the valid ones."""
    if name == HOST:
        return host_target()
    target = TARGETS.get(name)
    if target is not None:
        return target
    m = _TARGET_RE.match(name)
    if m and m["arch"] not in ARCHES:
        hint = f"supported architectures: {', '.join(ARCHES)}"
    elif m:
        hint = f"supported releases: {', '.join(RELEASES)}"
    else:
        hint = "targets look like fedora-45-x86_64"
    raise UsageError(
        f"unknown target {name!r}", hint=f"{hint}; valid targets: {', '.join(target_names())}"
    )
