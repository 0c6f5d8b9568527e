"""The local backend: ``rpmbuild -bb`` per package, ``-j N`` in parallel where the plan allows.

Each build runs in its own top dir, ``OUTDIR/TARGET/build/RPM`` (``_topdir``), with its output
in ``OUTDIR/TARGET/build/RPM/build.log`` and its binary RPMs copied to
``OUTDIR/TARGET/rpms/RPM/`` (where ``streams publish`` looks for them); the paths come from
:class:`~streams.builders.workspace.Workspace`.

**Staging.**  A package that needs other stream packages to build (its build backend, or its
runtime requirements for the import check) cannot find them in ``/opt/streams/NAME`` on the
host: nothing is installed there, and no build may write outside the output and cache dirs.
So before each build, the RPMs of every stream package it needs (the transitive closure of its
edges in the plan) are extracted with ``rpm2cpio | cpio`` into a per-build staging root,
``TOPDIR/stage``, and rpmbuild gets ``--define "stream_staging TOPDIR/stage"``.  The generated
specs put ``%{?stream_staging}%{stream_sitelib}`` on ``PYTHONPATH``, so without the macro
(mock, Copr, Koji, where the packages are really installed) the path is the real prefix and with
it the staged copy.  No root is needed and nothing is installed on the host.

**Staged tools.**  The specs put ``%{?stream_staging}%{stream_prefix}/bin`` first on ``PATH``
too, so a build backend finds the tools the stream bundles (``maturin``; ``uv-build``, which
uv_build looks up with ``shutil.which``).  A staged console script's shebang names the
stream's interpreter, ``PREFIX/bin/python3``, which exists only inside the staging root here
(in mock, Copr and Koji the RPMs are really installed, so it exists there): after extraction,
:func:`relocate_shebangs` points every staged ``bin/`` script whose interpreter is inside the
staging root at that staged interpreter.  The runtime package (``PREFIX/bin/python3`` and
``pyvenv.cfg``) is staged with the dependencies, so the staged interpreter is the stream's
venv and its ``site-packages`` the staged one; a package with staged dependencies therefore
starts only once the runtime is built.

**No network.**  Every ``rpmbuild -bb`` runs in a network namespace of its own
(:func:`streams.infra.sandbox.offline_argv`), as mock, Copr and Koji build with networking
off: what a build would fetch itself works nowhere else, so it fails here too.  Sources are
fetched and sha256-checked by specgen before any build (``write_output(sources=True)``), and
rpmbuild gets ``_disable_source_fetch 1``.  ``allow_network=True`` (``streams build
--allow-network``) is the escape hatch for hosts that cannot make a namespace.

**Host Python.**  rpmbuild runs the host's ``/usr/bin/python3``: a target whose Python differs
would get packages byte-compiled and built for the wrong interpreter.  :func:`check_host_python`
refuses such a target and points at mock or Copr.

**Dependencies of the host.**  ``--nodeps``: on a non-Fedora host there is no rpm database of
build requirements, and the stream's own BuildRequires are satisfied by staging, not by
installed packages.  A missing host tool shows in the build log.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from streams.builders.base import BuildOutcome, Reporter
from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState
from streams.builders.workspace import SpecLocator, Workspace
from streams.errors import BuildError, CommandError, UsageError
from streams.infra.proc import run, which
from streams.infra.sandbox import offline_argv, offline_method
from streams.targets import HOST, HOST_PYTHON, get_target, host_python_version

BACKEND = "local"

_log = logging.getLogger(__name__)

# Linux reads at most BINPRM_BUF_SIZE (256) bytes of a "#!" line (since Linux 5.1; 128 before);
# a longer interpreter path cannot be a shebang, so such scripts get a /bin/sh trampoline.
_SHEBANG_MAX = 255


@dataclass(frozen=True, slots=True)
class LocalBuild:
    """The result of one rpmbuild run (what the scheduler records)."""

    name: str
    target: str
    ok: bool
    rpms: tuple[Path, ...]
    log: Path
    reason: str = ""


def check_host_python(targets: Sequence[str], host_version: str) -> None:
    """Refuse targets whose Python is not the host's (``host`` always matches)."""
    bad = []
    for name in targets:
        if name == HOST:
            continue
        py = get_target(name).python
        if py != host_version:
            bad.append(f"{name} (Python {py})")
    if bad:
        raise UsageError(
            "the local backend builds with this machine's Python "
            f"{host_version} ({HOST_PYTHON}), which differs from the Python of " + ", ".join(bad),
            hint="build with --target host, or in a clean root of that target with "
            "--backend mock (on Fedora) or --backend copr",
        )


