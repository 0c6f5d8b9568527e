"""The local backend builds like mock, Copr and Koji: no network, and the stream's tools on PATH.

* A ``%build`` that connects to a TCP server the test listens on fails under the local
  backend, and succeeds with ``allow_network=True``: the isolation is real, not assumed.
* A build tool staged from the stream (its console script ``#!PREFIX/bin/python3 -I`` and its
  module in the stream's site-packages) runs from a dependant's ``%build`` through ``PATH``,
  although ``PREFIX`` does not exist on this machine: staging points the script at the staged
  runtime's interpreter, whose ``pyvenv.cfg`` makes the staged site-packages its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import textwrap
from pathlib import Path

import pytest

from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.rpmbuild import LocalBackend, relocate_shebangs
from streams.builders.workspace import open_state
from streams.targets import host_python_version
from tools.devkit.buildplans import locked_target

needs_rpmbuild = pytest.mark.skipif(
    shutil.which("rpmbuild") is None or shutil.which("rpm2cpio") is None,
    reason="rpmbuild and rpm2cpio are needed (scripts/setup.sh installs them)",
)

PY = host_python_version()  # what /usr/bin/python3 is: the local backend builds with it
HOST_PY = os.path.realpath("/usr/bin/python3")
PREFIX = "/opt/streams/t"
SITE = f"{PREFIX}/lib/python{PY}/site-packages"

HEAD = """\
Name: @RPM@
Version: 1.0
Release: 1
Summary: clean-room test package @RPM@
License: MIT
BuildArch: noarch

%description
A tiny package for the clean-room tests.

"""

PLAIN = (
    HEAD
    + """\
%install
mkdir -p %{buildroot}/opt/streams/t/share
echo @RPM@ > %{buildroot}/opt/streams/t/share/@RPM@

%files
/opt/streams/t/share/@RPM@
"""
)

# The stream's runtime as runtime.spec.j2 makes it: PREFIX/bin/python3 -> the interpreter,
# and a venv's pyvenv.cfg next to bin/.
RUNTIME = (
    HEAD
    + f"""\
%install
mkdir -p %{{buildroot}}{PREFIX}/bin %{{buildroot}}{SITE}
ln -s {HOST_PY} %{{buildroot}}{PREFIX}/bin/python3
printf '%%s\\n' 'home = {os.path.dirname(HOST_PY)}' 'include-system-site-packages = true' \\
    'version = {PY}' > %{{buildroot}}{PREFIX}/pyvenv.cfg

%files
{PREFIX}
"""
)

# A build tool: a module in the stream's site-packages and its console script, with the
# shebang streams-install.py writes (-I: isolated, PYTHONPATH is ignored).
TOOL = (
    HEAD
    + f"""\
%install
mkdir -p %{{buildroot}}{PREFIX}/bin %{{buildroot}}{SITE}
printf '%%s\\n' 'import sys' 'def main():' \\
    '    print("stamptool ran from", sys.prefix)' > %{{buildroot}}{SITE}/stamptool.py
printf '%%s\\n' '#!{PREFIX}/bin/python3 -I' 'import stamptool' 'stamptool.main()' \\
    > %{{buildroot}}{PREFIX}/bin/stamp
chmod 755 %{{buildroot}}{PREFIX}/bin/stamp

%files
{PREFIX}/bin/stamp
{SITE}/stamptool.py
"""
)

# The dependant runs the tool the way a PEP 517 backend runs maturin or uv-build: by name.
USER = (
    HEAD
    + f"""\
%build
export PATH=%{{?stream_staging}}{PREFIX}/bin:$PATH
stamp > stamped.txt
cat stamped.txt

%install
mkdir -p %{{buildroot}}{PREFIX}/share
cp stamped.txt %{{buildroot}}{PREFIX}/share/stamped.txt

%files
{PREFIX}/share/stamped.txt
"""
)

CONNECT = (
    HEAD
    + """\
%build
python3 -c "import socket; socket.create_connection(('127.0.0.1', @PORT@), timeout=5).close()"
echo connected

%install
mkdir -p %{buildroot}/opt/streams/t/share
echo @RPM@ > %{buildroot}/opt/streams/t/share/@RPM@

