"""Whether an sdist builds compiled code, decided by its build backend and that backend's
configuration, and the compilers and tools that build it (pure).

Fedora decides ``BuildArch: noarch`` by what the build produces; streams must decide it
before building, so it reads what the backend will do, not which files happen to lie around:

- backends that always compile: maturin (Rust), scikit-build-core and py-build-cmake
  (CMake), meson-python (Meson);
- setuptools (``build_meta``, the legacy backend, or an in-tree backend wrapping it): the
  calls ``setup.py`` makes under a default environment (no variables set, no extra
  arguments): ``Extension``/``Pybind11Extension``/``cythonize``/``mypycify``/
  ``RustExtension`` and friends, ``cffi_modules``; or ``[tool.setuptools] ext-modules``
  (setuptools' pyproject configuration).  ``setup.py`` is parsed with :mod:`ast`, never run:
  a branch taken only when ``CHARSET_NORMALIZER_USE_CYTHON=1`` (or ``--use-mypyc``) is not
  the default build, while dulwich's ``if "PURE" in os.environ: ... else: RustExtension``
  is;
- hatchling: build hooks enabled by default (hatch's ``enable-by-default``, default true):
  ``mypyc`` (hatch-mypyc), ``cython`` (hatch-cython), ``custom`` hooks whose file makes
  extensions or marks the wheel impure (``build_data["pure_python"] = False``);
- poetry-core's ``[tool.poetry.build] script`` and pdm-backend's ``pdm_build.py``: the
  script read as ``setup.py`` is.

Compiled-language files under ``tests/``, ``docs/``, ``examples/`` or ``benchmarks/`` never
count.  The compilers come from the languages that remain (C -> ``gcc``, C++ -> ``gcc-c++``,
Fortran -> ``gcc-gfortran``, Rust -> ``rust`` + ``cargo``, Cython and mypyc -> ``gcc``), from
CMake's ``project(... LANGUAGES ...)`` (CMake's default is C and CXX: "By default C and CXX
are enabled if no language options are given", cmake-commands(7) ``project``) and Meson's
``project('name', 'c', 'cpp')``.  CMake builds add ``cmake`` and ``ninja-build``, Meson builds
``meson`` and ``ninja-build``: the RPM names Fedora's own specs use.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.sources.model import BuildInfo

__all__ = [
    "EXCLUDED_DIRS",
    "NativeVerdict",
    "default_build_calls",
    "judge",
    "refine",
]

# Directories whose files are not part of the wheel build (their C files are test fixtures).
EXCLUDED_DIRS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "doc",
        "docs",
        "example",
        "examples",
        "bench",
        "benchmark",
        "benchmarks",
    }
)

_LANG_SUFFIXES: dict[str, str] = {
    ".c": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".cxx": "C++",
    ".c++": "C++",
    ".pyx": "Cython",
    ".f": "Fortran",
    ".f90": "Fortran",
    ".f95": "Fortran",
    ".rs": "Rust",
}

_TOOLS_OF_LANGUAGE: dict[str, tuple[str, ...]] = {
    "C": ("gcc",),
    "C++": ("gcc-c++",),
    "Cython": ("gcc",),
    "mypyc": ("gcc",),
    "Fortran": ("gcc-gfortran",),
    "Rust": ("rust", "cargo"),
}

# Calls that make extension modules (setuptools, pybind11, torch, Cython, mypyc,
# setuptools-rust), and setup() keywords that do.
_EXTENSION_CALLS = {
    "Extension": "C",
    "Pybind11Extension": "C++",
    "CppExtension": "C++",
    "CUDAExtension": "C++",
    "cythonize": "Cython",
    "mypycify": "mypyc",
    "RustExtension": "Rust",
    "RustBin": "Rust",
}
_EXTENSION_KEYWORDS = {"cffi_modules": "C"}

_CMAKE_BACKENDS = ("scikit_build_core", "py_build_cmake")

UNKNOWN: Any = object()
"""A value the default-environment evaluation cannot know."""


@dataclass(frozen=True, slots=True)
class NativeVerdict:
    """What :func:`judge` decided."""

    native: bool
    reason: str
    """Why, for the lock and ``streams why`` (e.g. ``"setuptools: Extension() in setup.py"``)."""
    tools: tuple[tuple[str, str], ...] = ()
    """RPM build requirements with why each: ``(("gcc", "C sources"), ...)``, sorted."""


@dataclass
class _Found:
    native: bool = False
    reasons: list[str] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)


def _build_files(names: Iterable[str]) -> list[PurePosixPath]:
    """Paths relative to the sdist's top directory, without the excluded directories."""
    out = []
    for name in names:
        parts = PurePosixPath(name).parts[1:]
        if not parts or any(p.lower() in EXCLUDED_DIRS for p in parts[:-1]):
            continue
        out.append(PurePosixPath(*parts))
    return out


