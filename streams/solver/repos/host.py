"""The host target's base: an rpm-md repository describing what this machine already has.

A Fedora target's base is Fedora's repositories (or their embedded snapshot).  ``--target
host`` builds for the running machine, which may not be Fedora at all, so there is no
repository to read.  What a locked, built stream needs from its base is small and well known:

* the interpreter: ``python(abi) = X.Y`` (every Python RPM requires it: Fedora's
  python-rpm-generators, ``pythondistdeps.py --requires``), ``/usr/bin/python3`` and
  ``/usr/bin/python3.X`` (scripts and the runtime package name them);
* the C runtime every compiled extension links against: the sonames and symbol versions of
  glibc, libgcc_s and libstdc++ as rpm's ``elfdeps`` writes them into an ELF file's Requires
  (``libc.so.6()(64bit)``, ``libc.so.6(GLIBC_2.34)(64bit)``: rpm's ``tools/elfdeps.c`` adds the
  ``(64bit)`` marker on 64-bit ELF classes and one ``soname(VERSION)`` per version definition),
  and ``rtld(GNU_HASH)``, which ``elfdeps --requires`` adds to every object linked with only a
  ``.gnu.hash`` section and which Fedora's ``glibc.spec`` provides (``Provides:
  rtld(GNU_HASH)``; glibc supports DT_GNU_HASH since 2.5);
* ``/bin/sh`` (rpmbuild adds it to every package with scriptlets) and ``/usr/bin/env`` (scripts
  with ``#!/usr/bin/env`` shebangs);
* the Python distributions installed in the host's system site-packages, as ``python3-NAME``
  packages providing ``python3dist(name) = V`` and ``python3.Xdist(name) = V`` with the
  ``Requires`` Fedora's generator would write (:func:`streams.solver.pydeps.requires_for`), so
  the reconciler can reuse them exactly as it reuses Fedora's.  ``/usr/local`` is not the
  system's: pip run as root installs there (Fedora's "Making sudo pip safe" change, F36; Debian's
  ``dist-packages`` layout), and user site-packages (``~/.local``) are never read.

Everything is read from the real host: the interpreter is asked through
:func:`streams.infra.proc.run` (``importlib.metadata`` for the distributions), the libraries are
the ones the dynamic loader finds (``ldconfig -p``) and their provides are what rpm's own
``elfdeps --provides`` prints for them.  The packages are written with createrepo_c's Python API
into ``<cache>/host-base/<digest>/``, where the digest is the sha256 of everything that went
in, so the same host gives the same repository (and the same checksum in the lock) and any
change on the host (an upgraded glibc, a new distribution) gives a new one.

See ``docs/host-base.md`` for what it holds and how to look at it: ``streams base query
--target host 'python(abi)'``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import createrepo_c as cr
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import StreamsError, UsageError, VersionError
from streams.infra.fsutil import cache_dir
from streams.infra.proc import run
from streams.solver.pydeps import requires_for
from streams.solver.versions import dist_provide, rpm_version
from streams.targets import HOST_PYTHON

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped whenever what a host base holds changes, so old cached repositories are not reused."""

REPO_NAME = "host-base"

# Libraries of the C runtime, by soname stem, and the Fedora package that ships each: glibc's
# libraries (glibc.spec %files), libgcc_s (libgcc), libstdc++ (libstdc++).
RUNTIME_LIBRARIES: dict[str, str] = {
    "libc": "glibc",
    "libm": "glibc",
    "libmvec": "glibc",
    "libpthread": "glibc",
    "libdl": "glibc",
    "librt": "glibc",
    "libutil": "glibc",
    "libresolv": "glibc",
    "libanl": "glibc",
    "ld-linux": "glibc",  # ld-linux-x86-64.so.2, ld-linux-aarch64.so.1
    "libgcc_s": "libgcc",
    "libstdc++": "libstdc++",
}

# rpm's ``elfdeps`` is run as %__elf_provides (rpm's fileattrs/elf.attr).
_ELFDEPS_MACRO = "%{_rpmconfigdir}/elfdeps"

