"""``streams lint``: the real rpmlint (PyPI) with Fedora's configuration on generated output.

- a spec with a defect Fedora's rpmlint calls an error (``$RPM_SOURCE_DIR``) fails the lint,
  and so does a file under ``/opt`` outside the stream's prefix: what a stream accepts by
  design is narrow;
- the demo stream's specs, source RPMs and RPMs (hello-cow, the compiled ``cext``, the runtime
  and the metapackage), built for real with ``rpmbuild -ba``, get 0 rpmlint errors; the
  accepted ones are only the prefix under /opt and the prefix's interpreter, plus spelling.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from streams.checks.lint import lint_files, rpmlint_executable, stream_files
from streams.cli import main
from streams.errors import ToolMissingError
from streams.specgen import render_plan
from streams.specgen.output import fetch_sources
from tools.devkit.rpmfixtures import FixtureRpm, build_rpm
from tools.devkit.specgen_sources import demo_fetch, demo_plan


def _have_rpmlint() -> bool:
    try:
        rpmlint_executable()
    except ToolMissingError:
        return False
    return shutil.which("rpmbuild") is not None


pytestmark = pytest.mark.skipif(
    not _have_rpmlint(), reason="rpmlint (PyPI) and rpmbuild are needed (scripts/setup.sh)"
)

PREFIX = "/opt/streams/demo"
GOLDEN = Path(__file__).resolve().parent.parent / "data" / "specgen" / "golden"


def _host_python() -> str:
    out = subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _demo_specs(tmp_path: Path) -> tuple[dict[str, Path], Path]:
    plan = demo_plan("host", tmp_path / "store", host_python=_host_python())
    out = tmp_path / "specs"
    fetch_sources(plan, out / "SOURCES", fetch=demo_fetch)  # type: ignore[arg-type]
    (out / "SPECS").mkdir(parents=True)
    specs = {}
    for s in render_plan(plan):  # type: ignore[arg-type]
        path = out / "SPECS" / s.filename
        path.write_text(s.text)
        specs[s.filename] = path
    return specs, out


def test_a_broken_spec_is_an_rpmlint_error(tmp_path: Path) -> None:
    specs, _ = _demo_specs(tmp_path)
    good = specs["demo-stream-python3-hello-cow.spec"]
    broken = tmp_path / "broken" / "demo-stream-python3-hello-cow.spec"
    broken.parent.mkdir()
    text = good.read_text()
    assert "\n%install\n" in text
    broken.write_text(text.replace("\n%install\n", "\n%install\ncp $RPM_SOURCE_DIR/x .\n", 1))

    clean = lint_files("demo", "host", PREFIX, {"specs": [good]})
    assert clean.errors == ()
    report = lint_files("demo", "host", PREFIX, {"specs": [broken]})
    assert [(f.origin, f.check) for f in report.errors] == [
        ("demo-stream-python3-hello-cow.spec", "use-of-RPM_SOURCE_DIR")
    ]
    assert report.errors[0].line is not None


@pytest.mark.slow
def test_a_file_in_opt_outside_the_prefix_is_an_error(tmp_path: Path) -> None:
    rpm = build_rpm(
        FixtureRpm(
            "demo-stream-python3-stray",
            "1.0",
            summary="A package of the demo stream with one file outside its prefix",
            files=(
                (f"{PREFIX}/lib/stray.txt", "inside"),
                ("/opt/elsewhere/stray.txt", "outside"),
            ),
        ),
        tmp_path,
    )
    report = lint_files("demo", "host", PREFIX, {"rpms": [rpm]})
    in_opt = [f for f in report.findings if f.check == "dir-or-file-in-opt"]
    assert {f.detail for f in in_opt if f.accepted == "prefix-under-opt"} >= {
        f"{PREFIX}/lib/stray.txt"
    }
    assert [f.detail for f in report.errors if f.check == "dir-or-file-in-opt"] == [
        "/opt/elsewhere/stray.txt"
    ]
    assert all(f.detail.startswith(PREFIX) for f in in_opt if f.accepted)


@pytest.mark.slow
def test_demo_stream_specs_srpms_and_rpms_have_no_rpmlint_errors(tmp_path: Path) -> None:
    specs, out = _demo_specs(tmp_path)
    top = tmp_path / "rpmbuild"
    # hello-cow (noarch, a script), cext (x86_64, a C extension), the runtime, the metapackage;
    # tinybackend and uses-backend need the stream staged, which only `streams build` does
    names = [
        "demo-stream-python3-hello-cow.spec",
        "demo-stream-python3-cext.spec",
        "demo-stream-runtime.spec",
        "demo-stream.spec",
    ]
    for name in names:
        built = subprocess.run(
            [
                "rpmbuild",
                "-ba",
                "--nodeps",
                "--define",
                f"_topdir {top}",
                "--define",
                f"_sourcedir {out / 'SOURCES'}",
                str(specs[name]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, built.stderr[-3000:]
    files = stream_files(out, top / "SRPMS", top / "RPMS")
    files["specs"] = [specs[n] for n in names]
    assert [len(files[k]) for k in ("specs", "srpms", "rpms")] == [4, 4, 4]
    report = lint_files("demo", "host", PREFIX, files)
    assert report.errors == (), "\n".join(f.render() for f in report.errors)
    # what was accepted is the design, not a blanket waiver
    assert {f.check for f in report.accepted} <= {
        "dir-or-file-in-opt",
        "wrong-script-interpreter",
        "spelling-error",
    }
    assert any(f.check == "dir-or-file-in-opt" for f in report.accepted)
    origins = {f.origin for f in report.findings}
    assert "demo-stream-python3-cext.x86_64" in origins or any(
        o.startswith("demo-stream-python3-cext.") for o in origins
    )
    assert report.rpmlint_version.startswith("2.")


def test_golden_specs_have_no_fedora_rpmlint_errors() -> None:
    specs = sorted(GOLDEN.glob("*/*.spec"))
    assert specs
    report = lint_files("demo", "golden", PREFIX, {"specs": specs})
    assert report.errors == (), "\n".join(f.render() for f in report.errors)


def test_streams_lint_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "demo.toml"
    recipe.write_text(
        '[stream]\nname = "demo"\nsummary = "Demo"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n\n[requires]\nhello-cow = "*"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["lint", str(recipe)]) == 2  # nothing built yet
    assert "nothing to lint" in capsys.readouterr().err
    specs, _ = _demo_specs(tmp_path / "gen")
    dest = tmp_path / "out" / "demo" / "host" / "specs" / "SPECS"
    dest.mkdir(parents=True)
    good = specs["demo-stream-python3-hello-cow.spec"]
    shutil.copy(good, dest / good.name)
    assert main(["lint", str(recipe)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out and "1 specs" in out
    (dest / "demo-stream-broken.spec").write_text(
        good.read_text().replace("\n%install\n", "\n%install\ncp $RPM_SOURCE_DIR/x .\n", 1)
    )
    assert main(["lint", str(recipe), "--target", "host"]) == 1
    captured = capsys.readouterr()
    assert "use-of-RPM_SOURCE_DIR" in captured.out + captured.err
