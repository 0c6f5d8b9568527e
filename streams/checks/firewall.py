"""The provides firewall (docs/concepts.md, "The provides firewall").

No stream RPM may satisfy a dependency of a base package.  Two halves:

* :func:`header_violations` (pure): from the RPM headers, no provide in a base namespace
  (``python3dist()``, ``python3.Xdist()``, ``python(abi)``, ``python3-NAME`` names as
  ``%py_provides`` makes them, sonames, paths outside the prefix) and no file outside the
  prefix except the exported ``/usr/bin`` commands;
* :func:`base_requirements_resolving_to_stream` (libsolv): every requirement and
  recommendation of every base package, asked with ``pool.whatprovides``; any stream solvable
  among the providers is a leak, whatever its name looks like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import solv

from streams.checks.model import LoadedStream
from streams.checks.rpms import RpmFile, RpmInfo

# Namespaces base Fedora packages depend on.  python3dist/python3.Xdist: Fedora's pythondist
# generator (docs/reference/contracts.md §4); python3-NAME / python3.X-NAME / python-NAME:
# %py_provides (python-rpm-macros); sonames: rpm's ELF generator ("libfoo.so.1()(64bit)",
# "libfoo.so.1(VERS)(64bit)", and the bare "libfoo.so.1" of 32-bit libraries).
_NAMESPACES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^python3(\.\d+)?dist\("), "Python distribution provide (python3dist)"),
    (re.compile(r"^python\(abi\)"), "interpreter ABI provide"),
    (re.compile(r"^python(3(\.\d+)?)?-"), "Python package name (as %py_provides makes)"),
    (re.compile(r"^[^\s()/]+\.so(\.[0-9][^\s()]*)?(\(|\s|$)"), "shared-library soname"),
)

_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/usr/share/licenses/"), "set %_licensedir to PREFIX/share/licenses"),
    (re.compile(r"^/usr/share/doc/"), "set %_docdir to PREFIX/share/doc"),
    (re.compile(r"^/usr/lib/\.build-id/"), "set %global _build_id_links none"),
    (
        re.compile(r"/python3(\.\d+)?/site-packages/"),
        "install into PREFIX/lib/python3.X/site-packages",
    ),
)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _ancestors(prefix: str) -> set[str]:
    parts = prefix.strip("/").split("/")
    return {"/" + "/".join(parts[:i]) for i in range(1, len(parts))}


def _hint(path: str) -> str:
    for pattern, hint in _HINTS:
        if pattern.search(path):
            return f" (hint: {hint})"
    return ""


def is_export(f: RpmFile, prefix: str, exports: tuple[str, ...] | None) -> bool:
    """Whether ``f`` is an exported command: ``/usr/bin/CMD`` linking into the prefix (and
    named in ``exports`` when the recipe's list is known)."""
    if not f.path.startswith("/usr/bin/") or "/" in f.path[len("/usr/bin/") :]:
        return False
    name = f.path.rsplit("/", 1)[1]
    if exports is not None:
        return name in exports
    return f.is_link and _under(f.linkto, prefix)


def exported_files(stream: LoadedStream) -> list[tuple[RpmInfo, RpmFile]]:
    """The exported commands of ``stream`` and the package of each."""
    return [
        (info, f)
        for info in stream.rpms
        for f in info.files
        if is_export(f, stream.prefix, stream.repo.exports)
    ]


def header_violations(stream: LoadedStream) -> list[str]:
    """Provides in base namespaces and files outside the prefix, one sentence each."""
    prefix = stream.prefix
    own = f"{stream.name}-stream"
    ancestors = _ancestors(prefix)
    out: list[str] = []
    for info in stream.rpms:
        for dep in info.provides:
            name = dep.split(" ", 1)[0]
            if name.startswith(own) or name.startswith("bundled("):
                continue
            if name.startswith("/"):
                if not _under(name, prefix):
                    out.append(f"{info.nevra} provides the path {dep} outside the prefix {prefix}")
                continue
            for pattern, what in _NAMESPACES:
                if pattern.search(name):
                    out.append(f"{info.nevra} provides {dep}: a base namespace ({what})")
                    break
        for f in info.files:
            if _under(f.path, prefix) or (f.is_dir and f.path in ancestors):
                continue
            if is_export(f, prefix, stream.repo.exports):
                if f.is_link and not _under(f.linkto, prefix):
                    out.append(
                        f"{info.nevra} exports {f.path} -> {f.linkto}, which is outside "
                        f"the prefix {prefix}"
                    )
                continue
            kind = "directory" if f.is_dir else "symlink" if f.is_link else "file"
            out.append(
                f"{info.nevra} ships the {kind} {f.path} outside the prefix {prefix}{_hint(f.path)}"
            )
    return out


@dataclass(frozen=True, slots=True)
class Leak:
    """A base package's dependency that a stream package could satisfy."""

    base_package: str
    dependency: str
    kind: str  # "requires" or "recommends"
    stream_packages: tuple[str, ...]

    def sentence(self) -> str:
        return (
            f"{self.base_package} {self.kind} {self.dependency}, which "
            f"{', '.join(self.stream_packages)} could satisfy"
        )


def base_requirements_resolving_to_stream(
    pool: Any, base_repos: Sequence[Any], stream_repos: Sequence[Any]
) -> tuple[list[Leak], int, int]:
    """Leaks, and how many base packages and distinct dependencies were asked.

    ``pool`` must be finalized (``addfileprovides`` + ``createwhatprovides``) with the base and
    stream repos loaded.  Results are cached per dependency id, since base packages repeat the
    same requirements (``python(abi) = 3.14``) thousands of times.
    """
    stream_repo_names = {r.name for r in stream_repos}
    cache: dict[int, tuple[str, ...]] = {}
    leaks: list[Leak] = []
    npkgs = 0
    for repo in base_repos:
        for s in repo.solvables:
            npkgs += 1
            for key, kind in (
                (solv.SOLVABLE_REQUIRES, "requires"),
                (solv.SOLVABLE_RECOMMENDS, "recommends"),
            ):
                for dep in s.lookup_deparray(key):
                    hits = cache.get(dep.id)
                    if hits is None:
                        hits = tuple(
                            sorted(
                                str(p)
                                for p in pool.whatprovides(dep)
                                if p.repo.name in stream_repo_names
                            )
                        )
                        cache[dep.id] = hits
                    if hits:
                        leaks.append(Leak(str(s), str(dep), kind, hits))
    return leaks, npkgs, len(cache)
