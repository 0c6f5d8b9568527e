"""Upstream resolution: the closure of a recipe's ``[requires]`` for one target, with uv.

Stages (see ``docs/upstream.md``):

1. ``uv pip compile`` resolves the requirements for the target's Python version and platform and
   writes a PEP 751 ``pylock.toml``.  uv is the declared dependency (``uv`` on PyPI), found with
   ``uv.find_uv_bin()`` and run through :func:`streams.proc.run`; its cache lives under streams'
   cache directory so ``--offline`` works after one online run.
2. The lock is parsed into :class:`~streams.solver.model.Pin` values with their files.
3. Each pin's core metadata comes from the index client (PEP 658, cached by sha256); its
   ``Requires-Dist`` are evaluated for the target, following the extras requested of it.
4. uv's failures become :class:`~streams.errors.ResolutionError` (unsatisfiable) or
   :class:`~streams.errors.ServiceError` (index unreachable), and the case a packager meets most,
   a distribution without files for the target's Python, is explained with the interpreter
   choice that would work.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from streams import http
from streams.errors import (
    Cause,
    CommandError,
    ResolutionError,
    ServiceError,
    StreamsError,
    ToolMissingError,
    UsageError,
)
from streams.fsutil import cache_dir
from streams.proc import run
from streams.solver.index import CoreMetadata, DistFile, IndexClient, Reporter
from streams.solver.model import Pin, SourceFile, UpstreamClosure
from streams.solver.pydeps import environment, parse_requirements, without_marker
from streams.solver.versions import python_minor

__all__ = [
    "GLIBC_PLATFORM",
    "UPSTREAM_MAP",
    "find_uv",
    "resolve",
    "uv_compile",
    "uv_platform",
]

log = logging.getLogger(__name__)

# uv's newest manylinux platform tag.  Fedora 42 ships glibc 2.41 and later releases newer ones
# (glibc package changelogs), so every manylinux wheel up to 2_40 installs on every target;
# ``x86_64-unknown-linux-gnu`` would mean manylinux_2_28 and skip wheels Fedora can run
# (llguidance's manylinux_2_31 wheel, for one), forcing sdist builds just to read metadata.
GLIBC_PLATFORM = "manylinux_2_40"

UPSTREAM_MAP = "upstream.json"
"""Name of the optional file beside a file index's project page that gives the real upstream
URL of each file the page lists (the recorded indexes under ``tests/data/index`` use it)."""


def uv_platform(arch: str) -> str:
    """uv's ``--python-platform`` value for a Fedora architecture."""
    if arch not in ("x86_64", "aarch64"):
        raise UsageError(f"no uv platform for the architecture {arch!r}", hint="x86_64 or aarch64")
    return f"{arch}-{GLIBC_PLATFORM}"


def find_uv() -> str:
    """The uv binary of the installed ``uv`` distribution (not whatever is first on PATH)."""
    try:
        from uv import find_uv_bin
    except ImportError as exc:  # pragma: no cover - uv is a declared dependency
        raise ToolMissingError(
            "the 'uv' Python package is not installed",
            hint="reinstall fedora-streams (uv is one of its dependencies)",
        ) from exc
    try:
        return str(find_uv_bin())
    except FileNotFoundError as exc:  # pragma: no cover
        raise ToolMissingError(str(exc), hint="reinstall the 'uv' package") from exc


# -- stage 1: uv ------------------------------------------------------------------------------


def _index_arg(url: str) -> str:
    """uv wants URLs; a plain directory becomes a file:// URL."""
    local = http.file_path(url)
    if local is not None:
        return local.resolve().as_uri()
    return url