# "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6" (glibc's ldconfig -p)
_LDCONFIG_LINE = re.compile(r"^\s*(?P<soname>\S+)\s+\((?P<flags>[^)]*)\)\s+=>\s+(?P<path>\S+)\s*$")

# The symbol-version tag whose highest number is the package's version (glibc's GLIBC_2.36,
# libgcc's GCC_12.0.0, libstdc++'s GLIBCXX_3.4.30).
_VERSION_TAGS = {"glibc": "GLIBC_", "libgcc": "GCC_", "libstdc++": "GLIBCXX_"}

_PROBE = r"""
import importlib.metadata as md, json, os, site, sys, sysconfig
try:
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
except (ValueError, OSError):
    libc = ""
system = [d for d in site.getsitepackages() if not d.startswith("/usr/local/")]
dists, seen = [], set()
for d in md.distributions(path=[p for p in sys.path if p in system]):
    name = d.metadata["Name"]
    if not name or name.lower() in seen:
        continue
    seen.add(name.lower())
    dists.append({
        "name": name,
        "version": d.version,
        "requires": list(d.requires or []),
        "extras": list(d.metadata.get_all("Provides-Extra") or []),
        "site": str(d.locate_file("")),
    })
exe = "/usr/bin/python%d.%d" % sys.version_info[:2]
print(json.dumps({
    "version": "%d.%d.%d" % sys.version_info[:3],
    "abi": "%d.%d" % sys.version_info[:2],
    "executables": [p for p in (sys.argv[1], exe) if os.path.exists(p)],
    "maxsize64": sys.maxsize > 2**32,
    "libc": libc,
    "site": system,
    "dists": sorted(dists, key=lambda x: x["name"].lower()),
}))
"""


@dataclass(frozen=True, slots=True)
class HostDist:
    """A Python distribution installed in the host's system site-packages."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    site: str = ""


@dataclass(frozen=True, slots=True)
class HostLibrary:
    """One C runtime library the dynamic loader finds, and what rpm's elfdeps says it provides."""

    soname: str
    path: str
    package: str  # glibc, libgcc, libstdc++
    provides: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What was read from the host: the input of :func:`host_packages`, and of the digest."""

    arch: str
    python_version: str  # "3.11.2"
    abi: str  # "3.11"
    executables: tuple[str, ...]
    libc: str  # "glibc 2.36" (os.confstr CS_GNU_LIBC_VERSION), "" on other C libraries
    libraries: tuple[HostLibrary, ...]
    files: tuple[str, ...]  # /bin/sh, /usr/bin/sh, /usr/bin/env: those that exist
    site: tuple[str, ...]
    dists: tuple[HostDist, ...] = field(default=())

    def digest(self) -> str:
        """sha256 of everything the host base is made from (and of :data:`FORMAT`)."""
        text = json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class HostPackage:
    """One package of the host base, as createrepo_c writes it."""

    name: str
    version: str
    arch: str
    summary: str
    provides: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


# --- reading the host -----------------------------------------------------------------------


def _ldconfig() -> str:
    found = shutil.which("ldconfig")
    if found:
        return found
    for cand in ("/sbin/ldconfig", "/usr/sbin/ldconfig"):
        if os.access(cand, os.X_OK):
            return cand
    raise UsageError(
        "the host target needs ldconfig to find the host's C libraries",
        hint="install glibc (libc-bin on Debian), or pick a fedora-NN-ARCH target",
    )


def _elfdeps() -> str:
    res = run(["rpm", "--eval", _ELFDEPS_MACRO], what="rpm --eval %{_rpmconfigdir}")
    path = res.stdout.strip()
    if not os.access(path, os.X_OK):
        raise UsageError(
            f"the host target needs rpm's elfdeps ({path} is missing)",
            hint="install rpm (the 'rpm' package on Debian and Fedora); scripts/setup.sh does",
        )
    return path


def _stem(soname: str) -> str | None:
    """The :data:`RUNTIME_LIBRARIES` key of ``soname`` (``libc.so.6`` -> ``libc``)."""
    if soname.startswith("ld-linux"):
        return "ld-linux"
    stem = soname.split(".so", 1)[0]
    return stem if stem in RUNTIME_LIBRARIES and ".so." in soname else None


def parse_ldconfig(text: str, *, want64: bool) -> dict[str, str]:
    """soname -> path of the C runtime libraries in ``ldconfig -p`` output.

    ``ldconfig -p`` lists every ABI the cache holds; a 64-bit host keeps the entries whose
    flags name a 64-bit ABI (``x86-64``, ``AArch64``, ``64bit``...), a 32-bit one the others.
    The first entry of a soname wins, as it does for the loader.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _LDCONFIG_LINE.match(line)
        if m is None or _stem(m["soname"]) is None:
            continue
        flags = m["flags"]
        is64 = any(t in flags for t in ("64", "AArch64"))
        if is64 != want64 or m["soname"] in out:
            continue
        out[m["soname"]] = m["path"]
    return out


