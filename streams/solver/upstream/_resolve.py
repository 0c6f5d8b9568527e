"""The whole stage: requirements in, :class:`~streams.solver.model.UpstreamClosure` out."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    canonicalize_name,
)

from streams.errors import (
    UsageError,
)
from streams.solver.index import IndexClient, Reporter
from streams.solver.model import Pin, UpstreamClosure
from streams.solver.upstream._closure import closure_requirements, fetch_metadata
from streams.solver.upstream._errors import uv_failure
from streams.solver.upstream._pylock import parse_pylock, with_upstream_urls
from streams.solver.upstream._uv import Preferences, uv_compile, uv_platform
from streams.solver.versions import python_minor

log = logging.getLogger(__name__)


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
    constraints: Sequence[Requirement] = (),
    exclude: Sequence[str] = (),
    offline: bool = False,
    client: IndexClient | None = None,
    target: str = "",
    workers: int = 8,
    reporter: Reporter | None = None,
    uv_cache: Path | None = None,
    index_cache: Path | None = None,
    preferences: Preferences | None = None,
) -> UpstreamClosure:
    """The upstream closure of ``requirements`` for CPython ``python`` on Linux/``arch``.

    ``index_url`` is the recipe's ``[index]`` (a URL, a ``file://`` URL or a directory);
    ``client`` an :class:`IndexClient` of that index (made here when None; extra indexes get
    their own clients).  ``target`` only improves messages.  Pins come in uv's order (sorted by
    name); each carries the files uv lists for the target (see ``docs/upstream.md``), the
    applicable requirements with markers evaluated and removed, and the extras asked of it.
    ``constraints`` bound versions without adding requirements; ``exclude`` names are dropped
    from the closure and from every pin's requirements (a variant that builds torch without
    CUDA excludes the NVIDIA wheels torch's metadata requires).
    ``uv_cache`` and ``index_cache`` override where uv and the index client cache (default:
    ``uv`` and ``index`` under :func:`streams.infra.fsutil.cache_dir`).
    ``preferences`` are versions uv keeps unless a requirement excludes them, and the
    distributions it may move anyway (``--upgrade-package``; see :class:`Preferences`): how a
    re-lock keeps what the previous lock pinned.

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
            constraints=constraints,
            exclude=sorted(canonicalize_name(n) for n in exclude),
            offline=offline,
            uv_cache=uv_cache,
            preferences=preferences,
            workdir=workdir,
        )
        if code != 0:
            raise uv_failure(
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

    packages = with_upstream_urls(packages, [c.local_root for c in clients])
    md = fetch_metadata(clients, packages, reporter or Reporter(), workers)
    requires, extras = closure_requirements(top, md, python=minor, arch=arch)
    if exclude:
        dropped = {canonicalize_name(n) for n in exclude}
        requires = {
            name: tuple(r for r in reqs if canonicalize_name(r.name) not in dropped)
            for name, reqs in requires.items()
        }
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