def _languages(files: Sequence[PurePosixPath]) -> set[str]:
    langs = {_LANG_SUFFIXES[f.suffix.lower()] for f in files if f.suffix.lower() in _LANG_SUFFIXES}
    if any(f.name == "Cargo.toml" for f in files):
        langs.add("Rust")
    return langs


# -- setup.py under the default environment ----------------------------------------------------


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _DefaultEnv:
    """Evaluates simple conditions of a build script as the default build would see them."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.value(e) for e in node.elts]
            return UNKNOWN if any(i is UNKNOWN for i in items) else tuple(items)
        if isinstance(node, ast.Name):
            return self.names.get(node.id, UNKNOWN)
        dotted = _dotted(node)
        if dotted in ("sys.platform",):
            return "linux"
        if dotted in ("os.name",):
            return "posix"
        if dotted in ("os.environ", "environ"):
            return {}
        if dotted in ("sys.argv",):
            return ()  # the backend's own arguments carry no project flags
        if isinstance(node, ast.Call):
            func = _dotted(node.func)
            if func in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
                return self.value(node.args[1]) if len(node.args) > 1 else None
            if func == "platform.system":
                return "Linux"
            if func in ("len",) and len(node.args) == 1:
                v = self.value(node.args[0])
                return len(v) if isinstance(v, (tuple, str, dict)) else UNKNOWN
            if func in ("bool", "int", "str") and len(node.args) == 1:
                v = self.value(node.args[0])
                if v is UNKNOWN:
                    return UNKNOWN
                try:
                    return {"bool": bool, "int": int, "str": str}[func](v)
                except (TypeError, ValueError):
                    return UNKNOWN
            if isinstance(node.func, ast.Attribute):
                obj = self.value(node.func.value)
                args = [self.value(a) for a in node.args]
                method = node.func.attr
                if isinstance(obj, str) and UNKNOWN not in args:
                    if method in ("lower", "upper", "strip") and not args:
                        return getattr(obj, method)()
                    if method in ("startswith", "endswith") and len(args) == 1:
                        return getattr(obj, method)(args[0])
            return UNKNOWN
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            v = self.value(node.operand)
            return UNKNOWN if v is UNKNOWN else not v
        if isinstance(node, ast.BoolOp):
            vals = [self.value(v) for v in node.values]
            if isinstance(node.op, ast.And):
                if any(v is not UNKNOWN and not v for v in vals):
                    return False
                return UNKNOWN if UNKNOWN in vals else vals[-1]
            if any(v is not UNKNOWN and v for v in vals):
                return True
            return UNKNOWN if UNKNOWN in vals else vals[-1]
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = self.value(node.left), self.value(node.comparators[0])
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            op = node.ops[0]
            try:
                if isinstance(op, ast.Eq):
                    return left == right
                if isinstance(op, ast.NotEq):
                    return left != right
                if isinstance(op, ast.In):
                    return left in right
                if isinstance(op, ast.NotIn):
                    return left not in right
                if isinstance(op, ast.Is):
                    return left is right
                if isinstance(op, ast.IsNot):
                    return left is not right
            except TypeError:
                return UNKNOWN
        return UNKNOWN

    def truth(self, node: ast.AST) -> bool | None:
        v = self.value(node)
        return None if v is UNKNOWN else bool(v)


def default_build_calls(source: str) -> list[tuple[str, str]] | None:
    """``(call or keyword, language)`` of what ``source`` (a build script) does that makes
    compiled code, on the branches a default build takes; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    env = _DefaultEnv()
    found: list[tuple[str, str]] = []

    def expressions(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                name = _dotted(sub.func).rsplit(".", 1)[-1]
                if name in _EXTENSION_CALLS:
                    found.append((f"{name}()", _EXTENSION_CALLS[name]))
                for kw in sub.keywords:
                    if kw.arg in _EXTENSION_KEYWORDS and env.value(kw.value) not in (
                        None,
                        (),
                        "",
                    ):
                        found.append((kw.arg, _EXTENSION_KEYWORDS[kw.arg]))

    def block(stmts: Sequence[ast.stmt], certain: bool) -> None:
        """Visit ``stmts``; ``certain``: they run in every default build (so their
        assignments are known values), not only maybe (an unknown branch, a loop, a def)."""
        for st in stmts:
            if isinstance(st, ast.If):
                taken = env.truth(st.test)
                expressions(st.test)
                if taken is not False:
                    block(st.body, certain and taken is True)
                if taken is not True:
                    block(st.orelse, certain and taken is False)
                continue
            sure = certain and isinstance(st, (ast.With, ast.Expr, ast.Assign))
            for _name, value in ast.iter_fields(st):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, ast.stmt):
                        block([item], sure)
                    elif isinstance(item, (ast.ExceptHandler, ast.match_case)):
                        block(item.body, False)
                    elif isinstance(item, ast.AST):
                        expressions(item)
            if isinstance(st, ast.Assign):
                v = env.value(st.value) if certain else UNKNOWN
                for t in st.targets:
                    if isinstance(t, ast.Name):
                        env.names[t.id] = v

    block(tree.body, True)
    return found


