"""Generated specs under the real rpm tools: rpmspec, rpmlint, rpmbuild.

- every golden spec parses with ``rpmspec -P`` (rpmlint: test_lint_rpmlint.py);
- a hostile distribution (``%(touch FILE)``, ``%{lua: ...}``, a newline then ``%post``,
  backticks in its summary, description and URL) goes through specgen, ``rpmspec -P`` and
  ``rpmbuild -bs`` without FILE being created, and the text shows literally;
- the pure-Python demo package (hello-cow) is built for real with ``rpmbuild -ba`` for the
  host target, and ``rpm -qp`` shows the provides firewall holding.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from streams.lock import LockedPackage, LockedSource, LockedTarget
from streams.sources import SourceInfoStore
from streams.specgen import (
    StreamSettings,
    plan_target,
    render_plan,
    write_output,
)
from streams.specgen.output import fetch_sources
from tools.devkit.specgen_sources import demo_fetch, demo_plan, make_sdist, pkg_info

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "specgen" / "golden"
GOLDEN_SPECS = sorted(GOLDEN.glob("*/*.spec"))

needs_rpm = pytest.mark.skipif(
    shutil.which("rpmspec") is None or shutil.which("rpmbuild") is None,
    reason="rpmspec/rpmbuild not installed (scripts/setup.sh installs them)",
)


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload,no-any-return]


@needs_rpm
@pytest.mark.parametrize("spec", GOLDEN_SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_spec_parses_with_rpmspec(spec: Path) -> None:
    res = _run(["rpmspec", "-P", str(spec)])
    assert res.returncode == 0, res.stderr
    assert "%{stream_prefix}" not in res.stdout  # every path macro expanded


# rpmlint with Fedora's configuration on the golden specs: tests/integration/test_lint_rpmlint.py


# -- hostile metadata -------------------------------------------------------------------------


def _hostile_plan(tmp_path: Path) -> tuple[Path, object, Path]:
    marker = tmp_path / "PWNED"
    payloads = [
        f"%(touch {marker})",
        f'%{{lua: os.execute("touch {marker}")}}',
        f"`touch {marker}`",
        f"$(touch {marker})",
    ]
    summary = "Evil " + " ".join(payloads[::-1])
    description = (
        "An evil package. " + payloads[0] + "\n%post\n" + f"touch {marker}\n" + payloads[1] + "\n"
        "\n%pre\n" + payloads[2] + " and " + payloads[3]
    )
    url = f'https://example.org/%{{lua: os.execute("touch {marker}")}}/`touch {marker}`'
    src_dir = tmp_path / "src"
    sdist = make_sdist(
        src_dir,
        "evil",
        "1.0",
        {
            "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n',
            "PKG-INFO": pkg_info(
                "evil", "1.0", summary=summary, description=description, home_page=url
            ).replace("Description-Content-Type: text/markdown\n", ""),
        },
    )
    import hashlib

    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    pkg = LockedPackage(
        name="evil",
        version="1.0",
        origin="bundle",
        rpm="demo-stream-python3-evil",
        evr="1",
        reason="bundled",
        sources=(
            LockedSource(
                kind="sdist", url=f"https://x.org/{sdist.name}", sha256=sha, filename=sdist.name
            ),
        ),
    )
    target = LockedTarget(
        name="fedora-44-x86_64",
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        package=(pkg,),
    )
    settings = StreamSettings("demo", "/opt/streams/demo", "Demo", "MIT", top_level=("evil",))
    plan = plan_target(
        settings,
        target,
        SourceInfoStore(root=tmp_path / "store"),
        arch="x86_64",
        interpreter="/usr/bin/python3",
        fetch=lambda s: src_dir / s.filename,
    )
    return marker, plan, src_dir


@needs_rpm
def test_hostile_metadata_stays_text(tmp_path: Path) -> None:
    marker, plan, src_dir = _hostile_plan(tmp_path)
    out = tmp_path / "out"
    write_output(plan, out, fetch=lambda s: src_dir / s.filename)  # type: ignore[arg-type]
    spec = out / "SPECS" / "demo-stream-python3-evil.spec"
    text = spec.read_text()
    # no line of the spec (outside our own sections) is an injected section or tag
    assert "\n%post" not in text and "\n%pre\n" not in text

    parsed = _run(["rpmspec", "-P", str(spec)])
    assert parsed.returncode == 0, parsed.stderr
    query = _run(
        ["rpmspec", "-q", "--srpm", "--qf", "%{summary}\n%{url}\n%{description}\n", str(spec)]
    )
    assert query.returncode == 0, query.stderr
    shown = " ".join(query.stdout.split())  # the description is wrapped at 79 columns
    # the payloads come back as text (the Summary is cut at 79 columns, so they are asked of
    # the description; reST's `interpreted text` loses its backticks there)
    description_shown = " ".join(query.stdout.split("\n", 2)[2].split())
    for payload in (
        f"%(touch {marker})",
        f'%{{lua: os.execute("touch {marker}")}}',
        f"touch {marker}",
        f"$(touch {marker})",
        "%post",  # part of the description, not a scriptlet
    ):
        assert payload in description_shown, payload
    assert shown.startswith("Evil $(touch ")  # the Summary: text, cut, never expanded

    top = tmp_path / "rpmbuild"
    built = _run(
        [
            "rpmbuild",
            "-bs",
            "--nodeps",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {out / 'SOURCES'}",
            str(spec),
        ]
    )
    assert built.returncode == 0, built.stderr
    srpm = next((top / "SRPMS").glob("*.src.rpm"))
    scripts = _run(["rpm", "-qp", "--scripts", str(srpm)])
    assert "touch" not in scripts.stdout
    assert not marker.exists(), "hostile metadata was executed"


# -- a real build ----------------------------------------------------------------------------


def _host_python() -> str:
    return _run(
        ["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    ).stdout.strip()


def _host_can_build() -> str | None:
    probe = _run(["/usr/bin/python3", "-c", "import setuptools, installer, pip"])
    if probe.returncode != 0:
        return (
            "the host's /usr/bin/python3 lacks installer, pip or setuptools "
            "(python3-installer python3-pip python3-setuptools)"
        )
    return None


@needs_rpm
@pytest.mark.slow
@pytest.mark.skipif(_host_can_build() is not None, reason=str(_host_can_build()))
def test_rpmbuild_pure_python_package_for_host_keeps_the_firewall(tmp_path: Path) -> None:
    py = _host_python()
    plan = demo_plan("host", tmp_path / "store", host_python=py)
    out = tmp_path / "out"
    fetch_sources(plan, out / "SOURCES", fetch=demo_fetch)  # type: ignore[arg-type]
    specs = {s.filename: s.text for s in render_plan(plan)}  # type: ignore[arg-type]
    spec = out / "demo-stream-python3-hello-cow.spec"
    spec.write_text(specs[spec.name])
    top = tmp_path / "rpmbuild"
    built = _run(
        [
            "rpmbuild",
            "-ba",
            "--nodeps",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {out / 'SOURCES'}",
            str(spec),
        ]
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    rpm_file = next((top / "RPMS").glob("*/*.rpm"))

    provides = _run(["rpm", "-qp", "--provides", str(rpm_file)]).stdout.splitlines()
    requires = _run(["rpm", "-qp", "--requires", str(rpm_file)]).stdout.splitlines()
    files = _run(["rpm", "-qp", "--list", str(rpm_file)]).stdout.splitlines()

    assert sorted(provides) == [
        "demo-stream-python3-hello-cow = 1.0-1",  # Version: the upstream version
        "demo-stream-python3dist(hello-cow) = 1",
    ]
    assert not any("python3dist(" in p and not p.startswith("demo-stream") for p in provides)
    assert not any(".so" in p for p in provides)
    assert "demo-stream-runtime" in requires
    assert "demo-stream-python3dist(cext) = 1.2" in requires
    assert f"python{py}dist(attrs) >= 22.1" in requires
    assert all(f.startswith("/opt/streams/demo/") for f in files), files
    site = f"/opt/streams/demo/lib/python{py}/site-packages"
    assert f"{site}/hello_cow.py" in files
    assert "/opt/streams/demo/bin/hello-cow" in files
    assert any(f.endswith(".pyc") for f in files)

    payload = _run(
        [
            "sh",
            "-c",
            f"rpm2cpio {rpm_file} | cpio -i --quiet --to-stdout ./opt/streams/demo/bin/hello-cow",
        ]
    )
    assert payload.stdout.startswith("#!/opt/streams/demo/bin/python3 -I\n")
    lic = _run(["rpm", "-qp", "--licensefiles", str(rpm_file)]).stdout
    assert "dist-info/LICENSE" in lic


@needs_rpm
def test_runtime_and_metapackage_build(tmp_path: Path) -> None:
    plan = demo_plan("host", tmp_path / "store", host_python=_host_python() or "3.11")
    specs = {s.filename: s.text for s in render_plan(plan)}  # type: ignore[arg-type]
    top = tmp_path / "rpmbuild"
    for name in ("demo-stream-runtime.spec", "demo-stream.spec"):
        spec = tmp_path / name
        spec.write_text(specs[name])
        built = _run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {top}", str(spec)])
        assert built.returncode == 0, built.stderr[-3000:]
    runtime = next((top / "RPMS").glob("*/demo-stream-runtime-*.rpm"))
    meta = next((top / "RPMS").glob("*/demo-stream-[0-9]*.rpm"))
    files = _run(["rpm", "-qp", "--list", str(runtime)]).stdout.split()
    assert "/opt/streams/demo/pyvenv.cfg" in files
    cfg = _run(
        [
            "sh",
            "-c",
            f"rpm2cpio {runtime} | cpio -i --quiet --to-stdout ./opt/streams/demo/pyvenv.cfg",
        ]
    ).stdout
    assert "include-system-site-packages = true" in cfg
    assert _run(["rpm", "-qp", "--list", str(meta)]).stdout.split() == ["/usr/bin/hello-cow"]
    provides = _run(["rpm", "-qp", "--provides", str(meta)]).stdout
    assert "bundled(python3dist(hello-cow)) = 1" in provides
    assert "tinybackend" not in provides  # build-only: not part of the runtime view
