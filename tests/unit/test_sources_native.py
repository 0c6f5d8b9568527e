"""Native or pure decided by the build backend and its configuration, with the compilers."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.sources import read_build_info
from streams.sources.backend import beyond_static
from streams.sources.model import BuildInfo
from streams.sources.native import (
    cmake_languages,
    default_build_calls,
    meson_languages,
    refine,
)
from tools.devkit.specgen_sources import make_sdist

HATCH = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'


def judged(tmp_path: Path, files: dict[str, str]) -> tuple[bool, dict[str, str], str]:
    info = read_build_info(make_sdist(tmp_path, "pkg", "1.0", files))
    return info.native, dict(info.tools), info.native_reason


def test_c_and_go_files_under_tests_do_not_make_a_poetry_project_native(tmp_path: Path) -> None:
    # tomlkit and poetry-core ship C and Go test fixtures; their wheels are py3-none-any
    native, tools, reason = judged(
        tmp_path,
        {
            "pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\n'
            'build-backend = "poetry.core.masonry.api"\n',
            "tests/fixtures/ext/ext.c": "int x;\n",
            "tests/toml-test/main.go": "package main\n",
            "docs/example.cpp": "int main() {}\n",
            "src/pkg/__init__.py": "",
        },
    )
    assert (native, tools) == (False, {})
    assert reason.startswith("pure Python: backend poetry.core.masonry.api")


def test_extensions_built_only_when_an_environment_variable_is_set_are_not_the_default(
    tmp_path: Path,
) -> None:
    # charset-normalizer: cythonize()/Extension() only under CHARSET_NORMALIZER_USE_CYTHON=1
    setup = (
        "import os\nfrom setuptools import Extension, setup\n"
        'USE_CYTHON = os.getenv("PKG_USE_CYTHON") == "1"\nMODULES = None\n'
        "if USE_CYTHON:\n    from Cython.Build import cythonize\n"
        '    MODULES = cythonize([Extension("pkg.md", ["src/pkg/md.pyx"])])\n'
        "setup(ext_modules=MODULES)\n"
    )
    native, tools, _ = judged(
        tmp_path, {"pyproject.toml": SETUPTOOLS, "setup.py": setup, "src/pkg/md.pyx": "x = 1\n"}
    )
    assert (native, tools) == (False, {})


def test_mypyc_behind_a_command_line_flag_or_variable_is_pure_but_unconditional_is_native(
    tmp_path: Path,
) -> None:
    guarded = (
        "import os, sys\nfrom setuptools import setup\nUSE_MYPYC = False\n"
        'if len(sys.argv) > 1 and "--use-mypyc" in sys.argv:\n    USE_MYPYC = True\n'
        'if os.getenv("PKG_USE_MYPYC", None) == "1":\n    USE_MYPYC = True\n'
        "if USE_MYPYC:\n    from mypyc.build import mypycify\n"
        '    ext = mypycify(["pkg/a.py"])\nelse:\n    ext = []\nsetup(ext_modules=ext)\n'
    )
    assert judged(tmp_path / "a", {"pyproject.toml": SETUPTOOLS, "setup.py": guarded})[0] is False
    always = "from setuptools import setup\nfrom mypyc.build import mypycify\n"
    always += 'setup(ext_modules=mypycify(["pkg/a.py"]))\n'
    native, tools, reason = judged(
        tmp_path / "b", {"pyproject.toml": SETUPTOOLS, "setup.py": always}
    )
    assert native and tools == {"gcc": "mypyc"} and "mypycify()" in reason


def test_a_rust_extension_in_the_default_branch_is_native_with_the_rust_toolchain(
    tmp_path: Path,
) -> None:
    # dulwich: pure only with PURE set; "egg_info" in sys.argv is false when building a wheel
    setup = (
        "import os, sys\nfrom setuptools import setup\n"
        'if "PURE" in os.environ or "--pure" in sys.argv:\n    rust = []\nelse:\n'
        '    if "egg_info" in sys.argv:\n        rust = []\n    else:\n'
        "        from setuptools_rust import RustExtension\n"
        '        rust = [RustExtension("pkg._x", "crates/x/Cargo.toml")]\n'
        "setup(rust_extensions=rust)\n"
    )
    native, tools, reason = judged(
        tmp_path,
        {"setup.py": setup, "crates/x/Cargo.toml": "[package]\n", "crates/x/src/lib.rs": ""},
    )
    assert native and set(tools) == {"rust", "cargo"} and "RustExtension()" in reason


def test_c_extension_of_a_legacy_setup_py_needs_gcc(tmp_path: Path) -> None:
    setup = "from setuptools import setup, Extension\n"
    setup += 'setup(ext_modules=[Extension("pkg._speedups", ["src/pkg/_speedups.c"])])\n'
    native, tools, _ = judged(tmp_path, {"setup.py": setup, "src/pkg/_speedups.c": "int x;\n"})
    assert native and tools == {"gcc": "C sources"}


@pytest.mark.parametrize(
    ("hook", "native"),
    [
        ("[tool.hatch.build.targets.wheel.hooks.mypyc]\nenable-by-default = false\n", False),
        ("[tool.hatch.build.targets.wheel.hooks.mypyc]\ndependencies = ['hatch-mypyc']\n", True),
        ("[tool.hatch.build.hooks.vcs]\nversion-file = 'src/pkg/_v.py'\n", False),
    ],
)
def test_hatch_build_hooks_decide(tmp_path: Path, hook: str, native: bool) -> None:
    # black ships its mypyc hook disabled by default (HATCH_BUILD_HOOKS_ENABLE turns it on)
    got, tools, _ = judged(tmp_path, {"pyproject.toml": HATCH + hook})
    assert got is native and (tools == {"gcc": "mypyc"}) is native


def test_scikit_build_core_gets_cmake_ninja_and_the_project_languages(tmp_path: Path) -> None:
    skb = '[build-system]\nrequires = ["scikit-build-core"]\n'
    skb += 'build-backend = "scikit_build_core.build"\n'
    native, tools, _ = judged(
        tmp_path / "a",
        {"pyproject.toml": skb, "CMakeLists.txt": "project(pkg LANGUAGES CXX)\n"},
    )
    assert native and set(tools) == {"cmake", "ninja-build", "gcc-c++"}
    # a pure wheel (pybind11's wheel.platlib = false) still needs CMake and its compiler
    native, tools, _ = judged(
        tmp_path / "b",
        {
            "pyproject.toml": skb + "[tool.scikit-build]\nwheel.platlib = false\n",
            "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\nproject(pkg)\n",
        },
    )
    assert not native and set(tools) == {"cmake", "ninja-build", "gcc", "gcc-c++"}


def test_meson_python_gets_meson_ninja_and_its_languages(tmp_path: Path) -> None:
    meson = '[build-system]\nrequires = ["meson-python"]\nbuild-backend = "mesonpy"\n'
    native, tools, _ = judged(
        tmp_path,
        {"pyproject.toml": meson, "meson.build": "project('pkg', 'c', version: '1.0')\n"},
    )
    assert native and set(tools) == {"meson", "ninja-build", "gcc"}


def test_cmake_and_meson_project_languages() -> None:
    assert cmake_languages("project(x C)") == {"C"}
    assert cmake_languages("# project(no)\nproject(x VERSION 1.0)") == {"C", "C++"}
    assert meson_languages("project('x', 'cpp', 'cython')\nadd_languages('fortran')") == {
        "C++",
        "Cython",
        "Fortran",
    }


def test_maturin_backend_is_native_rust(tmp_path: Path) -> None:
    mat = '[build-system]\nrequires = ["maturin>=1"]\nbuild-backend = "maturin"\n'
    native, tools, reason = judged(tmp_path, {"pyproject.toml": mat, "Cargo.toml": "[package]\n"})
    assert native and set(tools) == {"rust", "cargo"} and reason == "backend maturin"


def test_unparsable_setup_py_falls_back_to_the_words_it_uses() -> None:
    assert default_build_calls("print 'py2'\n") is None


def test_the_backend_answer_keeps_only_what_is_new() -> None:
    got = beyond_static(
        ["setuptools>=77", "setuptools_rust", "wheel", "cmake>=3.15", "ninja"],
        ["setuptools>=77", "wheel"],
    )
    assert got == ("setuptools_rust",)


def test_a_setuptools_like_build_asking_for_cython_compiles() -> None:
    # yarl and frozenlist: an in-tree backend over setuptools whose extensions are declared
    # outside setup.py; the backend's answer (Cython) shows the default build compiles
    yarl = BuildInfo(
        requires=("setuptools>=47", "expandvars"),
        backend="pep517_backend.hooks",
        backend_path=("packaging",),
        native_reason="pure Python",
        dynamic=("Cython >= 3.1.2",),
    )
    got = refine(yarl)
    assert got.native and dict(got.tools) == {"gcc": "Cython (cython is a build requirement)"}
    # hatchling's configuration is read completely: a Cython requirement proves nothing there
    hatch = BuildInfo(requires=("hatchling", "cython"), backend="hatchling.build")
    assert refine(hatch) == hatch