# -- CMake and Meson -----------------------------------------------------------------------------

_CMAKE_LANGS = {"C": "C", "CXX": "C++", "FORTRAN": "Fortran", "ASM": "C", "CUDA": "CUDA"}
_CMAKE_KEYWORDS = {"VERSION", "DESCRIPTION", "HOMEPAGE_URL", "LANGUAGES"}


def cmake_languages(text: str) -> set[str]:
    """Languages a top-level ``CMakeLists.txt`` enables (``project()``, ``enable_language()``)."""
    text = re.sub(r"#[^\n]*", "", text)
    langs: set[str] = set()
    m = re.search(r"(?i)\bproject\s*\(([^)]*)\)", text)
    if m:
        tokens = m.group(1).split()[1:]
        if "LANGUAGES" in (t.upper() for t in tokens):
            i = [t.upper() for t in tokens].index("LANGUAGES")
            chosen = []
            for t in tokens[i + 1 :]:
                if t.upper() in _CMAKE_KEYWORDS:
                    break
                chosen.append(t.upper())
        elif tokens and tokens[0].upper() not in _CMAKE_KEYWORDS:
            chosen = [t.upper() for t in tokens if t.upper() in _CMAKE_LANGS]
        else:
            chosen = []
        if not chosen or chosen == ["NONE"]:
            chosen = [] if chosen == ["NONE"] else ["C", "CXX"]
        langs |= {_CMAKE_LANGS[t] for t in chosen if t in _CMAKE_LANGS}
    for lang in re.findall(r"(?i)\benable_language\s*\(\s*(\w+)", text):
        if lang.upper() in _CMAKE_LANGS:
            langs.add(_CMAKE_LANGS[lang.upper()])
    return langs


_MESON_LANGS = {
    "c": "C",
    "cpp": "C++",
    "cython": "Cython",
    "fortran": "Fortran",
    "rust": "Rust",
    "cuda": "CUDA",
}


def meson_languages(text: str) -> set[str]:
    """Languages of a top-level ``meson.build`` (``project()``, ``add_languages()``)."""
    text = re.sub(r"#[^\n]*", "", text)
    langs: set[str] = set()
    m = re.search(r"\bproject\s*\(([^)]*)\)", text, re.S)
    if m:
        positional = re.split(r",\s*\w+\s*:", m.group(1), maxsplit=1)[0]
        for word in re.findall(r"'([^']*)'", positional)[1:]:
            if word in _MESON_LANGS:
                langs.add(_MESON_LANGS[word])
    for args in re.findall(r"\badd_languages\s*\(([^)]*)\)", text):
        for word in re.findall(r"'([^']*)'", args):
            if word in _MESON_LANGS:
                langs.add(_MESON_LANGS[word])
    return langs


