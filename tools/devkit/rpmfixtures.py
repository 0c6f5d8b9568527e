"""Tiny real RPMs for tests: rpmbuild from a minimal spec, indexed with createrepo_c.

Usage::

    from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

    rpms = build_rpms([FixtureRpm("alpha", "1.1", provides=("python3dist(alpha) = 1.1",))],
                      tmp_path / "build")
    repo = make_repo(rpms, tmp_path / "repo")   # repo/repodata/repomd.xml, gzip metadata

Packages are noarch by default, with no build step: ``%install`` writes the listed files, so a
build takes a fraction of a second.  ``build_rpms`` caches nothing itself; use a session-scoped
fixture (see ``tests/integration/test_repos.py``) to build once per run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.infra.proc import run, which


@dataclass(frozen=True, slots=True)
class FixtureRpm:
    """A package to build.  Dependencies are spec-syntax strings (rich deps allowed)."""

    name: str
    version: str
    release: str = "1"
    epoch: int | None = None
    summary: str | None = None
    arch: str = "noarch"
    provides: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    obsoletes: tuple[str, ...] = ()
    recommends: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    """``(absolute path, content)`` of each file the package installs."""

    @property
    def nvra(self) -> str:
        return f"{self.name}-{self.version}-{self.release}.{self.arch}"

    def spec(self) -> str:
        """The spec file text."""
        lines = [
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Release: {self.release}",
            f"Summary: {self.summary or 'streams test fixture ' + self.name}",
            "License: MIT",
        ]
        if self.epoch is not None:
            lines.append(f"Epoch: {self.epoch}")
        if self.arch == "noarch":
            lines.append("BuildArch: noarch")
        for tag, deps in (
            ("Provides", self.provides),
            ("Requires", self.requires),
            ("Conflicts", self.conflicts),
            ("Obsoletes", self.obsoletes),
            ("Recommends", self.recommends),
        ):
            lines += [f"{tag}: {d}" for d in deps]
        lines += ["", "%description", f"Test fixture {self.name}.", "", "%install"]
        for path, content in self.files:
            parent = path.rsplit("/", 1)[0]
            lines.append(f"mkdir -p %{{buildroot}}{parent}")
            lines.append(f"cat > %{{buildroot}}{path} <<'STREAMS_EOF'")
            lines.append(content.replace("%", "%%"))
            lines.append("STREAMS_EOF")
        lines += ["", "%files"]
        lines += [path for path, _ in self.files]
        return "\n".join(lines) + "\n"


def build_rpm(pkg: FixtureRpm, workdir: Path) -> Path:
    """Build ``pkg`` with ``rpmbuild -bb`` under ``workdir`` (its _topdir); return the RPM."""
    which("rpmbuild", hint="install rpm-build (Fedora) or rpm (Debian)")
    top = workdir / "rpmbuild"
    for d in ("SPECS", "SOURCES", "BUILD", "RPMS", "BUILDROOT"):
        (top / d).mkdir(parents=True, exist_ok=True)
    spec = top / "SPECS" / f"{pkg.name}.spec"
    spec.write_text(pkg.spec(), encoding="utf-8")
    run(
        [
            "rpmbuild",
            "-bb",
            "--define",
            f"_topdir {top}",
            "--define",
            "_build_id_links none",
            "--define",
            "__os_install_post %{nil}",
            str(spec),
        ],
        what=f"rpmbuild of fixture {pkg.name}",
    )
    rpm = top / "RPMS" / pkg.arch / f"{pkg.nvra}.rpm"
    if not rpm.is_file():
        raise FileNotFoundError(f"rpmbuild did not produce {rpm}")
    return rpm


def build_rpms(pkgs: Iterable[FixtureRpm], workdir: Path) -> list[Path]:
    """Build every package; return their RPM paths in the same order."""
    return [build_rpm(p, workdir) for p in pkgs]


def make_repo(
    rpms: Sequence[Path], repo_dir: Path, *, compress: str = "gz", extra_args: Sequence[str] = ()
) -> Path:
    """Copy ``rpms`` into ``repo_dir`` and index them with ``createrepo_c``; return ``repo_dir``.

    ``compress`` is createrepo_c's ``--general-compress-type`` (gz by default, which every
    createrepo_c version and the solv wheel read).  No sqlite databases are made.
    """
    tool = which("createrepo_c", hint="install createrepo_c")
    repo_dir.mkdir(parents=True, exist_ok=True)
    for rpm in rpms:
        shutil.copy2(rpm, repo_dir / rpm.name)
    run(
        [
            tool,
            "--no-database",
            "--general-compress-type",
            compress,
            *extra_args,
            str(repo_dir),
        ],
        what="createrepo_c",
    )
    return repo_dir
