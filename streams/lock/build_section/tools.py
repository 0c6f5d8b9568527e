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
does not); each is recorded once, with the most authoritative place it came from.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.lock.model import LockedBuildTool
from streams.sources import BuildInfo

__all__ = ["build_tools"]


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
