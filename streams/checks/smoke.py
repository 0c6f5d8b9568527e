"""Install and run: a real transaction into a scratch root, then the stream's commands and
imports, run with the host's interpreter and the scratch root's prefixes at their real paths.

Install: ``dnf --installroot`` from temporary .repo files for the base repos and the stream
repos (``--nogpgcheck``: signatures are ``streams publish``'s business, verified there).  When
dnf is missing or fails (the embedded base snapshot is metadata only: its packages cannot be
downloaded), the stream's own packages are installed with ``rpm --root --nodeps --noscripts``
instead and the evidence says so; base packages then come from the host.

Run: bubblewrap with the host's ``/`` read-only, a tmpfs over the first host directory on the
way to each prefix that does not exist (so nothing is created in the host's ``/opt``), the
scratch prefixes bound read-only at their real paths, and the scratch ``/usr/bin`` bound at
``/tmp/streams-exports``.  Each exported command runs with ``--help`` (exit 0 expected); one
``PREFIX/bin/python3`` imports every bundled top-level module and reports where each came
from, so a module that silently resolves to a host copy instead of the bundled one fails.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.checks.firewall import exported_files
from streams.checks.model import CheckResult, LoadedStream, skipped
from streams.errors import CommandError, ToolMissingError
from streams.infra.proc import run
from streams.solver.repos import RepoSpec
from streams.solver.repos.host import REPO_NAME as HOST_BASE

NAME = "install-and-run"
EXPORTS_MOUNT = "/tmp/streams-exports"
_SITE = re.compile(r"^(?P<prefix>.+)/lib(64)?/python3\.\d+/site-packages/(?P<top>[^/]+)$")
_IN_SITE = re.compile(r"^(?P<prefix>.+)/lib(64)?/python3\.\d+/site-packages/(?P<rest>.+)$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_IMPORT_SCRIPT = r"""
import importlib, json, sys
out = {"prefix": sys.prefix, "version": sys.version.split()[0], "modules": {}}
for name in sys.argv[1:]:
    try:
        mod = importlib.import_module(name)
    except BaseException as exc:
        out["modules"][name] = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            out["modules"][name]["missing"] = exc.name
        continue
    where = getattr(mod, "__file__", None) or next(iter(getattr(mod, "__path__", []) or []), "")
    out["modules"][name] = {"file": where or ""}
print("STREAMS-IMPORTS " + json.dumps(out))
"""


def top_level_modules(stream: LoadedStream, installed: Collection[str] | None = None) -> list[str]:
    """Importable top-level names the stream's packages (those whose NEVRA is in
    ``installed``, default all) put into its site-packages."""
    prefix = stream.prefix.rstrip("/")
    names: set[str] = set()
    for info in stream.rpms:
        if installed is not None and info.nevra not in installed:
            continue
        for f in info.files:
            m = _SITE.match(f.path)
            if not m or m["prefix"] != prefix:
                continue
            top = m["top"]
            if top.endswith((".dist-info", ".egg-info", ".pth")) or top == "__pycache__":
                continue
            if f.is_dir:
                name = top
            elif top.endswith(".py"):
                name = top[:-3]
            elif top.endswith(".so"):
                name = top.split(".", 1)[0]  # foo.cpython-314-x86_64-linux-gnu.so -> foo
            else:
                continue
            if _IDENT.match(name):
                names.add(name)
    return sorted(names)


def module_metadata(stream: LoadedStream, root: Path, module: str) -> tuple[str, str] | None:
    """``(dist-info directory, METADATA text)`` of the package that ships top-level ``module``
    in ``stream``'s site-packages, read from the scratch ``root`` it was installed into."""
    prefix = stream.prefix.rstrip("/")
    for info in stream.rpms:
        tops: set[str] = set()
        dist_infos: set[str] = set()
        for f in info.files:
            m = _IN_SITE.match(f.path)
            if not m or m["prefix"] != prefix:
                continue
            top = m["rest"].split("/", 1)[0]
            if top.endswith(".dist-info"):
                dist_infos.add(f.path[: len(f.path) - len(m["rest"])] + top)
            elif "/" in m["rest"] or f.is_dir:
                tops.add(top)
            else:
                tops.add(top.split(".", 1)[0])  # greet.py, greet.cpython-314-x86_64-linux-gnu.so
        if module not in tops:
            continue
        for d in sorted(dist_infos):
            path = root / d.lstrip("/") / "METADATA"
            if path.is_file():
                return d.rsplit("/", 1)[1], path.read_text("utf-8", "replace")
    return None