def _probe_python(python: str) -> dict[str, Any]:
    try:
        res = run([python, "-I", "-c", _PROBE, python], what=f"{python} (host base probe)")
    except StreamsError as exc:
        raise UsageError(
            f"the host target needs {python} ({exc.message})",
            hint="install python3 with dnf or apt-get, or pick a fedora-NN-ARCH target",
        ) from exc
    data: dict[str, Any] = json.loads(res.stdout)
    return data


def probe_host(python: str = HOST_PYTHON, *, arch: str | None = None) -> HostFacts:
    """Read the host: the interpreter ``python``, the C runtime, the shell, the distributions."""
    import platform

    info = _probe_python(python)
    want64 = bool(info["maxsize64"])
    found = parse_ldconfig(run([_ldconfig(), "-p"], what="ldconfig -p").stdout, want64=want64)
    elfdeps = _elfdeps()
    libraries = []
    for soname, path in sorted(found.items()):
        stem = _stem(soname)
        assert stem is not None
        real = os.path.realpath(path)
        res = run([elfdeps, "--provides"], input=real + "\n", what=f"elfdeps --provides {real}")
        provides = tuple(sorted({line.strip() for line in res.stdout.splitlines() if line}))
        libraries.append(HostLibrary(soname, path, RUNTIME_LIBRARIES[stem], provides))
    files = tuple(p for p in ("/bin/sh", "/usr/bin/sh", "/usr/bin/env") if os.path.exists(p))
    dists = tuple(
        HostDist(
            d["name"],
            d["version"],
            tuple(d["requires"]),
            tuple(d["extras"]),
            d["site"],
        )
        for d in info["dists"]
    )
    return HostFacts(
        arch=arch or platform.machine(),
        python_version=info["version"],
        abi=info["abi"],
        executables=tuple(info["executables"]),
        libc=info["libc"],
        libraries=tuple(libraries),
        files=files,
        site=tuple(info["site"]),
        dists=dists,
    )


# --- what the host base holds ---------------------------------------------------------------


def _tag_version(provides: Sequence[str], tag: str) -> str | None:
    """The highest ``TAGx.y.z`` symbol version in ``provides`` (``GLIBC_2.36`` -> ``2.36``)."""
    best: tuple[int, ...] | None = None
    for p in provides:
        m = re.search(rf"\({re.escape(tag)}(\d+(?:\.\d+)*)\)", p)
        if m:
            v = tuple(int(x) for x in m[1].split("."))
            best = v if best is None or v > best else best
    return ".".join(str(x) for x in best) if best else None


def _at_least(version: str, floor: tuple[int, ...]) -> bool:
    try:
        return tuple(int(x) for x in version.split(".")[: len(floor)]) >= floor
    except ValueError:
        return False


