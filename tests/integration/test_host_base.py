"""The host base read from this machine: what a stream built here needs is provided.

The provides are checked against what rpm's own ``elfdeps --requires`` writes for the host's
interpreter binary, so a compiled extension built on this machine finds its C runtime in the
base exactly as an RPM built here would require it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from streams.infra.proc import run
from streams.solver.repos import BaseRepos, RepoSpec, target_specs
from streams.solver.repos.host import REPO_NAME, host_base, probe_host
from streams.targets import HOST_PYTHON, get_target, host_python_version

pytestmark = pytest.mark.skipif(
    shutil.which("rpm") is None or not os.path.exists(HOST_PYTHON),
    reason="rpm (for elfdeps) and /usr/bin/python3 are needed (scripts/setup.sh)",
)


def _load(path: Path) -> BaseRepos:
    return BaseRepos.load([RepoSpec(REPO_NAME, str(path), "dir")], arch=get_target("host").arch)


def _elf_requires(path: str) -> list[str]:
    elfdeps = run(["rpm", "--eval", "%{_rpmconfigdir}/elfdeps"]).stdout.strip()
    out = run([elfdeps, "--requires"], input=os.path.realpath(path) + "\n").stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_host_base_provides_the_interpreter_c_runtime_and_shell() -> None:
    base = _load(host_base())
    pyver = host_python_version()
    assert [s.name for s in base.whatprovides(f"python(abi) = {pyver}")] == ["python3"]
    for path in ("/usr/bin/python3", f"/usr/bin/python{pyver}", "/bin/sh", "/usr/bin/env"):
        if os.path.exists(path):
            assert base.whatprovides(path), path
    assert [s.name for s in base.whatprovides("rtld(GNU_HASH)")] == ["glibc"]
    # every C-runtime requirement rpm writes for the host's own python binary is met
    runtime = ("libc.so", "libm.so", "libpthread.so", "libdl.so", "ld-linux", "rtld(")
    wanted = [r for r in _elf_requires(HOST_PYTHON) if r.startswith(runtime)]
    assert any(r.startswith("libc.so.6(GLIBC_") for r in wanted)
    missing = [r for r in wanted if not base.whatprovides(r)]
    assert missing == []


def test_host_distributions_are_in_the_base() -> None:
    facts = probe_host()
    assert all("/usr/local/" not in d.site for d in facts.dists)
    base = _load(host_base())
    for d in facts.dists[:20]:
        providers = base.whatprovides(f"python3dist({canonicalize_name(d.name)})")
        if d.version.replace(".", "").isdigit():  # plain versions always make it in
            assert providers, d


def test_host_base_is_cached_by_digest_and_is_the_host_targets_default() -> None:
    first = host_base()
    stamp = (first / "repodata" / "repomd.xml").stat().st_mtime_ns
    assert host_base() == first
    assert (first / "repodata" / "repomd.xml").stat().st_mtime_ns == stamp  # not rewritten
    assert (first / "host-facts.json").is_file()
    specs = target_specs(get_target("host"))
    assert specs == [RepoSpec(REPO_NAME, str(first), "dir")]
    # --repo still replaces it
    mine = RepoSpec("mine", "/nowhere", "dir")
    assert target_specs(get_target("host"), repos=[mine]) == [mine]
