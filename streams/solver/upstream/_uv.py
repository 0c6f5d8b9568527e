"""Stage 1: ``uv pip compile`` for the target's Python and platform, writing a PEP 751 lock.

uv is a declared dependency (``uv`` on PyPI), found with ``uv.find_uv_bin()`` and run through
:func:`streams.infra.proc.run`; its cache lives under streams' cache directory so
``--offline`` works after one online run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streams.errors import (
    ToolMissingError,
    UsageError,
)
from streams.infra import http
from streams.infra.fsutil import cache_dir
from streams.infra.proc import run
from streams.solver.versions import python_minor

# uv's newest manylinux platform tag.  Fedora 42 ships glibc 2.41 and later releases newer ones
# (glibc package changelogs), so every manylinux wheel up to 2_40 installs on every target;
# ``x86_64-unknown-linux-gnu`` would mean manylinux_2_28 and skip wheels Fedora can run
# (llguidance's manylinux_2_31 wheel, for one), forcing sdist builds just to read metadata.
GLIBC_PLATFORM = "manylinux_2_40"

UPSTREAM_MAP = "upstream.json"
"""Name of the optional file beside a file index's project page that gives the real upstream
URL of each file the page lists (the recorded indexes under ``tests/data/index`` use it)."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """Versions uv should keep, and the distributions it may move anyway.

    ``uv pip compile`` treats the pins of an existing output file as *preferences*: it keeps
    each preferred version unless a requirement excludes it, and ``--upgrade-package NAME``
    (``--upgrade``: all) ignores the preference for NAME (uv's "Locking and syncing" docs:
    https://docs.astral.sh/uv/pip/compile/#upgrading-requirements ).  streams writes the
    versions as the pre-existing ``pylock.toml`` uv is told to write (PEP 751's required keys
    only), which uv 0.13 reads like its own output (``tests/integration/test_uv_preferences.py``
    proves it with the uv streams runs).

    ``versions`` are ``(name, version)`` pairs; ``upgrade`` names go to ``--upgrade-package``;
    ``upgrade_all`` is ``--upgrade`` (no preference is written then).
    """

    versions: tuple[tuple[str, str], ...] = ()
    upgrade: tuple[str, ...] = ()
    upgrade_all: bool = False

    def pylock_text(self) -> str:
        """The preferences as a minimal PEP 751 lock (``lock-version``, ``created-by``,
        ``[[packages]]`` with ``name`` and ``version``; https://peps.python.org/pep-0751/)."""
        out = ['lock-version = "1.0"\n', 'created-by = "streams"\n']
        for name, version in sorted({(canonicalize_name(n), v) for n, v in self.versions}):
            out.append(f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\n')
        return "".join(out)

    def args(self) -> list[str]:
        """uv's arguments for the distributions allowed to move."""
        if self.upgrade_all:
            return ["--upgrade"]
        out: list[str] = []
        for name in sorted({canonicalize_name(n) for n in self.upgrade}):
            out += ["--upgrade-package", name]
        return out


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
    constraints: Sequence[Requirement] = (),
    exclude: Sequence[str] = (),
    offline: bool = False,
    uv_cache: Path | None = None,
    preferences: Preferences | None = None,
    workdir: Path,
) -> tuple[int, str, str]:
    """Run ``uv pip compile`` in ``workdir``; return (exit code, pylock text, uv's stderr).

    uv runs with ``--no-config`` (no user ``uv.toml``/``pip.conf``), ``--no-python-downloads``
    (the target's interpreter need not exist here: ``--python-version`` is enough to resolve),
    and ``UV_CACHE_DIR`` under streams' cache (``uv_cache`` overrides it).

    ``constraints`` go to ``--constraint`` (they bound a version without requiring the
    distribution); each ``exclude`` name is an ``--override`` with a marker that never holds,
    which drops the distribution wherever it is required (uv's documented way to remove a
    dependency: https://docs.astral.sh/uv/concepts/resolution/#dependency-overrides ).
    ``preferences`` are versions to keep unless something requires otherwise (see
    :class:`Preferences`): the output file exists before uv runs, holding them.
    """
    req_in = workdir / "requirements.in"
    req_in.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
    extra_args: list[str] = []
    if constraints:
        (workdir / "constraints.txt").write_text(
            "".join(f"{r}\n" for r in constraints), encoding="utf-8"
        )
        extra_args += ["--constraint", "constraints.txt"]
    if exclude:
        (workdir / "overrides.txt").write_text(
            "".join(f"{name} ; sys_platform == 'never'\n" for name in exclude), encoding="utf-8"
        )
        extra_args += ["--override", "overrides.txt"]
    out = workdir / "pylock.toml"  # uv insists on pylock.toml or pylock.NAME.toml
    if preferences is not None:
        if preferences.versions and not preferences.upgrade_all:
            out.write_text(preferences.pylock_text(), encoding="utf-8")
        extra_args += preferences.args()
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
    argv += extra_args
    if offline:
        argv.append("--offline")
    cache = uv_cache if uv_cache is not None else cache_dir("uv")
    env = {"UV_CACHE_DIR": str(cache), "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
    done = run(argv, cwd=workdir, env=env, check=False, what="uv pip compile")
    text = out.read_text(encoding="utf-8") if done.ok and out.is_file() else ""
    return done.returncode, text, done.stderr + done.stdout