def _dist_packages(facts: HostFacts) -> list[HostPackage]:
    out: list[HostPackage] = []
    for d in facts.dists:
        name = canonicalize_name(d.name)
        try:
            Version(d.version)
            provides = dist_provide(name, d.version, facts.abi, True)
            rpmver = rpm_version(d.version).split(":")[-1]
        except (InvalidVersion, VersionError):
            log.info("host base: %s %s has no PEP 440 version; left out", d.name, d.version)
            continue
        try:
            requires = requires_for(d.requires, python=facts.abi, arch=facts.arch)
            extra_requires = {
                e: requires_for(
                    d.requires,
                    python=facts.abi,
                    arch=facts.arch,
                    extras=frozenset({e}),
                    provides_extra=d.extras,
                )
                for e in d.extras
            }
        except StreamsError as exc:
            # an unparsable Requires-Dist: the solver could not trust what it needs
            log.info("host base: %s %s left out (%s)", d.name, d.version, exc.message)
            continue
        summary = f"{d.name} {d.version} installed in {d.site}"
        out.append(
            HostPackage(
                f"python3-{name}", rpmver, "noarch", summary, tuple(provides), tuple(requires)
            )
        )
        for e, reqs in extra_requires.items():
            # Fedora's extras subpackages (python3-foo+bar, %pyproject_extras_subpkg) provide
            # python3dist(foo[bar]) and require foo itself at the same version.
            eprov = dist_provide(name, d.version, facts.abi, True, extra=e)
            own = f"python3-{name} = {rpmver}-1"
            out.append(
                HostPackage(
                    f"python3-{name}+{e.lower()}",
                    rpmver,
                    "noarch",
                    f"the [{e}] extra of {summary}",
                    tuple(eprov),
                    (*reqs, own),
                )
            )
    return out


def host_packages(facts: HostFacts) -> list[HostPackage]:
    """The packages of the host base for ``facts`` (pure: see the module docstring)."""
    abi = facts.abi
    pkgs = [
        HostPackage(
            "python3",
            facts.python_version,
            facts.arch,
            f"the host's Python {facts.python_version}",
            # python3.spec (main Python): python(abi) = X.Y and python3.X = version
            (f"python(abi) = {abi}", f"python{abi} = {facts.python_version}", *facts.executables),
            (),
            facts.executables,
        )
    ]
    by_pkg: dict[str, list[HostLibrary]] = {}
    for lib in facts.libraries:
        by_pkg.setdefault(lib.package, []).append(lib)
    glibc_version = facts.libc.split()[-1] if facts.libc.startswith("glibc ") else None
    for pkg, libs in sorted(by_pkg.items()):
        provides = sorted({p for lib in libs for p in lib.provides})
        version = (glibc_version if pkg == "glibc" else None) or _tag_version(
            provides, _VERSION_TAGS[pkg]
        )
        # glibc.spec: "Provides: rtld(GNU_HASH)"; DT_GNU_HASH is read by ld.so since 2.5
        if pkg == "glibc" and glibc_version and _at_least(glibc_version, (2, 5)):
            provides.append("rtld(GNU_HASH)")
        pkgs.append(
            HostPackage(
                pkg,
                version or "0",
                facts.arch,
                f"the host's {', '.join(lib.soname for lib in libs)}",
                tuple(provides),
                (),
                tuple(sorted({lib.path for lib in libs})),
            )
        )
    shell = [f for f in facts.files if f.endswith("/sh")]
    if shell:
        # Fedora's bash provides /bin/sh and /usr/bin/sh (bash.spec %files)
        pkgs.append(
            HostPackage("host-sh", "1", facts.arch, "the host's /bin/sh", (), (), tuple(shell))
        )
    if "/usr/bin/env" in facts.files:
        pkgs.append(
            HostPackage(
                "host-env", "1", facts.arch, "the host's /usr/bin/env", (), (), ("/usr/bin/env",)
            )
        )
    pkgs.extend(_dist_packages(facts))
    return pkgs


# --- writing it -----------------------------------------------------------------------------

_OPS = {"<": "LT", ">": "GT", "=": "EQ", "<=": "LE", ">=": "GE"}
_DEP = re.compile(r"^(?P<name>\S+)\s+(?P<op><=|>=|=|<|>)\s+(?P<evr>\S+)$")


def _cr_dep(text: str) -> tuple[str, str | None, str | None, str | None, str | None, bool]:
    """``name [OP [E:]V[-R]]`` or a rich ``(...)`` dependency as createrepo_c's tuple."""
    m = _DEP.match(text)
    if text.startswith("(") or m is None:
        return (text, None, None, None, None, False)
    evr = m["evr"]
    epoch = "0"
    if ":" in evr:
        epoch, evr = evr.split(":", 1)
    ver, sep, rel = evr.rpartition("-")
    if not sep:
        ver, rel = evr, ""
    return (m["name"], _OPS[m["op"]], epoch, ver, rel or None, False)