def uv_compile(
    requirements: Sequence[Requirement],
    *,
    python: str,
    arch: str,
    index_url: str,
    extra_index_urls: Sequence[str] = (),
    offline: bool = False,
    uv_cache: Path | None = None,
    workdir: Path,
) -> tuple[int, str, str]:
    """Run ``uv pip compile`` in ``workdir``; return (exit code, pylock text, uv's stderr).

    uv runs with ``--no-config`` (no user ``uv.toml``/``pip.conf``), ``--no-python-downloads``
    (the target's interpreter need not exist here: ``--python-version`` is enough to resolve),
    and ``UV_CACHE_DIR`` under streams' cache (``uv_cache`` overrides it).
    """
    req_in = workdir / "requirements.in"
    req_in.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
    out = workdir / "pylock.toml"  # uv insists on pylock.toml or pylock.NAME.toml
    argv: list[str] = [
        find_uv(),
        "pip",
        "compile",
        req_in.name,
        "--python-version",
        python_minor(python),
        "--python-platform",
        uv_platform(arch),
        "--format",
        "pylock.toml",
        "--output-file",
        out.name,
        "--default-index",
        _index_arg(index_url),
        "--no-config",
        "--no-header",
        "--no-python-downloads",
        "--quiet",
    ]
    for extra in extra_index_urls:
        argv += ["--index", _index_arg(extra)]
    if offline:
        argv.append("--offline")
    cache = uv_cache if uv_cache is not None else cache_dir("uv")
    env = {"UV_CACHE_DIR": str(cache), "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
    done = run(argv, cwd=workdir, env=env, check=False, what="uv pip compile")
    text = out.read_text(encoding="utf-8") if done.ok and out.is_file() else ""
    return done.returncode, text, done.stderr + done.stdout


# -- stage 2: pylock.toml ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One ``[[packages]]`` entry of uv's pylock.toml (PEP 751), as far as we use it."""

    name: NormalizedName
    version: Version
    sources: tuple[SourceFile, ...]
    marker: str | None = None


def _filename(url: str) -> str:
    return unquote(urlparse(url).path.rsplit("/", 1)[-1])


def _source(kind: str, entry: Mapping[str, Any], base: Path) -> SourceFile:
    url = entry.get("url")
    if url is None and "path" in entry:  # PEP 751: a local file, relative to the lock
        url = (base / str(entry["path"])).resolve().as_uri()
    url = str(url or "")
    hashes = entry.get("hashes") or {}
    size = entry.get("size")
    name = str(entry.get("name") or _filename(url))
    return SourceFile(
        kind="sdist" if kind == "sdist" else "wheel",
        url=url,
        sha256=str(hashes.get("sha256", "")),
        filename=name,
        size=int(size) if isinstance(size, int) else None,
    )


def parse_pylock(text: str, *, base: Path = Path()) -> list[LockedPackage]:
    """The packages of a PEP 751 lock, in file order.

    Raises StreamsError when the text is not a lock uv could have written (a uv change).
    """
    try:
        doc = tomllib.loads(text)
        out: list[LockedPackage] = []
        for pkg in doc.get("packages", []):
            sources: list[SourceFile] = []
            if "sdist" in pkg:
                sources.append(_source("sdist", pkg["sdist"], base))
            sources += [_source("wheel", w, base) for w in pkg.get("wheels", [])]
            out.append(
                LockedPackage(
                    name=canonicalize_name(pkg["name"]),
                    version=Version(pkg["version"]),
                    sources=tuple(sources),
                    marker=pkg.get("marker"),
                )
            )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, InvalidVersion) as exc:
        raise StreamsError(
            f"cannot read the pylock.toml uv wrote: {exc}",
            hint="the installed uv may write a newer lock format; report it with `uv --version`",
        ) from exc
    return out


def _upstream_files(index_root: Path, name: str) -> dict[str, dict[str, Any]]:
    path = index_root / name / UPSTREAM_MAP
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(
            f"{path} is not a valid upstream map: {exc}",
            service=f"file index {index_root}",
            url=path.as_uri(),
        ) from exc
    return files


def upstream_sources(
    sources: Iterable[SourceFile], upstream: Mapping[str, Mapping[str, Any]]
) -> tuple[SourceFile, ...]:
    """Sources with local file URLs replaced by the upstream URL recorded for that file name."""
    out: list[SourceFile] = []
    for s in sources:
        real = upstream.get(s.filename)
        if real is None or not s.url.startswith("file:"):
            out.append(s)
            continue
        size = real.get("size")
        out.append(
            SourceFile(
                kind=s.kind,
                url=str(real["url"]),
                sha256=str(real.get("sha256") or s.sha256),
                filename=s.filename,
                size=int(size) if isinstance(size, int) else s.size,
            )
        )
    return tuple(out)


# -- stage 3: metadata and requirements ---------------------------------------------------------