def extra_only_reason(metadata: str, missing: str, python: str) -> str | None:
    """Why an import that could not find ``missing`` is not a failure, or None when it is.

    The rule: the missing top-level module, PEP 503-normalised, names a distribution that the
    importing distribution's ``Requires-Dist`` asks for only under ``extra == "..."`` markers
    (no requirement on it applies without an extra, markers evaluated for ``python`` on Linux).
    The stream did not select such an extra, or the lock would have put that distribution in
    the view and the import would have found it; Fedora's ``%pyproject_check_import`` has the
    same blind spot and takes ``-e`` to exclude such modules.
    """
    from email.parser import HeaderParser

    from packaging.markers import Marker
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from streams.solver.pydeps import environment

    headers = HeaderParser().parsestr(metadata)
    want = canonicalize_name(missing.split(".", 1)[0])
    extras = [e.strip() for e in headers.get_all("Provides-Extra") or [] if e.strip()]
    env = environment(python, platform.machine())
    needing: set[str] = set()
    for text in headers.get_all("Requires-Dist") or []:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != want:
            continue
        marker: Marker | None = req.marker
        if marker is None or marker.evaluate({**env, "extra": ""}):
            return None  # required without any extra: a real failure
        needing |= {e for e in extras if marker.evaluate({**env, "extra": e})}
    if not needing:
        return None
    name = headers.get("Name", "the distribution")
    listed = ", ".join(f"[{e}]" for e in sorted(needing))
    return f"needs {want}, which {name} requires only with its {listed} extra (not selected)"


def _extra_only(
    stream: LoadedStream, root: Path, module: str, result: dict[str, str], python: str
) -> str | None:
    missing = result.get("missing")
    if not missing:
        return None
    found = module_metadata(stream, root, module)
    return None if found is None else extra_only_reason(found[1], missing, python)


@dataclass(frozen=True, slots=True)
class InstallSource:
    """A repository for the scratch transaction."""

    name: str
    url: str
    metalink: bool = False


def base_sources(specs: Sequence[RepoSpec]) -> list[InstallSource]:
    out = []
    for s in specs:
        if s.kind in ("dir", "file"):
            out.append(InstallSource(s.name, s.local_path().as_uri()))
        elif s.kind == "metalink":
            out.append(InstallSource(s.name, s.location, metalink=True))
        else:
            out.append(InstallSource(s.name, s.url))
    return out


def _repo_conf(sources: Sequence[InstallSource], reposdir: Path) -> None:
    reposdir.mkdir(parents=True, exist_ok=True)
    for src in sources:
        key = "metalink" if src.metalink else "baseurl"
        (reposdir / f"{src.name}.repo").write_text(
            f"[{src.name}]\nname={src.name}\n{key}={src.url}\nenabled=1\ngpgcheck=0\n",
            encoding="utf-8",
        )


def _dnf_install(
    root: Path,
    sources: Sequence[InstallSource],
    packages: Sequence[str],
    *,
    arch: str,
    releasever: str,
    work: Path,
) -> tuple[str, set[str]]:
    dnf = shutil.which("dnf")
    if dnf is None:
        raise ToolMissingError("dnf is not installed")
    reposdir = work / "repos.d"
    _repo_conf(sources, reposdir)
    argv = [
        dnf,
        "-y",
        "-q",
        f"--installroot={root}",
        f"--releasever={releasever}",
        f"--setopt=reposdir={reposdir}",
        f"--setopt=cachedir={work / 'dnf-cache'}",
        f"--setopt=logdir={work}",
        "--setopt=install_weak_deps=False",
        "--setopt=keepcache=False",
        "--nogpgcheck",
        "--disableplugin=*",
    ]
    if arch not in ("noarch", platform.machine()):
        argv.append(f"--forcearch={arch}")
    run([*argv, "install", *packages], timeout=1800, what="dnf --installroot install")
    res = run(["rpm", "--root", str(root), "-qa", "--qf", "%{NEVRA}\n"], what="rpm -qa in the root")
    installed = set(res.stdout.split())
    n = len(installed)
    return f"dnf --installroot installed {n} package(s) from {len(sources)} repositories", installed


def _rpm_install(root: Path, rpm_files: Sequence[Path]) -> str:
    run(
        [
            "rpm",
            "--root",
            str(root),
            "-i",
            "--nodeps",
            "--noscripts",
            "--notriggers",
            *map(str, rpm_files),
        ],
        timeout=1800,
        what="rpm --root -i",
    )
    return (
        f"rpm --root --nodeps --noscripts installed the {len(rpm_files)} stream package(s); "
        "base packages come from the host"
    )