# -- the verdict ---------------------------------------------------------------------------------


def _table(data: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _script(found: _Found, label: str, text: str | None) -> None:
    if text is None:
        return
    calls = default_build_calls(text)
    if calls is None:
        # not Python 3 (an old setup.py): fall back to the words it uses
        hits = sorted({w for w in _EXTENSION_CALLS if re.search(rf"\b{w}\s*\(", text)})
        calls = [(f"{w}()", _EXTENSION_CALLS[w]) for w in hits]
    if calls:
        found.native = True
        names = sorted({c for c, _ in calls})
        found.reasons.append(f"{', '.join(names)} in {label}")
        found.languages |= {lang for _, lang in calls}


def _hatch(found: _Found, pyproject: Mapping[str, Any], read: Callable[[str], str | None]) -> None:
    build = _table(pyproject, "tool", "hatch", "build")
    hooks = dict(_table(build, "hooks"))
    hooks.update(_table(build, "targets", "wheel", "hooks"))
    for name, conf in sorted(hooks.items()):
        conf = conf if isinstance(conf, Mapping) else {}
        if conf.get("enable-by-default", True) is False:
            continue
        if name == "mypyc":
            found.native = True
            found.reasons.append("hatch-mypyc build hook")
            found.languages.add("mypyc")
        elif name == "cython":
            found.native = True
            found.reasons.append("hatch-cython build hook")
            found.languages.add("Cython")
        elif name == "custom":
            path = str(conf.get("path", "hatch_build.py"))
            text = read(path)
            _script(found, path, text)
            if text and re.search(r"""\[\s*["']pure_python["']\s*\]\s*=\s*False""", text):
                found.native = True
                found.reasons.append(f"{path} marks the wheel impure")


def _in_tree_backend(
    backend: str, backend_path: Sequence[str], read: Callable[[str], str | None]
) -> str | None:
    module = backend.split(":", 1)[0].replace(".", "/")
    for base in backend_path or (".",):
        for rel in (f"{module}.py", f"{module}/__init__.py"):
            text = read(str(PurePosixPath(base) / rel))
            if text is not None:
                return text
    return None


def judge(
    names: Sequence[str],
    read: Callable[[str], str | None],
    *,
    pyproject: Mapping[str, Any],
    backend: str,
    backend_path: Sequence[str] = (),
) -> NativeVerdict:
    """Whether the sdist with members ``names`` (``TOP/...``) builds compiled code.

    ``read(rel)`` is the text of ``TOP/rel``, or None.  See the module docstring.
    """
    files = _build_files(names)
    top = {str(f) for f in files}
    found = _Found()
    kind = backend.split(":", 1)[0].split(".", 1)[0]
    if backend_path:
        text = _in_tree_backend(backend, backend_path, read) or ""
        for other in ("setuptools", "mesonpy", "scikit_build_core", "maturin", "hatchling"):
            if re.search(rf"\b(from|import)\s+{other}\b", text):
                kind = other
                break
    cmake = meson = False
    if kind == "maturin":
        found.native = True
        found.reasons.append("backend maturin")
        found.languages.add("Rust")
    elif kind in _CMAKE_BACKENDS:
        found.native = cmake = True
        found.reasons.append(f"backend {kind.replace('_', '-')}")
    elif kind == "mesonpy":
        found.native = meson = True
        found.reasons.append("backend meson-python")
    elif kind == "setuptools":
        _script(found, "setup.py", read("setup.py") if "setup.py" in top else None)
        if _table(pyproject, "tool", "setuptools").get("ext-modules"):
            found.native = True
            found.reasons.append("[tool.setuptools] ext-modules")
            found.languages.add("C")
    elif kind == "hatchling":
        _hatch(found, pyproject, read)
    elif kind == "poetry":
        conf: Any = _table(pyproject, "tool", "poetry").get("build")
        script = conf.get("script") if isinstance(conf, Mapping) else conf
        if isinstance(script, str) and script:
            _script(found, script, read(script))
    elif kind == "pdm" and "pdm_build.py" in top:
        _script(found, "pdm_build.py", read("pdm_build.py"))
    if found.native and not cmake and not meson and "CMakeLists.txt" in top:
        script_text = (read("setup.py") or "") if kind == "setuptools" else ""
        cmake = "cmake" in script_text.lower()
    pure_output = ""
    if kind == "scikit_build_core":
        # scikit-build-core's wheel.platlib = false / wheel.py-api = "py3" make a pure
        # wheel (scikit-build-core docs, "Configuration"); CMake still runs, with compilers.
        skb = _table(pyproject, "tool", "scikit-build")
        wheel = _table(skb, "wheel")
        platlib = wheel.get("platlib", skb.get("wheel.platlib"))
        py_api = str(wheel.get("py-api", skb.get("wheel.py-api", "")))
        if platlib is False or py_api.startswith("py"):
            pure_output = "scikit-build-core makes a pure wheel (wheel.platlib/py-api)"
    if not found.native:
        what = {"setuptools": "setup.py makes no extension in a default build"}.get(
            kind, "its configuration builds no extension"
        )
        named = backend if not backend_path else f"{backend} (in-tree, {kind})"
        return NativeVerdict(False, f"pure Python: backend {named}: {what}")
    tools: dict[str, str] = {}
    langs = set(found.languages)
    if cmake:
        cml = read("CMakeLists.txt") or ""
        langs |= cmake_languages(cml) if cml else {"C", "C++"}
        tools["cmake"] = "CMake build"
        tools["ninja-build"] = "CMake build (Ninja generator)"
    if meson:
        langs |= meson_languages(read("meson.build") or "")
        tools["meson"] = "Meson build"
        tools["ninja-build"] = "Meson build"
    file_langs = _languages(files)
    if not cmake and not meson:
        # setuptools and friends compile what the sources are written in
        langs |= file_langs & {"C", "C++", "Fortran", "Rust"}
        if "Cython" in langs and "C++" in file_langs:
            langs.add("C++")
    if kind == "maturin":
        langs |= file_langs & {"C", "C++"}
    if not langs - {"CUDA"}:
        langs.add("C")  # an extension module is at least C
    for lang in sorted(langs):
        for tool in _TOOLS_OF_LANGUAGE.get(lang, ()):
            tools.setdefault(tool, f"{lang} sources" if lang not in ("mypyc",) else "mypyc")
    reason = "; ".join(found.reasons)
    if pure_output:
        return NativeVerdict(False, f"{reason}: {pure_output}", tuple(sorted(tools.items())))
    return NativeVerdict(True, reason, tuple(sorted(tools.items())))


# Build requirements that only a compiling build asks for: a setuptools build (or an in-tree
# backend wrapping one, as yarl's and frozenlist's do) that wants them compiles, even when its
# extensions are declared where streams does not look (setup.cfg, a backend module).
_COMPILING_REQUIREMENTS = {
    "cython": "Cython",
    "setuptools-rust": "Rust",
    "pybind11": "C++",
    "nanobind": "C++",
    "cffi": "C",
}
# Backends whose configuration :func:`judge` reads completely: their requirements prove nothing.
_EXPLICIT_BACKENDS = (
    "hatchling",
    "poetry",
    "flit_core",
    "pdm",
    "uv_build",
    "maturin",
    "mesonpy",
    "scikit_build_core",
    "py_build_cmake",
)


def refine(build: BuildInfo) -> BuildInfo:
    """``build`` judged native when its static or backend-given requirements include one of
    :data:`_COMPILING_REQUIREMENTS` and its backend is setuptools-like; else unchanged."""
    if build.native or (build.backend.startswith(_EXPLICIT_BACKENDS) and not build.backend_path):
        return build
    langs: dict[str, str] = {}
    for text in build.all_requires:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            continue
        if name in _COMPILING_REQUIREMENTS:
            langs[_COMPILING_REQUIREMENTS[name]] = name
    if not langs:
        return build
    tools = dict(build.tools)
    for lang in sorted(langs):
        for tool in _TOOLS_OF_LANGUAGE.get(lang, ()):
            tools.setdefault(tool, f"{lang} ({langs[lang]} is a build requirement)")
    reason = "its build requires " + ", ".join(sorted(langs.values()))
    return replace(build, native=True, native_reason=reason, tools=tuple(sorted(tools.items())))
