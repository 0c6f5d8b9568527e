"""The RPM build requirements of a bundled sdist that are not Python distributions (pure).

Compilers, build tools and libraries come, in order of authority, from

1. the recipe's ``[packages.NAME] build-requires`` (the packager said so);
2. Fedora's own spec of the same distribution for the same release: its ``BuildRequires``
   that are not Python distributions (``gcc-c++``, ``cmake``, ``pkgconfig(zlib)``,
   ``openssl-devel``), as Fedora's packager found them;
3. what streams infers from the sdist (:mod:`streams.sources.native`: C -> ``gcc``, C++ ->
   ``gcc-c++``, CMake -> ``cmake`` + ``ninja-build``, Meson -> ``meson`` + ``ninja-build``,
   Rust -> ``rust`` + ``cargo``, Cython and mypyc -> ``gcc``).

All of them are kept (a build with one tool too many still builds; one with a tool too few
does not); each is recorded once, with the most authoritative place it came from.  Of
Fedora's list only what builds the code is taken (:func:`fedora_build_tool`: compilers, build
systems, ``pkgconfig(...)``/``cmake(...)`` and ``-devel`` libraries): Fedora's specs also
BuildRequire what their ``%check`` runs (``mutter`` and ``xwayland-run`` for mpmath's
plots, ``/usr/bin/gpgsm`` for dulwich's signing tests), and a stream's ``%check`` only imports.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.lock.model import LockedBuildTool
from streams.sources import BuildInfo

__all__ = ["build_tool_kinds", "build_tools", "fedora_build_tool"]

# What compiles and links code, by RPM name (Fedora's C/C++, Fortran, Rust and build-system
# packages); libraries are recognised by form below.
_BUILD_TOOLS = frozenset(
    {
        "gcc", "gcc-c++", "gcc-gfortran", "clang", "llvm", "lld", "nasm", "yasm",
        "cmake", "meson", "ninja-build", "make", "autoconf", "automake", "libtool",
        "pkgconf", "pkgconf-pkg-config", "pkgconfig", "swig", "patchelf", "chrpath",
        "bison", "flex", "gettext", "gperf", "protobuf-compiler", "libatomic",
        "rust", "cargo", "rust-toolset",
    }
)  # fmt: skip
_LIBRARY_FORMS = ("pkgconfig(", "cmake(", "pkgconf(")
_LIBRARY_SUFFIXES = ("-devel", "-static", "-headers")


def fedora_build_tool(rpm: str) -> bool:
    """Whether a non-Python ``BuildRequires`` of Fedora's spec is needed to build the code:
    a compiler or build tool, or a library's headers (``pkgconfig(zlib)``, ``openssl-devel``),
    rather than a tool its tests run."""
    name = rpm.split()[0]
    if name.startswith(_LIBRARY_FORMS):
        return True
    base = name.split("(")[0]
    if base.endswith("-devel-version"):  # krb5's ABI marker, not a library
        return False
    return base in _BUILD_TOOLS or base.endswith(_LIBRARY_SUFFIXES) or "-devel-" in base


def build_tool_kinds(rpms: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``rpms`` split into (what builds the code, what only tests need), order kept."""
    kept = tuple(r for r in rpms if fedora_build_tool(r))
    return kept, tuple(r for r in rpms if not fedora_build_tool(r))


def build_tools(
    build: BuildInfo,
    *,
    recipe: Sequence[str] = (),
    fedora: Sequence[str] | None = None,
    fedora_label: str = "Fedora's spec",
    native: bool | None = None,
) -> tuple[LockedBuildTool, ...]:
    """The build tools of one sdist, sorted by RPM name.

    ``fedora``: the non-Python ``BuildRequires`` of Fedora's spec (None: Fedora has none for
    this distribution); ``native``: the recipe's override of :attr:`BuildInfo.native`.
    """
    found: dict[str, LockedBuildTool] = {}

    def add(rpm: str, source: str, why: str) -> None:
        rpm = " ".join(rpm.split())
        if rpm and rpm not in found:
            found[rpm] = LockedBuildTool.model_validate({"rpm": rpm, "from": source, "why": why})

    for rpm in recipe:
        add(rpm, "recipe", "[packages] build-requires")
    for rpm in fedora or ():
        if fedora_build_tool(rpm):
            add(rpm, "fedora", fedora_label)
    for rpm, why in build.tools:
        add(rpm, "sdist", why)
    compiled = build.native if native is None else native
    if compiled and not any(t in found for t in ("gcc", "gcc-c++", "clang")):
        # an extension module is compiled C at least, and rustc links through the C
        # compiler driver; Fedora's C and C++ packaging guidelines have every package that
        # compiles C or C++ BuildRequire its compiler (gcc, gcc-c++ or clang): the
        # buildroot has none by default
        add("gcc", "sdist", build.native_reason or "compiled extension")
    return tuple(sorted(found.values(), key=lambda t: t.rpm))
