"""``check_stream``: load the base and stream repositories once, run every check, report."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import solv

from streams.checks import conflicts, coupling, firewall, installable, smoke
from streams.checks.model import (
    CHECK_NAMES,
    CheckReport,
    CheckResult,
    LoadedStream,
    StreamRepo,
    find_prefix,
    skipped,
)
from streams.checks.rpms import read_rpm
from streams.errors import RepoError, UsageError
from streams.solver.repos import LoadReporter, RepoSpec, load_base, load_repo


class CheckReporter:
    """Progress hooks; every method does nothing by default."""

    def started(self, name: str) -> None:
        """Check ``name`` begins."""

    def finished(self, result: CheckResult) -> None:
        """A check has its result."""


def _stream_spec(stream: StreamRepo) -> RepoSpec:
    return RepoSpec(f"{stream.name}-stream", str(stream.repo_dir.resolve()), "dir")


def load_stream(pool: Any, stream: StreamRepo, reporter: LoadReporter | None) -> LoadedStream:
    repo_dir = stream.repo_dir.resolve()
    if not (repo_dir / "repodata" / "repomd.xml").is_file():
        raise RepoError(
            f"{repo_dir} is not a published stream repository (no repodata/repomd.xml)",
            hint=f"run `streams publish` for {stream.name} first, or point --repo-dir at it",
        )
    loaded = load_repo(pool, _stream_spec(stream), filelists=True, reporter=reporter)
    infos = []
    for s in loaded.repo.solvables:
        location, _ = s.lookup_location()
        infos.append(read_rpm(repo_dir / location))
    infos.sort(key=lambda i: i.nevra)
    prefix = stream.prefix or find_prefix(infos)
    if prefix is None:
        raise UsageError(
            f"cannot tell the prefix of the stream {stream.name}: no package in {repo_dir} "
            "ships a pyvenv.cfg",
            hint="check the runtime package, or give the recipe so its prefix is known",
        )
    return LoadedStream(stream, prefix.rstrip("/"), tuple(infos))


def check_stream(
    stream: StreamRepo,
    base_specs: Sequence[RepoSpec],
    *,
    arch: str,
    with_streams: Sequence[StreamRepo] = (),
    offline: bool = False,
    releasever: str = "host",
    checks: Collection[str] = CHECK_NAMES,
    workdir: Path | None = None,
    keep_root: bool = False,
    reporter: CheckReporter | None = None,
    load_reporter: LoadReporter | None = None,
    spec_dir: Path | None = None,
) -> CheckReport:
    """Run the checks named in ``checks`` (default all, see :data:`CHECK_NAMES`) on ``stream``.

    ``spec_dir`` is the stream's ``SPECS/`` directory: the coupling check reads its specs too
    (their BuildRequires, and pins in a spec not built yet).

    Base repositories are loaded with file lists (the conflicts check needs them).  Raises
    RepoError/ServiceError when a repository cannot be loaded; a check that finds a problem
    does not raise: its :class:`CheckResult` says so.
    """
    unknown = sorted(set(checks) - set(CHECK_NAMES))
    if unknown:
        raise UsageError(
            f"unknown check(s): {', '.join(unknown)}", hint=f"valid: {', '.join(CHECK_NAMES)}"
        )
    names = [s.name for s in (stream, *with_streams)]
    if len(set(names)) != len(names):
        raise UsageError(f"--with names a stream twice (or the stream itself): {names}")
    rep = reporter or CheckReporter()
    pool = solv.Pool()
    pool.setarch(arch)
    base = load_base(
        pool, base_specs, offline=offline, filelists=True, reporter=load_reporter, finalize=False
    )
    main = load_stream(pool, stream, load_reporter)
    others = [load_stream(pool, s, load_reporter) for s in with_streams]
    pool.addfileprovides()
    pool.createwhatprovides()
    base_repos = [b.repo for b in base]
    base_names = {b.name for b in base}
    stream_repo_names = [f"{s.name}-stream" for s in (main, *others)]
    stream_repos = [r for r in pool.repos if r.name in stream_repo_names]
    results: list[CheckResult] = []

    def record(result: CheckResult) -> None:
        rep.finished(result)
        results.append(result)

    if "firewall" in checks:
        rep.started("firewall")
        record(_firewall(pool, base_repos, stream_repos[:1], main))
    if "coupling" in checks:
        rep.started("coupling")
        record(coupling.check_coupling(main.name, main.rpms, spec_dir))
    if "conflicts" in checks:
        rep.started("conflicts")
        record(_conflicts(pool, base_names, main, others))
    outcome: installable.SolveOutcome | None = None
    if "installability" in checks or "install-and-run" in checks:
        outcome = installable.solve_install(
            pool, [(main.repo.metapackage, stream_repo_names[0])], f"{main.repo.metapackage}"
        )
    if "installability" in checks:
        rep.started("installability")
        assert outcome is not None
        outs = [outcome]
        if others:
            outs.append(
                installable.solve_install(
                    pool,
                    [(s.repo.metapackage, f"{s.name}-stream") for s in (main, *others)],
                    " + ".join(s.repo.metapackage for s in (main, *others)),
                )
            )
        ok = not any(o.problems for o in outs)
        record(CheckResult("installability", ok, tuple(o.sentence() for o in outs)))
    if "install-and-run" in checks:
        rep.started("install-and-run")
        assert outcome is not None
        if outcome.problems:
            record(
                skipped(
                    "install-and-run",
                    f"{main.repo.metapackage} is not installable (see installability)",
                )
            )
        else:
            by_repo = {s.name: s for s in (main, *others)}
            files: list[Path] = []
            for s in outcome.installs:
                owner = next(
                    (st for st in by_repo.values() if f"{st.name}-stream" == s.repo.name), None
                )
                if owner is not None:
                    location, _ = s.lookup_location()
                    files.append(owner.repo.repo_dir.resolve() / location)
            for other in others:  # side by side: the other streams go in too
                files += [i.path for i in other.rpms if i.path not in files]
            record(
                smoke.install_and_run(
                    main,
                    others,
                    base_specs=base_specs,
                    stream_rpm_files=files,
                    arch=arch,
                    releasever=releasever,
                    workdir=workdir,
                    keep_root=keep_root,
                )
            )
    return CheckReport(
        stream=stream.name,
        repo_dir=stream.repo_dir.resolve(),
        with_streams=tuple(s.name for s in with_streams),
        checks=tuple(results),
    )


def _firewall(
    pool: Any, base_repos: list[Any], stream_repos: list[Any], main: LoadedStream
) -> CheckResult:
    problems = firewall.header_violations(main)
    leaks, npkgs, ndeps = firewall.base_requirements_resolving_to_stream(
        pool, base_repos, stream_repos
    )
    problems += [leak.sentence() for leak in leaks]
    nprov = sum(len(i.provides) for i in main.rpms)
    nfiles = sum(len(i.files) for i in main.rpms)
    exports = [f.path for _, f in firewall.exported_files(main)]
    summary = (
        f"read {len(main.rpms)} RPM headers: {nprov} provides, {nfiles} files; "
        f"outside {main.prefix} only the exports {', '.join(exports) or '(none)'}"
        if not problems
        else f"read {len(main.rpms)} RPM headers ({nprov} provides, {nfiles} files)"
    )
    solv_line = (
        f"libsolv: {ndeps} distinct requirements of {npkgs} base packages; "
        f"{'none' if not leaks else len(leaks)} satisfiable by a stream package"
    )
    return CheckResult("firewall", not problems, (*problems, summary, solv_line))


def _conflicts(
    pool: Any, base_names: set[str], main: LoadedStream, others: list[LoadedStream]
) -> CheckResult:
    streams = [main, *others]
    found = conflicts.stream_conflicts(streams)
    base_found, checked = conflicts.base_conflicts(pool, base_names, streams)
    found += base_found
    with_text = f" and --with {', '.join(o.name for o in others)}" if others else ""
    summary = (
        f"{checked} files and symlinks of {main.name}{with_text} checked against the base "
        "file lists and each other"
    )
    return CheckResult("conflicts", not found, (*found, summary))
