"""mock backend: the packager's local clean room, one generated config per target.

Facts from ``docs/reference/contracts.md`` §3 (rpm-software-management/mock @8178752, ``mock.1``,
``mockbuild/config.py``, ``mockbuild/backend.py``, ``mockbuild/exception.py``):

* ``-r PATH.cfg`` takes a config by path.  Ours ``include()``s Fedora's stock config (resolved
  against mock's config dir, ``/etc/mock``), renames the root so it never shares a cache or a
  lock with plain ``fedora-NN-ARCH`` builds, and appends the stream's local repository and any
  extra repositories to ``config_opts['dnf.conf']`` -- the ``+=`` override pattern that mock's
  own ``--addrepo`` uses.
* Chain mode: ``mock -r CFG --chain --localrepo DIR [-c] A.src.rpm B.src.rpm ...`` in plan order.
  Results land in ``DIR/results/<root>/<srpm without .src.rpm>/`` with a ``success`` or ``fail``
  marker; createrepo runs after each success, so each package sees the ones before it.
* Per-package mode: ``mock -r CFG --rebuild X.src.rpm --resultdir D [--addrepo URL]...`` for each
  ready package, then ``createrepo_c`` over the local repo before the next wave.
* Exit codes map to messages that name the right log (:data:`EXIT_CODES`).

mock is not packaged for Debian; the tests check the exact command lines and config text and
run the orchestration against a stand-in executable (``tests/data/mock/fake-mock``).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from streams.builders.base import BuildOutcome, Reporter, SrpmProvider
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.builders.workspace import Workspace
from streams.errors import BuildError, UsageError
from streams.infra.proc import run, which
from streams.targets import get_target

Mode = Literal["chain", "rebuild"]


@dataclass(frozen=True, slots=True)
class ExitMeaning:
    what: str
    log: str | None
    """The log that explains it (``build.log``, ``root.log``), if one does."""
    fatal: bool = False
    """True when no other package can build either (configuration, lock, command line)."""


# mockbuild/exception.py
EXIT_CODES: dict[int, ExitMeaning] = {
    1: ExitMeaning("mock failed (generic error)", "root.log"),
    3: ExitMeaning("mock rejected the configuration", None, fatal=True),
    4: ExitMeaning("only some packages of the --chain were built", None),
    5: ExitMeaning("mock rejected the command line", None, fatal=True),
    10: ExitMeaning("rpmbuild failed in the buildroot", "build.log"),
    11: ExitMeaning("the build timed out", "build.log"),
    20: ExitMeaning("the buildroot could not be set up", "root.log"),
    30: ExitMeaning("the package manager could not install the build dependencies", "root.log"),
    40: ExitMeaning("the source RPM is invalid", None),
    50: ExitMeaning("a command mock ran in the buildroot failed", "root.log"),
    60: ExitMeaning("the buildroot is locked by another mock process", None, fatal=True),
    70: ExitMeaning("mock cannot use the result directory", None, fatal=True),
    90: ExitMeaning("the bootstrap chroot could not be set up", "root.log", fatal=True),
}


def explain(code: int) -> ExitMeaning:
    return EXIT_CODES.get(code, ExitMeaning(f"mock exited with code {code}", "root.log"))


def mock_root(stream: str, target: str) -> str:
    """``NAME-fedora-45-x86_64``: the buildroot name (cache, lock and result path)."""
    return f"{stream}-{target}"


def _check_repo_url(url: str) -> str:
    if not url or any(c in url for c in "\n\r\"'\\") or url.strip() != url:
        raise UsageError(
            f"repository URL {url!r} cannot go into a mock config",
            hint="a plain baseurl such as https://example.org/repo/ or file:///srv/repo",
        )
    return url


def config_text(stream: str, target: str, local_repo: Path, extra_repos: Sequence[str] = ()) -> str:
    """The mock config for ``stream`` on ``target``: Fedora's config plus the stream's repos."""
    base = get_target(target).mock_config
    if base is None:
        raise UsageError(
            f"target {target!r} has no mock config", hint="use a fedora-NN-ARCH target"
        )
    repos = [(f"{stream}-stream-local", f"{stream} stream: local builds", local_repo.as_uri())]
    repos += [
        (f"{stream}-stream-extra-{i}", f"{stream} stream: extra repository {i}", _check_repo_url(u))
        for i, u in enumerate(extra_repos, 1)
    ]
    sections = "".join(
        f"\n[{rid}]\nname={name}\nbaseurl={url}\ngpgcheck=0\nskip_if_unavailable=False\n"
        for rid, name, url in repos
    )
    return (
        f"# mock config for the {stream} stream on {target}, written by streams; do not edit.\n"
        f"# Use: mock -r {mock_root(stream, target)}.cfg ...\n"
        f"include({base + '.cfg'!r})\n"
        f"config_opts['root'] = {mock_root(stream, target)!r}\n"
        f'config_opts[\'dnf.conf\'] += """{sections}"""\n'
    )


def chain_argv(
    mock: str, config: Path, srpms: Sequence[Path], localrepo: Path, *, keep_going: bool = False
) -> list[str]:
    """``mock -r CFG --chain --localrepo DIR [-c] SRPM...`` (SRPMs in plan order)."""
    argv = [mock, "-r", str(config), "--chain", "--localrepo", str(localrepo)]
    if keep_going:
        argv.append("-c")
    return argv + [str(s) for s in srpms]


def rebuild_argv(
    mock: str, config: Path, srpm: Path, resultdir: Path, addrepos: Sequence[str] = ()
) -> list[str]:
    """``mock -r CFG --rebuild SRPM --resultdir D [--addrepo URL]...``."""
    argv = [mock, "-r", str(config), "--rebuild", str(srpm), "--resultdir", str(resultdir)]
    for url in addrepos:
        argv += ["--addrepo", _check_repo_url(url)]
    return argv


def srpm_stem(srpm: Path) -> str:
    return srpm.name.removesuffix(".src.rpm")


class MockBackend:
    """Builds a plan with mock, one target after the other."""

    name = "mock"

    def __init__(
        self,
        srpms: SrpmProvider,
        outdir: Path,
        *,
        mode: Mode = "chain",
        extra_repos: Sequence[str] = (),
        addrepos: Sequence[str] = (),
        keep_going: bool = False,
        mock: str = "mock",
        reporter: Reporter | None = None,
    ) -> None:
        self.srpms = srpms
        self.outdir = outdir
        self.ws = Workspace(outdir)
        self.mode = mode
        self.extra_repos = tuple(extra_repos)
        self.addrepos = tuple(addrepos)
        self.keep_going = keep_going
        self.mock = mock
        self.reporter = reporter or Reporter()

    # -- layout ------------------------------------------------------------------------------
    def config_path(self, stream: str, target: str) -> Path:
        return self.ws.mock_file(target, f"{mock_root(stream, target)}.cfg")

    def local_repo(self, target: str) -> Path:
        """``OUTDIR/TARGET/repo``: per-package results, indexed with createrepo_c."""
        return self.ws.repo(target)

    def chain_dir(self, target: str) -> Path:
        return self.ws.mock_file(target, "chain")

    def write_config(self, stream: str, target: str) -> Path:
        from streams.infra.fsutil import atomic_write_text

        path = self.config_path(stream, target)
        text = config_text(stream, target, self.local_repo(target).resolve(), self.extra_repos)
        atomic_write_text(path, text)
        return path

    # -- dry run -----------------------------------------------------------------------------
    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        lines = []
        for target in plan.targets:
            cfg = self.config_path(plan.stream, target)
            lines.append(f"# {cfg}")
            lines.append(
                config_text(plan.stream, target, self.local_repo(target), self.extra_repos)
            )
            todo = [
                n
                for n in plan.order()
                if target in plan.nodes[n].targets and state.get(n, target).state != "succeeded"
            ]
            names = [f"{plan.nodes[n].rpm}.src.rpm" for n in todo]
            if self.mode == "chain":
                argv = chain_argv(
                    self.mock,
                    cfg,
                    [Path(n) for n in names],
                    self.chain_dir(target),
                    keep_going=self.keep_going,
                )
                lines.append(" ".join(argv))
            else:
                for gen_no, gen in enumerate(plan.generations):
                    lines.append(f"# generation {gen_no}")
                    for step in gen:
                        for n in step.members:
                            if n not in todo:
                                continue
                            rpm = plan.nodes[n].rpm
                            argv = rebuild_argv(
                                self.mock,
                                cfg,
                                Path(f"{rpm}.src.rpm"),
                                self.local_repo(target) / rpm,
                                self.addrepos,
                            )
                            lines.append(" ".join(argv))
                    lines.append(f"createrepo_c {self.local_repo(target)}")
        return "\n".join(lines)

    # -- the run -------------------------------------------------------------------------------
    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        mock = which(self.mock, hint="dnf install mock, and add yourself to the mock group")
        for (name, target), rec in list(state.items()):
            if rec.state == "building":  # the mock that ran it is gone: start it again
                state.requeue(name, target)
        for target in plan.targets:
            cfg = self.write_config(plan.stream, target)
            _createrepo(self.local_repo(target))
            if self.mode == "chain":
                self._chain(plan, state, target, mock, cfg)
            else:
                self._rebuild(plan, state, target, mock, cfg)
        return BuildOutcome("mock", tuple(state.summary()), state.path)

    def _chain(self, plan: BuildPlan, state: PlanState, target: str, mock: str, cfg: Path) -> None:
        todo = [
            n
            for n in plan.order()
            if target in plan.nodes[n].targets and state.get(n, target).state == "pending"
        ]
        if not todo:
            return
        srpms = {n: self.srpms(plan.nodes[n], target) for n in todo}
        localrepo = self.chain_dir(target)
        results = localrepo / "results" / mock_root(plan.stream, target)
        logs = {n: results / srpm_stem(s) for n, s in srpms.items()}
        for n in todo:
            state.start(
                n,
                target,
                build_id="mock --chain",
                url=str(logs[n]),
                logs=[logs[n] / "build.log", logs[n] / "root.log"],
            )
            self.reporter.changed(n, target, "building")
        argv = chain_argv(mock, cfg, list(srpms.values()), localrepo, keep_going=self.keep_going)
        log_file = self.ws.mock_file(target, "mock-chain.log")
        res = run(argv, log_file=log_file, check=False, what="mock --chain")
        meaning = explain(res.returncode)
        failed_any = False
        for n in todo:
            d = logs[n]
            if state.get(n, target).state != "building":
                continue  # skipped meanwhile because a dependency failed
            if (d / "success").exists():
                state.succeed(n, target)
                self.reporter.changed(n, target, "succeeded")
            elif (d / "fail").exists():
                failed_any = True
                state.fail(
                    n,
                    target,
                    reason=f"mock --chain: rpmbuild failed (see {d / 'build.log'})",
                    logs=[d / "build.log"],
                )
                self.reporter.changed(n, target, "failed")
            else:
                state.requeue(
                    n,
                    target,
                    reason="not attempted: mock --chain stopped at an earlier failure"
                    if res.returncode
                    else "mock --chain left no result",
                )
        if res.returncode not in (0, 4) and not failed_any:
            raise self._error(meaning, res.returncode, log_file, localrepo, target)

    def _rebuild(
        self, plan: BuildPlan, state: PlanState, target: str, mock: str, cfg: Path
    ) -> None:
        repo = self.local_repo(target)
        while ready := state.ready(target):
            for name, _ in ready:
                node = plan.nodes[name]
                srpm = self.srpms(node, target)
                resultdir = repo / node.rpm
                if resultdir.exists():
                    shutil.rmtree(resultdir)
                resultdir.mkdir(parents=True)
                log_file = self.ws.mock_file(target, "logs") / f"{node.rpm}.mock.log"
                state.start(
                    name,
                    target,
                    build_id="mock --rebuild",
                    url=str(resultdir),
                    logs=[resultdir / "build.log", resultdir / "root.log", log_file],
                )
                self.reporter.changed(name, target, "building")
                argv = rebuild_argv(mock, cfg, srpm, resultdir, self.addrepos)
                res = run(argv, log_file=log_file, check=False, what="mock --rebuild")
                if res.returncode == 0:
                    state.succeed(name, target)
                    self.reporter.changed(name, target, "succeeded")
                    continue
                meaning = explain(res.returncode)
                if meaning.fatal:
                    state.requeue(name, target, reason=meaning.what)
                    raise self._error(meaning, res.returncode, log_file, resultdir, target)
                where = resultdir / meaning.log if meaning.log else log_file
                state.fail(
                    name,
                    target,
                    reason=f"{meaning.what} (mock exit {res.returncode})",
                    logs=[where],
                )
                self.reporter.changed(name, target, "failed", meaning.what)
            _createrepo(repo)

    def _error(
        self, meaning: ExitMeaning, code: int, log_file: Path, resultdir: Path, target: str
    ) -> BuildError:
        log = resultdir / meaning.log if meaning.log else log_file
        hints = {
            3: "check the generated config and that mock-core-configs has "
            f"{get_target(target).mock_config}.cfg",
            60: "another mock is using this buildroot; wait for it, or remove a stale lock",
            90: "the bootstrap chroot failed: see root.log; --isolation=simple may help",
        }
        return BuildError(
            f"mock on {target}: {meaning.what} (exit code {code})",
            backend="mock",
            log_path=log,
            hint=hints.get(code, f"see {log}"),
        )


def _createrepo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    run(
        [which("createrepo_c", hint="install createrepo_c"), "--quiet", str(repo)],
        what="createrepo_c",
    )