def _cr_package(p: HostPackage) -> Any:
    pkg = cr.Package()
    pkg.name, pkg.epoch, pkg.version, pkg.release, pkg.arch = p.name, "0", p.version, "1", p.arch
    pkg.summary = pkg.description = p.summary
    pkg.rpm_license = ""
    nevra = f"{p.name}-{p.version}-1.{p.arch}"
    # no RPM file exists: the pkgId is a digest of the NEVRA, stable for the same input
    pkg.pkgId = hashlib.sha256(nevra.encode()).hexdigest()
    pkg.checksum_type = "sha256"
    pkg.location_href = f"Packages/{nevra}.rpm"
    pkg.time_file = pkg.time_build = 0
    pkg.provides = [_cr_dep(d) for d in (*p.provides, f"{p.name} = {p.version}-1")]
    pkg.requires = [_cr_dep(d) for d in p.requires]
    pkg.files = [("", f.rsplit("/", 1)[0] + "/", f.rsplit("/", 1)[1]) for f in p.files]
    return pkg


def write_host_repo(
    dest: Path, packages: Sequence[HostPackage], *, revision: str, extra: str = ""
) -> Path:
    """Write ``dest/repodata`` for ``packages`` with createrepo_c (deterministic bytes).

    The repository is written in a temporary directory beside ``dest`` and renamed into place,
    so a reader never sees half of one.  ``extra`` is written as ``host-facts.json`` beside it.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    (tmp / "repodata").mkdir()
    ordered = sorted(packages, key=lambda p: (p.name, p.arch, p.version))
    kinds = (
        ("primary", cr.PrimaryXmlFile),
        ("filelists", cr.FilelistsXmlFile),
        ("other", cr.OtherXmlFile),
    )
    repomd = cr.Repomd()
    repomd.set_revision(revision)
    writers = []
    for kind, cls in kinds:
        path = tmp / "repodata" / f"{kind}.xml.gz"
        w = cls(str(path), cr.GZ_COMPRESSION)
        w.set_num_of_pkgs(len(ordered))
        writers.append((kind, path, w))
    for p in ordered:
        pkg = _cr_package(p)
        for _kind, _path, w in writers:
            w.add_pkg(pkg)
    for kind, path, w in writers:
        w.close()
        rec = cr.RepomdRecord(kind, str(path))
        rec.fill(cr.SHA256)
        rec.rename_file()  # <sha256>-primary.xml.gz, as createrepo_c names them
        rec.timestamp = 0
        repomd.set_record(rec)
    repomd.sort_records()
    (tmp / "repodata" / "repomd.xml").write_text(repomd.xml_dump(), encoding="utf-8")
    if extra:
        (tmp / "host-facts.json").write_text(extra, encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    try:
        os.replace(tmp, dest)
    except OSError:  # another process wrote the same digest first: its copy is as good
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def host_base(
    python: str = HOST_PYTHON,
    *,
    arch: str | None = None,
    probe: Callable[..., HostFacts] | None = None,
) -> Path:
    """The host base's directory (``repodata/repomd.xml`` inside), made once per digest.

    The host is read each time (``probe``, default :func:`probe_host`: well under a second);
    the repository is written only when no cached one has the same digest.  Next to
    ``repodata/`` is ``host-facts.json``, everything that was read.
    """
    facts = (probe or probe_host)(python, arch=arch)
    digest = facts.digest()
    dest = cache_dir("host-base") / digest[:16]
    if (dest / "repodata" / "repomd.xml").is_file():
        return dest
    packages = host_packages(facts)
    if not any("python(abi)" in p for pkg in packages for p in pkg.provides):
        raise UsageError(f"the host base has no python(abi) ({python})")
    facts_json = json.dumps(asdict(facts), indent=2, sort_keys=True) + "\n"
    write_host_repo(dest, packages, revision=digest[:16], extra=facts_json)
    log.info("host base: %d packages in %s", len(packages), dest)
    return dest