def staged_deps(plan: BuildPlan, name: str) -> list[str]:
    """Every stream package ``name`` needs in its staging root (transitive, build order)."""
    seen: set[str] = set()
    todo = list(plan.deps.get(name, ()))
    while todo:
        d = todo.pop()
        if d in seen or d == name:
            continue
        seen.add(d)
        todo.extend(plan.deps.get(d, ()))
    return [n for n in plan.order() if n in seen and plan.nodes[n].kind != "metapackage"]


def _trampoline(interpreter: str, flags: str) -> bytes:
    """The first lines of a script that ``/bin/sh`` re-executes with ``interpreter``.

    Python reads the second and third lines as one string literal and ignores it; ``sh`` runs
    ``exec INTERPRETER [FLAGS] "$0" "$@"`` (the form pip's script launchers use for long
    interpreter paths).
    """
    argv = shlex.join([interpreter, *([flags] if flags else [])])
    return f"#!/bin/sh\n'''exec' {argv} \"$0\" \"$@\"\n' '''\n".encode()


def relocate_shebangs(stage: Path) -> list[Path]:
    """Point staged ``bin/`` scripts whose interpreter lives in ``stage`` at the staged copy.

    ``#!/opt/streams/NAME/bin/python3 -sP`` becomes ``#!STAGE/opt/streams/NAME/bin/python3 -sP``
    (flags kept) when ``STAGE/opt/streams/NAME/bin/python3`` exists; scripts whose
    interpreter is not in the staging root (the host's) and binaries are left alone.  Returns
    the rewritten files.
    """
    changed: list[Path] = []
    for bin_dir in sorted(stage.rglob("bin")):
        if bin_dir.is_symlink() or not bin_dir.is_dir():
            continue
        for script in sorted(bin_dir.iterdir()):
            if script.is_symlink() or not script.is_file():
                continue
            with script.open("rb") as fh:
                if fh.read(2) != b"#!":
                    continue
                words = fh.readline().decode("utf-8", "replace").strip().split(None, 1)
                rest = fh.read()
            if not words or not words[0].startswith("/"):
                continue
            staged = stage / words[0].lstrip("/")
            if not os.path.lexists(staged) or "'" in str(staged):
                continue
            flags = words[1] if len(words) > 1 else ""
            line = f"#!{staged}" + (f" {flags}" if flags else "") + "\n"
            head = line.encode()
            if len(head) > _SHEBANG_MAX:
                head = _trampoline(str(staged), flags)
            mode = script.stat().st_mode
            script.write_bytes(head + rest)
            script.chmod(mode)
            changed.append(script)
    return changed


