"""Upstream resolution: the closure of a recipe's ``[requires]`` for one target, with uv.

Stages (see ``docs/upstream.md``):

1. ``uv pip compile`` resolves the requirements for the target's Python version and platform and
   writes a PEP 751 ``pylock.toml``.  uv is the declared dependency (``uv`` on PyPI), found with
   ``uv.find_uv_bin()`` and run through :func:`streams.infra.proc.run`; its cache lives under
   streams' cache directory so ``--offline`` works after one online run.
2. The lock is parsed into :class:`~streams.solver.model.Pin` values with their files.
3. Each pin's core metadata comes from the index client (PEP 658, cached by sha256); its
   ``Requires-Dist`` are evaluated for the target, following the extras requested of it.
4. uv's failures become :class:`~streams.errors.ResolutionError` (unsatisfiable) or
   :class:`~streams.errors.ServiceError` (index unreachable), and the case a packager meets most,
   a distribution without files for the target's Python, is explained with the interpreter
   choice that would work.

A re-lock passes :class:`Preferences`: the versions the previous lock pinned, which uv keeps
unless a requirement excludes them (``--upgrade-package`` lets named ones move).

One module per stage: :mod:`._uv` (1), :mod:`._pylock` (2), :mod:`._closure` (3),
:mod:`._errors` (4); :mod:`._resolve` runs them in order.
"""

from streams.solver.upstream._closure import closure_requirements
from streams.solver.upstream._pylock import (
    UPSTREAM_MAP,
    PylockPackage,
    parse_pylock,
    upstream_sources,
)
from streams.solver.upstream._resolve import resolve
from streams.solver.upstream._uv import (
    GLIBC_PLATFORM,
    Preferences,
    find_uv,
    uv_compile,
    uv_platform,
)

__all__ = [
    "GLIBC_PLATFORM",
    "UPSTREAM_MAP",
    "Preferences",
    "PylockPackage",
    "closure_requirements",
    "find_uv",
    "parse_pylock",
    "resolve",
    "upstream_sources",
    "uv_compile",
    "uv_platform",
]
