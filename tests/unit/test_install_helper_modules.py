"""streams-install.py --modules: the top-level modules %check imports come from the wheel's own
RECORD, never from the RECORD of a copy the wheel vendors (setuptools ships
``setuptools/_vendor/autocommand-2.2.2.dist-info/RECORD``, listing ``autocommand/...``: its
%check then imported a module the wheel does not install at top level and failed)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

HELPER = Path(__file__).resolve().parents[2] / "streams/specgen/templates/streams-install.py"


def _helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("streams_install", HELPER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def test_modules_come_from_the_wheels_own_record_not_a_vendored_one(tmp_path: Path) -> None:
    vendored = "setuptools/_vendor/autocommand-2.2.2.dist-info"
    wheel = _wheel(
        tmp_path / "setuptools-84.2.1-py3-none-any.whl",
        {
            # zip order puts the vendored RECORD first, as in setuptools' real wheel
            f"{vendored}/RECORD": "autocommand/__init__.py,,\n",
            "setuptools/__init__.py": "",
            "setuptools/_vendor/autocommand/__init__.py": "",
            "_distutils_hack/__init__.py": "",
            "pkg_resources/__init__.py": "",
            "distutils-precedence.pth": "",
            "setuptools-84.2.1.dist-info/RECORD": (
                "setuptools/__init__.py,,\n"
                "setuptools/_vendor/autocommand/__init__.py,,\n"
                f"{vendored}/RECORD,,\n"
                "_distutils_hack/__init__.py,,\n"
                "pkg_resources/__init__.py,,\n"
                "distutils-precedence.pth,,\n"
                "setuptools-84.2.1.dist-info/RECORD,,\n"
            ),
        },
    )
    assert _helper().top_level_modules(str(wheel)) == [
        "_distutils_hack",
        "pkg_resources",
        "setuptools",
    ]


def test_tidy_sitelib_fixes_what_fedoras_rpmlint_calls_errors(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "requests").mkdir(parents=True)
    (site / "setuptools" / "_vendor").mkdir(parents=True)
    (site / "certifi" / "tests").mkdir(parents=True)
    certs = site / "requests" / "certs.py"
    certs.write_text("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n")
    certs.chmod(0o644)
    tool = site / "requests" / "tool.py"  # executable with a shebang: left alone
    tool.write_text("#!/usr/bin/python3\nprint(1)\n")
    tool.chmod(0o755)
    test = site / "certifi" / "tests" / "test_certify.py"
    test.write_text("import certifi\n")
    test.chmod(0o755)
    (site / "setuptools" / "_vendor" / ".lock").write_text("")
    (site / "requests" / "__init__.py").write_text("")  # empty, but not hidden: kept
    _helper().tidy_sitelib(str(site))
    assert certs.read_text() == "# -*- coding: utf-8 -*-\nx = 1\n"
    assert tool.read_text().startswith("#!") and tool.stat().st_mode & 0o111
    assert not test.stat().st_mode & 0o111
    assert not (site / "setuptools" / "_vendor" / ".lock").exists()
    assert (site / "requests" / "__init__.py").exists()


def test_identical_optimisation_levels_are_hard_linked(tmp_path: Path) -> None:
    cache = tmp_path / "pkg" / "__pycache__"
    cache.mkdir(parents=True)
    (cache / "a.cpython-311.pyc").write_bytes(b"same")
    (cache / "a.cpython-311.opt-1.pyc").write_bytes(b"same")
    (cache / "b.cpython-311.pyc").write_bytes(b"one")
    (cache / "b.cpython-311.opt-1.pyc").write_bytes(b"other")  # asserts stripped: differs
    _helper().hardlink_pycs(str(tmp_path))
    assert (cache / "a.cpython-311.pyc").samefile(cache / "a.cpython-311.opt-1.pyc")
    assert not (cache / "b.cpython-311.pyc").samefile(cache / "b.cpython-311.opt-1.pyc")
    assert (cache / "b.cpython-311.opt-1.pyc").read_bytes() == b"other"