def _bwrap_usable() -> str | None:
    """None when bubblewrap can make a sandbox here; else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: install bubblewrap to run the smoke test"
    try:
        run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "true"], timeout=60, what="bwrap")
    except CommandError as exc:
        tail = exc.output_tail.strip().splitlines()
        return "bubblewrap cannot create a sandbox here: " + (
            tail[-1] if tail else f"exit {exc.returncode}"
        )
    return None


def base_site_dirs(root: Path) -> list[str]:
    """System site directories that the scratch root's base packages filled and the host has.

    When dnf installed the base packages into the root, the sandbox must import *those*
    (the versions the lock reused), not whatever the host has in the same directories.
    """
    out = []
    for d in sorted(root.glob("usr/lib*/python3*/*-packages")):
        path = "/" + d.relative_to(root).as_posix()
        if d.is_dir() and any(d.iterdir()) and os.path.isdir(path):
            out.append(path)
    return out


def sandbox_argv(root: Path, prefixes: Sequence[str], site_dirs: Sequence[str] = ()) -> list[str]:
    """bwrap options that show ``root``'s prefixes (and /usr/bin) without touching the host.

    ``site_dirs`` (see :func:`base_site_dirs`) are bound from the root over the host's.
    """
    argv = [
        "bwrap",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]
    tmpfs: set[str] = set()
    for p in prefixes:
        if os.path.isdir(p):
            continue
        # the first missing component's parent must be hidden by a tmpfs so that bwrap's
        # mount point for the prefix is created in memory, never on the host
        parts = p.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            cand = "/" + "/".join(parts[:i])
            if not os.path.isdir(cand):
                parent = "/" + "/".join(parts[: i - 1])
                if parent != "/":
                    tmpfs.add(parent)
                break
    for t in sorted(tmpfs, key=lambda x: (x.count("/"), x)):
        if not any(t != u and t.startswith(u.rstrip("/") + "/") for u in tmpfs):
            argv += ["--tmpfs", t]
    for p in prefixes:
        argv += ["--ro-bind", str(root) + p, p]
    argv += ["--ro-bind", str(root / "usr" / "bin"), EXPORTS_MOUNT]
    for d in site_dirs:
        argv += ["--ro-bind", str(root) + d, d]
    argv += ["--unsetenv", "PYTHONPATH", "--unsetenv", "PYTHONHOME", "--unsetenv", "VIRTUAL_ENV"]
    argv += ["--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "HOME", "/tmp"]
    argv += ["--chdir", "/tmp"]
    return argv


def install_and_run(
    main: LoadedStream,
    others: Sequence[LoadedStream],
    *,
    base_specs: Sequence[RepoSpec],
    stream_rpm_files: Sequence[Path],
    arch: str,
    releasever: str,
    workdir: Path | None = None,
    keep_root: bool = False,
) -> CheckResult:
    """Install ``main`` (and ``others``) into a scratch root and run its commands and imports.

    ``stream_rpm_files`` are the stream packages the rpm fallback installs (the stream part of
    the libsolv transaction).
    """
    if os.geteuid() != 0:
        return skipped(
            NAME,
            "needs root: an installroot transaction (dnf/rpm --root) and the sandbox run as "
            "root (run streams check as root, e.g. in a container or CI)",
        )
    why = _bwrap_usable()
    if why is not None:
        return skipped(NAME, why)
    prefixes = sorted({s.prefix for s in (main, *others)})
    if any(p.count("/") < 2 for p in prefixes):
        return skipped(NAME, f"a prefix directly under / cannot be sandboxed: {prefixes}")

    work = Path(tempfile.mkdtemp(prefix=f"streams-check-{main.name}-", dir=workdir))
    root = work / "root"
    root.mkdir()
    evidence: list[str] = []
    failures: list[str] = []
    site_dirs: list[str] = []
    try:
        sources = base_sources(base_specs) + [
            InstallSource(f"{s.name}-stream", s.repo.repo_dir.resolve().as_uri())
            for s in (main, *others)
        ]
        with_rpm = any(spec.name == HOST_BASE for spec in base_specs)
        if with_rpm:
            # the host base is this machine described as repodata: it has no package files,
            # and its packages are installed already (the host itself)
            evidence.append(
                f"rpm instead of dnf: the {HOST_BASE} repository describes this machine; it "
                "has no package files for dnf"
            )
        else:
            try:
                text, installed = _dnf_install(
                    root,
                    sources,
                    [s.repo.metapackage for s in (main, *others)],
                    arch=arch,
                    releasever=releasever,
                    work=work,
                )
                evidence.append(text)
                site_dirs = base_site_dirs(root)
                if site_dirs:
                    evidence.append(
                        "base packages imported from the scratch root's " + ", ".join(site_dirs)
                    )
            except (CommandError, ToolMissingError) as exc:
                reason = exc.message
                if isinstance(exc, CommandError):
                    reason = f"dnf exited {exc.returncode}"
                    if exc.output_tail:
                        reason += ": " + " | ".join(exc.output_tail.strip().splitlines()[-3:])
                evidence.append(f"dnf could not install into the scratch root ({reason})")
                shutil.rmtree(root, ignore_errors=True)
                root.mkdir()
                with_rpm = True
        if with_rpm:
            try:
                evidence.append(_rpm_install(root, stream_rpm_files))
                installed = {
                    i.nevra
                    for st in (main, *others)
                    for i in st.rpms
                    if i.path in set(stream_rpm_files)
                }
            except CommandError as exc2:
                tail = " | ".join(exc2.output_tail.strip().splitlines()[-3:])
                failures.append(
                    f"rpm --root -i of the stream packages exited {exc2.returncode}: {tail}"
                )
                return CheckResult(NAME, False, tuple(failures + evidence))
        for p in prefixes:
            if not (root / p.lstrip("/")).is_dir():
                failures.append(f"the scratch root has no {p} after the install")
        if failures:
            return CheckResult(NAME, False, tuple(failures + evidence))
        box = sandbox_argv(root, prefixes, site_dirs)

        for info, f in exported_files(main):
            cmd = f.path.rsplit("/", 1)[1]
            res = run([*box, f"{EXPORTS_MOUNT}/{cmd}", "--help"], check=False, timeout=300)
            if res.returncode == 0:
                evidence.append(f"{f.path} --help exited 0 ({info.nevra})")
            else:
                tail3 = (res.stdout + res.stderr).strip().splitlines()[-3:]
                failures.append(
                    f"{f.path} --help exited {res.returncode} ({info.nevra}): " + " | ".join(tail3)
                )

        left_out = sorted(i.nevra for i in main.rpms if i.nevra not in installed)
        if left_out:
            evidence.append(
                f"not pulled in by {main.repo.metapackage}, so not imported: {', '.join(left_out)}"
            )
        modules = top_level_modules(main, installed)
        if modules:
            python = f"{main.prefix}/bin/python3"
            res = run([*box, python, "-c", _IMPORT_SCRIPT, *modules], check=False, timeout=600)
            line = next(
                (ln for ln in res.stdout.splitlines() if ln.startswith("STREAMS-IMPORTS ")), None
            )
            if line is None:
                tail5 = (res.stdout + res.stderr).strip().splitlines()[-5:]
                failures.append(
                    f"{python} could not run the import check (exit {res.returncode}): "
                    + " | ".join(tail5)
                )
            else:
                data = json.loads(line.split(" ", 1)[1])
                if data["prefix"] != main.prefix:
                    failures.append(
                        f"{python} runs with sys.prefix {data['prefix']}, not {main.prefix}: "
                        "pyvenv.cfg is missing or wrong"
                    )
                ok = []
                extra_only: list[str] = []
                for name, r in sorted(data["modules"].items()):
                    why_not = _extra_only(main, root, name, r, data["version"])
                    if why_not is not None:
                        extra_only.append(f"{name} ({why_not})")
                    elif "error" in r:
                        failures.append(f"import {name} failed: {r['error']}")
                    elif not r["file"].startswith(main.prefix + "/"):
                        failures.append(
                            f"import {name} found {r['file']}, not the bundled copy under "
                            f"{main.prefix}"
                        )
                    else:
                        ok.append(name)
                evidence.append(
                    f"{python} (Python {data['version']}, sys.prefix {data['prefix']}) imported "
                    f"{len(ok)} of {len(modules)} bundled modules from the prefix: {', '.join(ok)}"
                )
                if extra_only:
                    evidence.append("skipped import " + "; ".join(extra_only))
        else:
            evidence.append("the stream bundles no top-level modules to import")
        if keep_root:
            evidence.append(f"scratch root kept at {root}")
        return CheckResult(NAME, not failures, tuple(failures + evidence))
    finally:
        if not keep_root:
            shutil.rmtree(work, ignore_errors=True)
