"""Stage 4: uv's failures as :class:`ResolutionError`, :class:`ServiceError` or a command error.

The case a packager meets most, a distribution without files for the target's Python, is
explained with the interpreter choice that would work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from streams.errors import (
    Cause,
    CommandError,
    ResolutionError,
    ServiceError,
    StreamsError,
)
from streams.solver.index import DistFile, IndexClient
from streams.solver.versions import python_minor

# uv's wording (crates/uv-resolver, "IncompatibleDist"): "Because torch==2.14.0 has no wheels
# with a matching Python ABI tag (e.g., `cp315`) ..."; also "... Python implementation tag",
# "... Python version tag" and "... platform tag".
_NO_WHEELS = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?) has no wheels with a matching "
    r"(?P<what>Python ABI tag|Python implementation tag|Python version tag|platform tag)"
)
_CP_TAG = re.compile(r"^cp3(\d+)(t?)$")


def _tag_summary(interpreters: Iterable[str]) -> str:
    """``cp310–cp314, cp314t`` from a set of interpreter tags: runs of consecutive CPython 3
    minors are joined with an en dash, anything else is listed."""
    plain: list[int] = []
    other: list[str] = []
    for tag in interpreters:
        m = _CP_TAG.match(tag)
        if m and not m.group(2):
            plain.append(int(m.group(1)))
        else:
            other.append(tag)
    parts: list[str] = []
    plain.sort()
    i = 0
    while i < len(plain):
        j = i
        while j + 1 < len(plain) and plain[j + 1] == plain[j] + 1:
            j += 1
        parts.append(f"cp3{plain[i]}" if i == j else f"cp3{plain[i]}–cp3{plain[j]}")
        i = j + 1
    return ", ".join(parts + sorted(set(other)))


def _wheel_interpreters(files: Iterable[DistFile]) -> tuple[set[str], bool]:
    """(interpreter/ABI tags of Linux-installable wheels, has an sdist)."""
    tags: set[str] = set()
    sdist = False
    for f in files:
        if f.kind == "sdist":
            sdist = True
            continue
        try:
            wheel_tags = f.tags or parse_wheel_filename(f.filename)[3]
        except InvalidWheelFilename:
            continue
        for t in wheel_tags:
            if "linux" not in t.platform and t.platform != "any":
                continue
            tags.add(t.abi if t.abi.startswith("cp") else t.interpreter)
    return tags, sdist


def _interpreter_tags_from_uv(text: str) -> set[str]:
    # "hint: You require CPython 3.15 (`cp315`), but we only found wheels for `torch` (v2.14.0)
    #  with the following Python ABI tags: `cp310`, `cp311`, ..."
    m = re.search(r"with the following Python (?:ABI|implementation|version) tags?: (.+)", text)
    if m is None:
        return set()
    return {t for t in re.findall(r"`([^`]+)`", m.group(1))}


def _suggest(target: str, python: str, tags: set[str]) -> str | None:
    """A Python version Fedora has for ``target`` that the wheels cover, newest first."""
    covered: set[str] = set()
    for t in tags:
        m = _CP_TAG.match(t)
        if m and not m.group(2):
            covered.add(f"3.{m.group(1)}")
        elif t == "abi3" or t.startswith("py3"):
            return None  # a stable-ABI or pure wheel would have matched; something else failed
    available: list[str] = []
    if target:
        try:
            from streams.targets import get_target

            available = [i.version for i in get_target(target).interpreters()]
        except StreamsError:
            available = []
    pool = [v for v in available if v in covered] if available else sorted(covered)
    pool = [v for v in pool if v != python_minor(python)]
    if not pool:
        return None
    return max(pool, key=lambda v: tuple(int(x) for x in v.split(".")))


def _no_files_cause(
    m: re.Match[str], text: str, *, python: str, arch: str, clients: Sequence[IndexClient]
) -> tuple[Cause, set[str]]:
    name = canonicalize_name(m.group("name"))
    version = m.group("version").rstrip(",.")
    tags = _interpreter_tags_from_uv(text)
    sdist = False
    for client in clients:
        try:
            files = client.project(name).files_for(Version(version))
        except (StreamsError, InvalidVersion):
            continue
        if files:
            found, sdist = _wheel_interpreters(files)
            tags = tags or found
            break
    minor = python_minor(python)
    what = f"Linux {arch}" if m.group("what") == "platform tag" else f"CPython {minor}"
    listed = f"wheels for {_tag_summary(tags)}" if tags else "no matching wheels"
    has_sdist = "an sdist" if sdist else "no sdist"
    message = f"{name} {version} has no files for {what} ({listed}, {has_sdist})"
    data: dict[str, Any] = {
        "distribution": str(name),
        "version": version,
        "python": minor,
        "arch": arch,
        "wheel_tags": sorted(tags),
        "sdist": sdist,
    }
    return Cause(message, requirement=f"{name}=={version}", data=data), tags


def _uv_lines(text: str) -> list[str]:
    """uv's explanation, one cause per line, without its ``error:``/``cause:`` prefixes."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("warning:"):
            continue
        for prefix in ("error:", "cause:", "hint:", "×", "╰─▶"):
            if line.startswith(prefix):
                line = line[len(prefix) :].strip()
        if lines and raw.startswith("         ") and not raw.lstrip().startswith("hint:"):
            lines[-1] += " " + line  # a wrapped continuation of the previous sentence
        elif line:
            lines.append(line)
    return lines