class LocalBuilder:
    """Runs the builds of one plan on this machine, with a :class:`LocalBackend`'s settings."""

    def __init__(self, backend: LocalBackend, plan: BuildPlan, state: PlanState) -> None:
        self.plan = plan
        self.state = state
        self.specs = backend.specs
        self.outdir = backend.outdir.resolve()
        self.ws = Workspace(self.outdir)
        self.jobs = max(1, backend.jobs)
        self.reporter = backend.reporter or Reporter()
        self.defines = backend.defines
        self.allow_network = backend.allow_network
        self.runtime = next((n for n in self.plan.nodes.values() if n.kind == "runtime"), None)
        self.rpmbuild = which("rpmbuild", hint="install rpm-build (dnf) or rpm (apt)")
        self._stage_lock = threading.Lock()

    # -- paths -----------------------------------------------------------------------------
    def topdir(self, node: PlanNode, target: str) -> Path:
        return self.ws.build_dir(target, node.rpm)

    def rpm_dir(self, node: PlanNode, target: str) -> Path:
        """``OUTDIR/TARGET/rpms/RPM``: the binary RPMs of one package (what publish reads)."""
        return self.ws.rpm_dir(target, node.rpm)

    def log_path(self, node: PlanNode, target: str) -> Path:
        return self.topdir(node, target) / "build.log"

    # -- one build -------------------------------------------------------------------------
    def _stage(self, node: PlanNode, target: str, stage: Path, log: Path) -> None:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        rpm2cpio = which("rpm2cpio", hint="install rpm (it ships rpm2cpio)")
        cpio = which("cpio", hint="install cpio")
        deps = staged_deps(self.plan, node.name)
        if deps and self.runtime is not None:
            deps.insert(0, self.runtime.name)  # the stream's venv: PREFIX/bin/python3
        for dep in deps:
            for rpm_file in sorted(self.rpm_dir(self.plan.nodes[dep], target).glob("*/*.rpm")):
                run(
                    [
                        "sh",
                        "-c",
                        f"{shlex.quote(rpm2cpio)} {shlex.quote(str(rpm_file))} | "
                        f"{shlex.quote(cpio)} -idm --quiet --no-absolute-filenames",
                    ],
                    cwd=stage,
                    log_file=log,
                    what=f"stage {rpm_file.name}",
                )
        relocated = relocate_shebangs(stage)
        if relocated:
            with log.open("a", encoding="utf-8") as fh:
                fh.write(f"staging: {len(relocated)} script(s) now run the staged interpreter\n")

    def build_one(self, name: str, target: str) -> LocalBuild:
        """Stage the dependencies, run rpmbuild, collect the RPMs.  Never raises a BuildError."""
        node = self.plan.nodes[name]
        top = self.topdir(node, target)
        log = self.log_path(node, target)
        for sub in ("BUILD", "BUILDROOT", "RPMS", "SRPMS"):
            shutil.rmtree(top / sub, ignore_errors=True)
        top.mkdir(parents=True, exist_ok=True)
        log.write_text("", encoding="utf-8")
        try:
            spec, sources = self.specs(node, target)
        except BuildError as exc:
            return LocalBuild(name, target, False, (), log, exc.message)
        stage = top / "stage"
        try:
            self._stage(node, target, stage, log)
        except CommandError as exc:
            return LocalBuild(name, target, False, (), log, f"staging failed: {exc.message}")
        argv = [
            self.rpmbuild,
            "-bb",
            "--nodeps",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {sources.resolve()}",
            "--define",
            f"stream_staging {stage}",
            "--define",
            "_build_id_links none",
            # never fetch a Source during the build (rpm's default; said explicitly)
            "--define",
            "_disable_source_fetch 1",
        ]
        for key, value in self.defines:
            argv += ["--define", f"{key} {value}"]
        argv.append(str(spec.resolve()))
        if not self.allow_network:
            argv = offline_argv(argv)
        try:
            run(argv, log_file=log, what=f"rpmbuild -bb {spec.name}", timeout=6 * 3600)
        except CommandError as exc:
            return LocalBuild(
                name, target, False, (), log, f"rpmbuild exited {exc.returncode}, see {log}"
            )
        built = sorted((top / "RPMS").glob("*/*.rpm"))
        if not built:
            return LocalBuild(name, target, False, (), log, f"rpmbuild wrote no RPM, see {log}")
        dest = self.rpm_dir(node, target)
        shutil.rmtree(dest, ignore_errors=True)
        out = []
        for f in built:
            (dest / f.parent.name).mkdir(parents=True, exist_ok=True)
            target_file = dest / f.parent.name / f.name
            shutil.copy2(f, target_file)
            out.append(target_file)
        shutil.rmtree(stage, ignore_errors=True)
        return LocalBuild(name, target, True, tuple(out), log)

    # -- the scheduler ---------------------------------------------------------------------
    def _waits_for_runtime(self, name: str, target: str) -> bool:
        """A package with staged dependencies needs the runtime's RPM (its interpreter)."""
        rt = self.runtime
        if rt is None or name == rt.name or not staged_deps(self.plan, name):
            return False
        return self.state.get(rt.name, target).state != "succeeded"

    def run(self) -> BuildOutcome:
        """Build everything pending, ``jobs`` at a time, in plan order; never raises on a
        failed package (see :meth:`BuildOutcome.raise_for_failures`)."""
        running: dict[Future[LocalBuild], tuple[str, str]] = {}
        with ThreadPoolExecutor(self.jobs, thread_name_prefix="rpmbuild") as pool:
            while True:
                for name, target in self.state.ready():
                    if len(running) >= self.jobs:
                        break
                    if self._waits_for_runtime(name, target):
                        continue
                    node = self.plan.nodes[name]
                    log = self.log_path(node, target)
                    self.state.start(name, target, build_id=f"rpmbuild:{node.rpm}", logs=[log])
                    self.reporter.submitted(name, (target,), f"rpmbuild:{node.rpm}")
                    self.reporter.changed(name, target, "building")
                    running[pool.submit(self.build_one, name, target)] = (name, target)
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    name, target = running.pop(fut)
                    try:
                        res = fut.result()
                    except Exception as exc:  # an unexpected error in one build thread
                        res = LocalBuild(
                            name,
                            target,
                            False,
                            (),
                            self.log_path(self.plan.nodes[name], target),
                            f"{type(exc).__name__}: {exc}",
                        )
                    self._record(res)
        for (name, target), rec in self.state.items():
            if rec.state == "pending":
                self.state.skip(name, target, reason="its dependencies were not built")
        return BuildOutcome(BACKEND, tuple(self.state.summary()), self.state.path)

    def _record(self, res: LocalBuild) -> None:
        dest = self.rpm_dir(self.plan.nodes[res.name], res.target)
        if res.ok:
            self.state.succeed(res.name, res.target, url=str(dest), logs=[res.log])
            self.reporter.changed(res.name, res.target, "succeeded")
            return
        skipped = self.state.fail(res.name, res.target, reason=res.reason, logs=[res.log])
        self.reporter.changed(res.name, res.target, "failed", res.reason)
        for dep, t in skipped:
            self.reporter.changed(dep, t, "skipped", f"dependency {res.name} failed")


