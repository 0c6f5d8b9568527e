"""Rust crates of an sdist, vendored into a deterministic tarball so its build needs no network.

An sdist built by maturin or setuptools-rust (or any ``setup.py`` that runs cargo) compiles Rust
crates that are not in the sdist: cargo fetches them from the crate registry during the build,
which fails in mock, Copr and Koji (no network: ``failed to get `anyhow` as a dependency``).
Fedora's answer for projects that bundle their crates is a *vendor tarball* as an extra Source
and ``%cargo_prep -v vendor`` in ``%prep``, which points cargo at it (Fedora's Rust Packaging
Guidelines, "Vendored dependencies",
https://docs.fedoraproject.org/en-US/packaging-guidelines/Rust/; the macro is in
cargo-rpm-macros, https://pagure.io/fedora-rust/cargo-rpm-macros).  streams does the same:

* :func:`find_cargo_project` reads which ``Cargo.toml`` files the sdist builds (pyproject's
  ``[tool.maturin] manifest-path``, else the manifests next to each ``Cargo.lock``, else the
  top-level one), without unpacking it;
* :func:`vendor_crates` unpacks the sdist, runs ``cargo vendor --locked`` against the
  configured crate registry (:class:`CrateRegistry`: crates.io, or a local *directory
  registry* such as the one Debian's ``librust-*-dev`` packages install under
  ``/usr/share/cargo/registry``), and packs the vendor directory into a reproducible
  ``.tar.xz`` (sorted members, mtime 0, owner 0, no compression timestamp), kept
  content-addressed in the source cache beside the sdists;
* :func:`cached_vendor` gives that tarball back by its sha256, re-vendoring from the sdist
  when the cache lost it, and refuses a result whose sha256 is not the lock's.

Only :mod:`streams.infra.proc` runs cargo.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from streams.errors import CommandError, SourceError, ToolMissingError, UsageError
from streams.infra.archive import Archive, ArchiveError
from streams.infra.fsutil import cache_dir
from streams.infra.proc import run
from streams.sources.fetch import Fetcher, SourceFetch, sha256_file, verified

__all__ = [
    "REGISTRY_ENV",
    "VENDOR_DIR",
    "CargoProject",
    "CrateRegistry",
    "VendorFetch",
    "VendoredCrates",
    "cached_vendor",
    "find_cargo_project",
    "vendor_crates",
    "vendor_filename",
]

REGISTRY_ENV = "STREAMS_CARGO_REGISTRY"
"""Where crates are vendored from: unset (crates.io), a directory registry, or ``none``."""

VENDOR_DIR = "cargo-vendor"
"""The tarball's top directory, unpacked at the top of the sdist's tree in ``%prep`` (not
``vendor``: some sdists ship a ``vendor/`` directory of their own)."""

# Directories of an sdist that never hold the project's own Cargo manifest.
_SKIP_PARTS = frozenset({"target", "vendor", VENDOR_DIR, ".cargo", "tests", "test"})


@dataclass(frozen=True, slots=True)
class CrateRegistry:
    """Where ``cargo vendor`` takes crates from.

    ``directory`` None is crates.io (cargo's default); otherwise a local *directory registry*
    (one unpacked crate per ``NAME-VERSION/`` folder with its ``.cargo-checksum.json``, as
    Debian's ``librust-*-dev`` packages install under ``/usr/share/cargo/registry``), which
    replaces crates.io through cargo's source replacement
    (https://doc.rust-lang.org/cargo/reference/source-replacement.html).  ``enabled`` False
    (``STREAMS_CARGO_REGISTRY=none``) vendors nothing.
    """

    directory: Path | None = None
    enabled: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CrateRegistry:
        """From ``STREAMS_CARGO_REGISTRY``: unset or ``crates-io``, ``none``, or a directory."""
        value = (environ if environ is not None else os.environ).get(REGISTRY_ENV, "").strip()
        if value in ("", "crates-io", "crates.io"):
            return cls()
        if value == "none":
            return cls(enabled=False)
        path = Path(value).expanduser()
        if not path.is_dir():
            raise UsageError(
                f"{REGISTRY_ENV}={value}: not a directory",
                hint="set it to a cargo directory registry (e.g. /usr/share/cargo/registry, "
                "from Debian's librust-*-dev packages), to crates-io (the default), or to none",
            )
        return cls(directory=path.resolve())

    @property
    def offline(self) -> bool:
        """True when vendoring needs no network (a directory registry)."""
        return self.directory is not None

    def describe(self) -> str:
        return f"the directory registry {self.directory}" if self.directory else "crates.io"

    def cargo_args(self) -> list[str]:
        """``--config`` options making cargo read crates from this registry."""
        if self.directory is None:
            return []
        # cargo's --config takes TOML values (https://doc.rust-lang.org/cargo/reference/
        # config.html#command-line-overrides); the directory string is TOML-quoted.
        quoted = '"' + str(self.directory).replace("\\", "\\\\").replace('"', '\\"') + '"'
        return [
            "--config",
            'source.crates-io.replace-with="streams-registry"',
            "--config",
            f"source.streams-registry.directory={quoted}",
        ]


@dataclass(frozen=True, slots=True)
class CargoProject:
    """The Cargo manifests an sdist builds, relative to its top directory."""

    manifests: tuple[str, ...]
    """The first is vendored with ``--manifest-path``, the others with ``--sync``."""
    locked: bool
    """Every manifest has a ``Cargo.lock`` beside it or in a parent (its workspace)."""


@dataclass(frozen=True, slots=True)
class VendoredCrates:
    """A vendor tarball in the cache."""

    filename: str
    sha256: str
    path: Path
    manifests: tuple[str, ...]
    crates: tuple[str, ...]
    """``NAME VERSION`` of every vendored crate, sorted."""


@dataclass(frozen=True, slots=True)
class VendorFetch:
    """A vendor tarball a spec needs: its name and sha256, and the sdist it is made from."""

    filename: str
    sha256: str
    sdist: SourceFetch
    manifests: tuple[str, ...]
    dist: str
    version: str


def vendor_filename(dist: str, version: str) -> str:
    """``NAME-VERSION-cargo-vendor.tar.xz``."""
    return f"{dist}-{version}-{VENDOR_DIR}.tar.xz"


# -- what the sdist builds --------------------------------------------------------------------


def _top(names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    return tops.pop() if len(tops) == 1 else ""


def _rel(name: str, top: str) -> str:
    return name[len(top) + 1 :] if top and name.startswith(top + "/") else name


def find_cargo_project(sdist: Path, *, name: str | None = None) -> CargoProject | None:
    """The Cargo manifests ``sdist`` builds, or None when it has none (no Rust to vendor).

    In order: pyproject's ``[tool.maturin] manifest-path`` (maturin's own setting); else the
    ``Cargo.toml`` beside each ``Cargo.lock`` (setuptools-rust and workspaces); else a
    top-level ``Cargo.toml`` (maturin's default).  Manifests under ``target/``, ``vendor/``
    and test folders are not the project's.
    """
    label = name or sdist.name
    try:
        with Archive(sdist, name=label) as arc:
            names = arc.names()
            top = _top(names)
            rel = {_rel(n, top): n for n in names}
            pyproject = rel.get("pyproject.toml")
            maturin_path = None
            if pyproject is not None:
                try:
                    data = tomllib.loads(arc.read(pyproject).decode("utf-8"))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    data = {}
                tool = data.get("tool", {})
                maturin = tool.get("maturin", {}) if isinstance(tool, dict) else {}
                if isinstance(maturin, dict) and isinstance(maturin.get("manifest-path"), str):
                    maturin_path = str(PurePosixPath(maturin["manifest-path"]))
    except ArchiveError as exc:
        raise SourceError(f"{label}: cannot list its files ({exc})") from exc

    def project_file(path: str) -> bool:
        parts = PurePosixPath(path).parts
        return not any(p in _SKIP_PARTS for p in parts[:-1])

    locks = sorted(r for r in rel if PurePosixPath(r).name == "Cargo.lock" and project_file(r))
    if maturin_path is not None and maturin_path in rel:
        manifests = [maturin_path]
    else:
        manifests = [
            str(PurePosixPath(lock).with_name("Cargo.toml"))
            for lock in sorted(locks, key=lambda p: (len(PurePosixPath(p).parts), p))
            if str(PurePosixPath(lock).with_name("Cargo.toml")) in rel
        ]
        if not manifests and "Cargo.toml" in rel:
            manifests = ["Cargo.toml"]
    if not manifests:
        return None
    # a manifest is locked by a Cargo.lock beside it or in a parent folder (its workspace)
    lock_dirs = {PurePosixPath(lock).parent for lock in locks}
    locked = all(
        lock_dirs & {PurePosixPath(m).parent, *PurePosixPath(m).parents} for m in manifests
    )
    return CargoProject(tuple(manifests), locked)


# -- vendoring ----------------------------------------------------------------------------------


def _checked_members(tar: tarfile.TarFile, dest: Path, label: str) -> list[tarfile.TarInfo]:
    """The members of ``tar``, refused when one would land outside ``dest`` or is a device
    (what PEP 706's ``data`` filter refuses, for interpreters that predate it)."""
    root = dest.resolve()
    out = []
    for member in tar.getmembers():
        target = (root / member.name).resolve()
        if not target.is_relative_to(root) or member.isdev():
            raise SourceError(f"{label}: member {member.name!r} is not a plain file in the tree")
        if member.issym() or member.islnk():
            base = target.parent if member.issym() else root
            if not (base / member.linkname).resolve().is_relative_to(root):
                raise SourceError(f"{label}: link {member.name!r} points outside the tree")
        out.append(member)
    return out


def _safe_extract(sdist: Path, dest: Path) -> Path:
    """Unpack ``sdist`` into ``dest`` (tar's ``data`` filter: no links out, no devices) and
    return its top directory."""
    try:
        if sdist.name.endswith(".zip"):
            import zipfile

            with zipfile.ZipFile(sdist) as zf:
                for member in zf.namelist():
                    target = (dest / member).resolve()
                    if not target.is_relative_to(dest.resolve()):
                        raise SourceError(f"{sdist.name}: member {member!r} leaves the archive")
                zf.extractall(dest)
        else:
            with tarfile.open(sdist, "r:*") as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 (PEP 706)
                    tar.extractall(dest, filter="data")
                else:
                    tar.extractall(dest, members=_checked_members(tar, dest, sdist.name))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceError(f"{sdist.name}: cannot unpack it ({exc})") from exc
    entries = [p for p in dest.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else dest


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Reproducible members: mtime 0, owner 0/0 without names, modes 0644/0755."""
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir() or info.mode & 0o111:
        info.mode = 0o755
    else:
        info.mode = 0o644
    return info


def pack_vendor_dir(vendor: Path, out: Path) -> None:
    """``vendor`` as ``out`` (``VENDOR_DIR/...``, sorted, normalised, xz): same tree, same
    bytes.  xz (not gzip) because gzip records a timestamp in its header."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = sorted(vendor.rglob("*"), key=lambda p: p.relative_to(vendor).as_posix())
        tar.addfile(_normalise(tar.gettarinfo(str(vendor), VENDOR_DIR)))
        for path in paths:
            arcname = f"{VENDOR_DIR}/{path.relative_to(vendor).as_posix()}"
            info = _normalise(tar.gettarinfo(str(path), arcname))
            if info.isreg():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            elif info.isdir() or info.issym():
                tar.addfile(info)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(lzma.compress(raw.getvalue(), format=lzma.FORMAT_XZ, preset=6))
    tmp.replace(out)


_MISSING = (
    re.compile(r"failed to get `([^`]+)` as a dependency"),
    re.compile(r"no matching package named `([^`]+)` found"),
    re.compile(r"failed to select a version for the requirement `([^ `=]+)"),
    re.compile(r"failed to download `([^`]+)`"),
)


def _missing_crates(output: str) -> list[str]:
    found: list[str] = []
    for pattern in _MISSING:
        for m in pattern.finditer(output):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


def _crates(vendor: Path) -> tuple[str, ...]:
    out = []
    for manifest in sorted(vendor.glob("*/Cargo.toml")):
        try:
            package = tomllib.loads(manifest.read_text("utf-8")).get("package", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            package = {}
        name = package.get("name", manifest.parent.name)
        version = package.get("version", "")
        out.append(f"{name} {version}".strip())
    return tuple(sorted(out))


def vendor_crates(
    sdist: Path,
    project: CargoProject,
    *,
    dist: str,
    version: str,
    registry: CrateRegistry,
    label: str | None = None,
) -> VendoredCrates:
    """Vendor the crates of ``project`` (in ``sdist``) and keep the tarball in the cache.

    ``cargo vendor --locked`` (with ``--respect-source-config``, so a directory registry given
    through ``--config`` is used) in a private ``CARGO_HOME``; without a ``Cargo.lock`` the
    crates are resolved afresh (the tarball's sha256 in the lock still pins them).  Failures
    are :class:`SourceError` naming the sdist, the crates cargo could not get and how to point
    at a registry.
    """
    label = label or sdist.name
    filename = vendor_filename(dist, version)
    with tempfile.TemporaryDirectory(prefix="streams-vendor-") as tmp_name:
        tmp = Path(tmp_name)
        tree = _safe_extract(sdist, tmp / "src")
        vendor = tmp / "vendor"
        home = tmp / "cargo-home"
        home.mkdir()
        argv: list[str] = ["cargo", *registry.cargo_args(), "vendor", "--respect-source-config"]
        if project.locked:
            argv.append("--locked")
        argv += ["--manifest-path", str(tree / project.manifests[0])]
        for extra in project.manifests[1:]:
            argv += ["--sync", str(tree / extra)]
        argv.append(str(vendor))
        env = {"CARGO_HOME": str(home)}
        if registry.offline:
            env["CARGO_NET_OFFLINE"] = "true"
        try:
            run(argv, cwd=tree, env=env, what=f"cargo vendor of {label}")
        except ToolMissingError as exc:
            raise SourceError(
                f"{label} builds Rust crates ({project.manifests[0]}), and cargo is not "
                "installed to vendor them",
                hint="install cargo (dnf install cargo / apt-get install cargo; "
                "scripts/setup.sh does), or set STREAMS_CARGO_REGISTRY=none to lock without "
                "vendoring (a build without network will then fail)",
            ) from exc
        except CommandError as exc:
            tail = exc.output_tail or ""
            missing = _missing_crates(tail)
            what = (
                f"cannot get the crate{'s' if len(missing) > 1 else ''} "
                + ", ".join(missing)
                + f" from {registry.describe()}"
                if missing
                else f"cargo vendor failed with {registry.describe()}"
            )
            raise SourceError(
                f"{label}: its Rust crates ({project.manifests[0]}) cannot be vendored: {what}"
                + (f"\n{tail}" if tail else ""),
                hint=f"point {REGISTRY_ENV} at a cargo directory registry that has them (e.g. "
                "/usr/share/cargo/registry from Debian's librust-*-dev packages), make crates.io "
                f"reachable, set {REGISTRY_ENV}=none to lock without vendoring, or build the "
                'distribution from its wheel ([packages.NAME] source = "wheel")',
            ) from exc
        if not vendor.is_dir():
            vendor.mkdir()  # a crate without dependencies: an empty vendor directory
        crates = _crates(vendor)
        staged = tmp / filename
        pack_vendor_dir(vendor, staged)
        digest = sha256_file(staged)
        target = cache_dir("sources") / digest
        if not target.is_file():
            shutil.copyfile(staged, target.with_name(target.name + ".part"))
            target.with_name(target.name + ".part").replace(target)
    return VendoredCrates(filename, digest, target, project.manifests, crates)


def cached_vendor(
    want: VendorFetch,
    *,
    fetch: Fetcher,
    registry: CrateRegistry | None = None,
) -> Path:
    """The vendor tarball ``want`` from the source cache, else made again from its sdist
    (``fetch``, verified) and refused unless it has the lock's sha256."""
    cached = cache_dir("sources") / want.sha256
    if cached.is_file() and sha256_file(cached) == want.sha256:
        return cached
    registry = registry or CrateRegistry.from_env()
    sdist = verified(fetch, want.sdist)
    project = find_cargo_project(sdist, name=want.sdist.filename)
    if project is None or project.manifests != want.manifests:
        raise SourceError(
            f"{want.filename}: {want.sdist.filename} no longer has the Cargo manifests the "
            f"lock vendored ({', '.join(want.manifests)})",
            hint="re-lock: streams lock",
        )
    made = vendor_crates(
        sdist,
        project,
        dist=want.dist,
        version=want.version,
        registry=registry,
        label=want.sdist.filename,
    )
    if made.sha256 != want.sha256:
        raise SourceError(
            f"{want.filename}: vendoring {want.sdist.filename} again from {registry.describe()} "
            f"gives sha256 {made.sha256}, the lock says {want.sha256}",
            hint=f"use the crate registry the lock was made with ({REGISTRY_ENV}), or re-lock",
        )
    return made.path