%files
/opt/streams/t/share/@RPM@
"""
)


def _specs(plan: BuildPlan, root: Path, texts: dict[str, str]) -> None:
    for node in plan.nodes.values():
        d = root / node.rpm
        d.mkdir(parents=True, exist_ok=True)
        text = texts.get(node.name, PLAIN)
        (d / f"{node.rpm}.spec").write_text(text.replace("@RPM@", node.rpm))


def _locate(root: Path):  # type: ignore[no-untyped-def]
    def f(node: PlanNode, target: str) -> tuple[Path, Path]:
        return root / node.rpm / f"{node.rpm}.spec", root / node.rpm

    return f


def _build(plan: BuildPlan, specs: Path, out: Path, **kw: object):  # type: ignore[no-untyped-def]
    state, _ = open_state(plan, out, "local", resume=False)
    backend = LocalBackend(
        specs=_locate(specs),
        outdir=out,
        jobs=2,
        host_version=PY,
        **kw,  # type: ignore[arg-type]
    )
    return backend.build(plan, state)


@needs_rpmbuild
@pytest.mark.slow
def test_a_build_that_reaches_for_the_network_fails_locally_as_in_mock(tmp_path: Path) -> None:
    plan = BuildPlan.from_lock(locked_target("t", {"net": []}, target="host"))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        specs = tmp_path / "specs"
        _specs(plan, specs, {"net": CONNECT.replace("@PORT@", str(port))})

        offline = _build(plan, specs, tmp_path / "offline")
        by = {r.package: r for r in offline.rows}
        assert by["net"].state == "failed"
        log = Path(by["net"].records[0][1].logs[-1]).read_text()
        assert "connected" not in log.replace("echo connected", "")
        assert "OSError" in log or "Error" in log
        assert by["t-stream-runtime"].state == "succeeded"  # the others still build

        # the same spec with the escape hatch: the server was reachable all along
        online = _build(plan, specs, tmp_path / "online", allow_network=True)
        assert online.ok, [r.to_dict() for r in online.rows]


@needs_rpmbuild
@pytest.mark.slow
def test_a_staged_console_script_runs_from_a_dependants_build(tmp_path: Path) -> None:
    assert not Path(PREFIX).exists(), f"{PREFIX} exists on this machine: the test proves nothing"
    plan = BuildPlan.from_lock(
        locked_target("t", {"user": []}, target="host", build_edges=[("user", "stamptool")])
    )
    specs = tmp_path / "specs"
    _specs(plan, specs, {"t-stream-runtime": RUNTIME, "stamptool": TOOL, "user": USER})
    out = tmp_path / "out"
    outcome = _build(plan, specs, out)
    assert outcome.ok, [r.to_dict() for r in outcome.rows if r.state != "succeeded"]
    log = (out / "host" / "build" / "t-stream-python3-user" / "build.log").read_text()
    # the tool ran with the staged venv as its prefix, its module from the staged site-packages
    stage = out / "host" / "build" / "t-stream-python3-user" / "stage"
    assert f"stamptool ran from {stage}{PREFIX}" in log
    # the RPM that was staged is untouched: its script still names the real prefix
    rpm = next((out / "host" / "rpms" / "t-stream-python3-stamptool").glob("*/*.rpm"))
    listing = subprocess.run(
        f"rpm2cpio {rpm} | cpio -i --to-stdout --quiet ./opt/streams/t/bin/stamp",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert listing.startswith(f"#!{PREFIX}/bin/python3 -I\n")


def _venv_stage(stage: Path) -> Path:
    """A staging root with the runtime (venv interpreter) and a tool module in site-packages."""
    site = stage / SITE.lstrip("/")
    site.mkdir(parents=True)
    (stage / PREFIX.lstrip("/") / "bin").mkdir(parents=True)
    (stage / PREFIX.lstrip("/") / "bin" / "python3").symlink_to(HOST_PY)
    (stage / PREFIX.lstrip("/") / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(HOST_PY)}\ninclude-system-site-packages = true\nversion = {PY}\n"
    )
    (site / "stamptool.py").write_text("import sys\nprint('tool in', sys.prefix)\n")
    return stage / PREFIX.lstrip("/") / "bin"


def test_relocated_scripts_run_the_staged_interpreter_and_binaries_are_left_alone(
    tmp_path: Path,
) -> None:
    stage = tmp_path / "stage"
    bindir = _venv_stage(stage)
    script = bindir / "stamp"
    script.write_text(f"#!{PREFIX}/bin/python3 -I\nimport stamptool\n")
    script.chmod(0o755)
    host = bindir / "hosttool"
    host.write_text("#!/bin/sh\necho host\n")
    host.chmod(0o755)
    binary = bindir / "blob"
    binary.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(64))
    changed = relocate_shebangs(stage)
    assert changed == [script]
    assert script.read_text().startswith(f"#!{stage}{PREFIX}/bin/python3 -I\n")
    assert os.access(script, os.X_OK)
    assert host.read_text() == "#!/bin/sh\necho host\n"
    done = subprocess.run(
        [str(script)], capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert done.stdout.strip() == f"tool in {stage}{PREFIX}"


def test_an_interpreter_path_too_long_for_a_shebang_gets_a_sh_trampoline(tmp_path: Path) -> None:
    # Linux reads at most 256 bytes of a "#!" line (BINPRM_BUF_SIZE, linux/binfmts.h)
    stage = tmp_path / ("s" * 120) / ("t" * 120) / "stage"
    bindir = _venv_stage(stage)
    script = bindir / "stamp"
    script.write_text(
        textwrap.dedent(f"""\
        #!{PREFIX}/bin/python3 -I
        import sys, stamptool
        print('args', sys.argv[1:])
    """)
    )
    script.chmod(0o755)
    assert relocate_shebangs(stage) == [script]
    assert script.read_text().startswith("#!/bin/sh\n")
    done = subprocess.run([str(script), "a b", "c"], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"tool in {stage}{PREFIX}", "args ['a b', 'c']"]