class LocalBackend:
    """The local backend behind the :class:`~streams.builders.base.Backend` protocol.

    ``host_version`` (default: asked of ``/usr/bin/python3``) is checked against every
    target's Python before anything builds.
    """

    name = BACKEND

    def __init__(
        self,
        *,
        specs: SpecLocator,
        outdir: Path,
        jobs: int = 1,
        reporter: Reporter | None = None,
        defines: Sequence[tuple[str, str]] = (),
        host_version: str | None = None,
        allow_network: bool = False,
    ) -> None:
        self.specs = specs
        self.outdir = outdir
        self.jobs = jobs
        self.reporter = reporter
        self.defines = tuple(defines)
        self.host_version = host_version
        self.allow_network = allow_network

    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        ws = Workspace(self.outdir)
        lines = [plan.render(), "", "local builds (rpmbuild -bb --nodeps, staged dependencies):"]
        for name in plan.order():
            node = plan.nodes[name]
            for t in node.targets:
                lines.append(
                    f"  rpmbuild -bb --define '_topdir {ws.build_dir(t, node.rpm)}' "
                    f"--define 'stream_staging .../stage' {ws.spec_file(t, node.rpm)}"
                )
        return "\n".join(lines)

    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        """Build what is pending; records a ``--resume`` found ``building`` start again."""
        building = [key for key, rec in state.items() if rec.state == "building"]
        return self.run(plan, state, requeue=building)

    def run(
        self, plan: BuildPlan, state: PlanState, *, requeue: Sequence[tuple[str, str]] = ()
    ) -> BuildOutcome:
        """Build ``plan`` (see the module docstring); never raises for a failed package.

        ``requeue`` are the records a ``--resume`` found ``building`` (their process is
        gone): they start again.
        """
        check_host_python(plan.targets, self.host_version or host_python_version())
        if self.allow_network:
            _log.warning("local builds run with network access (--allow-network)")
        else:
            _log.info("local builds run without network (%s)", offline_method())
        for name, target in requeue:
            state.requeue(name, target, reason="restarted: the previous run was interrupted")
        return LocalBuilder(self, plan, state).run()