def _fetch_metadata(
    clients: Sequence[IndexClient],
    packages: Sequence[LockedPackage],
    reporter: Reporter,
    workers: int,
) -> dict[NormalizedName, CoreMetadata]:
    """Core metadata of each package, preferring the very wheel uv picked.

    The cache is asked first by that wheel's sha256, so a warm run reads no index page at all.
    Errors are collected and raised together.
    """
    results: dict[NormalizedName, CoreMetadata] = {}
    failures: dict[NormalizedName, Exception] = {}

    def one(pkg: LockedPackage) -> None:
        try:
            results[pkg.name] = _metadata_of(clients, pkg)
        except Exception as exc:  # collected, re-raised below
            failures[pkg.name] = exc
        finally:
            reporter.advanced(f"{pkg.name} {pkg.version}")

    reporter.started(len(packages))
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="md") as pool:
            list(pool.map(one, packages))
    finally:
        reporter.finished()
    if failures:
        first = failures[min(failures)]
        if len(failures) == 1 and isinstance(first, StreamsError):
            raise first
        lines = [
            f"{name}: {getattr(exc, 'message', None) or exc}"
            for name, exc in sorted(failures.items())
        ]
        err = ServiceError(
            f"no core metadata for {len(failures)} pinned distribution(s): " + "; ".join(lines),
            service=clients[0].service,
            url=clients[0].index_url,
            hint=first.hint if isinstance(first, StreamsError) else None,
        )
        raise err from first
    return results


def _metadata_of(clients: Sequence[IndexClient], pkg: LockedPackage) -> CoreMetadata:
    wheels = [s for s in pkg.sources if s.kind == "wheel"]
    ordered = wheels + [s for s in pkg.sources if s.kind != "wheel"]
    for s in ordered:
        if s.sha256:
            cached = clients[0].cache.get_metadata(s.sha256)
            if cached is not None:
                return cached
    last: ServiceError | None = None
    for client in clients:
        try:
            project = client.project(pkg.name)
        except ServiceError as exc:
            if exc.status == 404 and client is not clients[-1]:
                last = exc
                continue
            raise
        by_name = {f.filename: f for f in project.files}
        prefer: DistFile | None = None
        for s in ordered:
            prefer = by_name.get(s.filename)
            if prefer is not None:
                break
        return client.metadata(pkg.name, pkg.version, prefer=prefer)
    assert last is not None
    raise last


def _top_extras(top: Sequence[Requirement], env: dict[str, str]) -> dict[NormalizedName, set[str]]:
    wanted: dict[NormalizedName, set[str]] = {}
    for req in top:
        if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
            wanted.setdefault(canonicalize_name(req.name), set()).update(
                canonicalize_name(e) for e in req.extras
            )
    return wanted


def closure_requirements(
    top: Sequence[Requirement],
    metadata: Mapping[NormalizedName, CoreMetadata],
    *,
    python: str,
    arch: str,
) -> tuple[dict[NormalizedName, tuple[Requirement, ...]], dict[NormalizedName, frozenset[str]]]:
    """Applicable requirements and requested extras of every distribution in ``metadata``.

    An extra ``foo[bar]`` asked for by the recipe or by any distribution's applicable
    requirement makes foo's ``extra == "bar"`` requirements apply; those may ask for further
    extras, so this iterates to a fixpoint.  Markers are evaluated for CPython ``python`` on
    Linux/``arch`` (:func:`streams.solver.pydeps.environment`).
    """
    env = environment(python, arch)
    wanted = _top_extras(top, env)
    parsed = {name: parse_requirements(md.requires_dist) for name, md in metadata.items()}

    def holds(req: Requirement, extra: str) -> bool:
        return req.marker is None or req.marker.evaluate({**env, "extra": extra})

    # the same selection as pydeps.applicable_requirements (Fedora's generator), on requirements
    # parsed once: main requirements hold without an extra; an extra's hold with it only
    applied: dict[NormalizedName, list[Requirement]] = {
        name: [r for r in reqs if holds(r, "")] for name, reqs in parsed.items()
    }
    done: dict[NormalizedName, set[str]] = {name: set() for name in parsed}
    todo = sorted(parsed)
    while todo:
        name = todo.pop()
        for extra in sorted(wanted.get(name, set()) - done[name]):
            done[name].add(extra)
            applied[name] += [
                r
                for r in parsed[name]
                if r.marker is not None and holds(r, extra) and not holds(r, "")
            ]
        for r in applied[name]:
            dep = canonicalize_name(r.name)
            new = {canonicalize_name(e) for e in r.extras} - wanted.get(dep, set())
            if new:
                wanted.setdefault(dep, set()).update(new)
                if dep in parsed and dep not in todo:
                    todo.append(dep)
    requires: dict[NormalizedName, tuple[Requirement, ...]] = {}
    for name, reqs in applied.items():
        seen: dict[str, Requirement] = {}
        for r in reqs:
            plain = without_marker(r)
            seen.setdefault(str(plain), plain)
        requires[name] = tuple(seen.values())
    extras_of = {n: frozenset(e) for n, e in wanted.items() if n in metadata and e}
    return requires, extras_of


# -- stage 4: errors ----------------------------------------------------------------------------

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