def uv_failure(
    code: int,
    text: str,
    *,
    python: str,
    arch: str,
    target: str,
    offline: bool,
    index_url: str,
    clients: Sequence[IndexClient],
    argv_hint: str,
) -> StreamsError:
    where = f" for {target}" if target else ""
    lines = _uv_lines(text)
    lowered = text.lower()
    if offline and ("not found in the cache" in lowered or "network was disabled" in lowered):
        missing = re.findall(r"Because (\S+) was not found in the cache", " ".join(text.split()))
        what = ", ".join(sorted(set(missing))) or "some distributions"
        return ServiceError(
            f"cannot resolve{where} offline: uv's cache has no index data for {what}",
            service="uv",
            url=index_url,
            hint="run once without --offline to fill uv's cache",
        )
    if "No solution found" in text:
        causes: list[Cause] = []
        hint: str | None = None
        m = _NO_WHEELS.search(" ".join(text.split()))
        if m is not None:
            cause, tags = _no_files_cause(
                m, " ".join(text.split()), python=python, arch=arch, clients=clients
            )
            causes.append(cause)
            better = _suggest(target, python, tags) if m.group("what") != "platform tag" else None
            key = target or "fedora-NN-ARCH"
            choice = better or "3.X"
            hint = (
                "choose an interpreter Fedora has for this target in the recipe: "
                f'[stream] python = {{ "{key}" = "{choice}" }}'
            )
        causes += [
            Cause(line) for line in lines if not line.startswith("No solution found") and line
        ]
        first = causes[0].message if causes else "uv found no solution"
        return ResolutionError(
            f"the requirements cannot be resolved{where} (Python {python_minor(python)}, "
            f"{arch}): {first}",
            causes,
            hint=hint,
        )
    if offline and ("network connectivity is disabled" in lowered or "offline" in lowered):
        return ServiceError(
            f"uv cannot resolve{where} offline: " + (lines[0] if lines else "cache incomplete"),
            service="uv",
            url=index_url,
            hint="run once without --offline to fill uv's cache",
        )
    if any(
        s in lowered
        for s in ("failed to fetch", "error sending request", "request failed", "dns error")
    ):
        return ServiceError(
            f"uv cannot reach the index{where}: " + (lines[0] if lines else text.strip()),
            service="uv",
            url=index_url,
            hint="check the network and the recipe's [index] url, or use --offline",
        )
    tail = "\n".join(text.strip().splitlines()[-30:])
    return CommandError(
        f"uv pip compile failed{where} with exit code {code}: "
        + (lines[0] if lines else "no message"),
        argv=argv_hint.split(),
        returncode=code,
        output_tail=tail,
    )