def _uv_failure(
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


# -- the whole stage ----------------------------------------------------------------------------


def _requirements(values: Sequence[Requirement | str]) -> tuple[Requirement, ...]:
    out: list[Requirement] = []
    bad: list[str] = []
    for v in values:
        if isinstance(v, Requirement):
            out.append(v)
            continue
        try:
            out.append(Requirement(v))
        except InvalidRequirement as exc:
            bad.append(f"{v!r}: {exc}")
    if bad:
        raise UsageError(
            "invalid requirement(s): " + "; ".join(bad),
            hint='PEP 508, e.g. "vllm==0.33.0" or "foo[bar]>=1; python_version >= \'3.12\'"',
        )
    if not out:
        raise UsageError("nothing to resolve: no requirements given")
    return tuple(out)


def resolve(
    requirements: Sequence[Requirement | str],
    *,
    python: str,
    arch: str = "x86_64",
    index_url: str,
    extra_index_urls: Sequence[str] = (),
    offline: bool = False,
    client: IndexClient | None = None,
    target: str = "",
    workers: int = 8,
    reporter: Reporter | None = None,
    uv_cache: Path | None = None,
    index_cache: Path | None = None,
) -> UpstreamClosure:
    """The upstream closure of ``requirements`` for CPython ``python`` on Linux/``arch``.

    ``index_url`` is the recipe's ``[index]`` (a URL, a ``file://`` URL or a directory);
    ``client`` an :class:`IndexClient` of that index (made here when None; extra indexes get
    their own clients).  ``target`` only improves messages.  Pins come in uv's order (sorted by
    name); each carries the files uv lists for the target (see ``docs/upstream.md``), the
    applicable requirements with markers evaluated and removed, and the extras asked of it.
    ``uv_cache`` and ``index_cache`` override where uv and the index client cache (default:
    ``uv`` and ``index`` under :func:`streams.fsutil.cache_dir`).

    Raises ResolutionError (exit 3) when uv finds no solution, ServiceError (exit 5) when an
    index or the cache cannot answer, UsageError for bad input.
    """
    top = _requirements(requirements)
    python = python.strip()
    minor = python_minor(python)
    uv_platform(arch)  # validates arch before anything runs
    main = client or IndexClient(index_url, offline=offline, workers=workers, cache=index_cache)
    clients = [main] + [
        IndexClient(u, offline=offline, workers=workers, cache=index_cache)
        for u in extra_index_urls
    ]
    with tempfile.TemporaryDirectory(prefix="streams-uv-") as tmp:
        workdir = Path(tmp)
        code, text, err = uv_compile(
            top,
            python=minor,
            arch=arch,
            index_url=index_url,
            extra_index_urls=extra_index_urls,
            offline=offline,
            uv_cache=uv_cache,
            workdir=workdir,
        )
        if code != 0:
            raise _uv_failure(
                code,
                err,
                python=python,
                arch=arch,
                target=target,
                offline=offline,
                index_url=index_url,
                clients=clients,
                argv_hint="uv pip compile",
            )
        packages = parse_pylock(text, base=workdir)

    packages = _with_upstream_urls(packages, [c.local_root for c in clients])
    md = _fetch_metadata(clients, packages, reporter or Reporter(), workers)
    requires, extras = closure_requirements(top, md, python=minor, arch=arch)
    names = {p.name for p in packages}
    for name, reqs in requires.items():
        for r in reqs:
            if canonicalize_name(r.name) not in names:
                log.warning(
                    "%s requires %s, which uv did not pin for Python %s on %s",
                    name,
                    r,
                    minor,
                    arch,
                )
    pins = tuple(
        Pin(
            name=p.name,
            version=p.version,
            requires=requires.get(p.name, ()),
            extras=extras.get(p.name, frozenset()),
            sources=p.sources,
            requires_python=md[p.name].requires_python,
            summary=md[p.name].summary or "",
            license=md[p.name].license_expression or md[p.name].license or "",
        )
        for p in sorted(packages, key=lambda p: p.name)
    )
    return UpstreamClosure(target=target, python=minor, top=top, pins=pins)


def _with_upstream_urls(
    packages: Sequence[LockedPackage], roots: Sequence[Path | None]
) -> list[LockedPackage]:
    local = [r for r in roots if r is not None]
    if not local:
        return list(packages)
    out: list[LockedPackage] = []
    for p in packages:
        sources = p.sources
        for root in local:
            upstream = _upstream_files(root, p.name)
            if upstream:
                sources = upstream_sources(sources, upstream)
                break
        out.append(LockedPackage(p.name, p.version, sources, p.marker))
    return out
