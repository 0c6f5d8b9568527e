"""The edge of specgen: source files in, ``SPECS/``, ``SOURCES/`` and a summary out.

:func:`plan_target` gathers the stored source infos a locked target needs (reading a source
from the cache only when its info is missing) and builds the pure :class:`SpecPlan`;
:func:`render_plan` renders it (pure); :func:`write_output` writes the specs and fetches the
sources in parallel, verified against the lock's sha256.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from packaging.utils import canonicalize_name

from streams.errors import SpecGenError
from streams.infra import http
from streams.infra.fsutil import atomic_write_bytes, atomic_write_text, cache_dir
from streams.lock import LockedTarget
from streams.specgen.buildinfo import SourceInfo, SourceInfoStore
from streams.specgen.context import (
    INSTALL_HELPER,
    SourceFetch,
    SpecPlan,
    StreamSettings,
    build_contexts,
    choose_source,
)
from streams.specgen.render import render

__all__ = [
    "Fetcher",
    "RenderedSpec",
    "Summary",
    "cached_source",
    "fetch_sources",
    "install_helper_text",
    "plan_target",
    "render_plan",
    "write_output",
]

#: ``fetch(source) -> path`` of the verified file; the default downloads into the cache.
Fetcher = Callable[[SourceFetch], Path]


@dataclass(frozen=True, slots=True)
class RenderedSpec:
    filename: str
    text: str


@dataclass(frozen=True, slots=True)
class Summary:
    """What ``streams specgen`` reports: one entry per spec, licenses and warnings."""

    target: str
    specs: tuple[str, ...]
    licenses: Mapping[str, str]
    warnings: tuple[str, ...]
    sources: tuple[str, ...]
    output: str

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "target": self.target,
            "output": self.output,
            "specs": list(self.specs),
            "sources": list(self.sources),
            "licenses": dict(self.licenses),
            "warnings": list(self.warnings),
        }


def install_helper_text() -> str:
    return (
        resources.files("streams.specgen").joinpath("templates", INSTALL_HELPER).read_text("utf-8")
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_source(src: SourceFetch, *, offline: bool = False) -> Path:
    """The file of ``src`` in the cache, downloaded and verified when missing.

    Looks in the index client's content-addressed cache first (``cache_dir("index")``,
    ``sha256/ab/abcdef...``) so files the lock step downloaded are not fetched again.
    """
    for candidate in (
        cache_dir("index") / "sha256" / src.sha256[:2] / src.sha256,
        cache_dir("sources") / src.sha256,
    ):
        if candidate.is_file():
            return candidate
    if offline:
        raise SpecGenError(
            f"{src.filename} is not in the cache (offline)",
            hint="run streams specgen once with network access",
        )
    target = cache_dir("sources") / src.sha256
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as fh:
        http.download(src.url, fh, service="source download")
    digest = _sha256(tmp)
    if digest != src.sha256:
        tmp.unlink(missing_ok=True)
        raise SpecGenError(
            f"{src.filename}: downloaded file has sha256 {digest}, the lock says {src.sha256}",
            hint="the file on the index changed or the download was corrupted; re-lock",
        )
    tmp.replace(target)
    return target


def plan_target(
    settings: StreamSettings,
    target: LockedTarget,
    store: SourceInfoStore,
    *,
    arch: str,
    interpreter: str,
    date: object | None = None,
    fetch: Fetcher | None = None,
) -> SpecPlan:
    """The spec plan of one target, from stored infos (offline when the store has them all).

    A source whose info is missing is fetched (``fetch``, default :func:`cached_source`) and
    read once; the info is then stored for next time.
    """
    fetch = fetch or cached_source
    infos: dict[str, SourceInfo] = {}
    for pkg in target.bundled():
        src, _ = choose_source(pkg, settings.options(pkg.name).source, target.python, arch)
        info = store.get(src.sha256)
        if info is None:
            filename = src.filename or src.url.rsplit("/", 1)[-1]
            path = fetch(SourceFetch(filename, src.url, src.sha256, src.kind, pkg.name))
            if _sha256(path) != src.sha256:
                raise SpecGenError(
                    f"{filename}: the cached file does not match the lock's sha256 {src.sha256}",
                    hint=f"delete {path} and run again; if it recurs, the index changed: re-lock",
                )
            info = store.load(
                path,
                sha256=src.sha256,
                kind=src.kind,
                name=str(canonicalize_name(pkg.name)),
                version=pkg.version,
            )
        infos[src.sha256] = info
    kwargs = {} if date is None else {"date": date}
    return build_contexts(
        settings,
        target,
        infos,
        arch=arch,
        interpreter=interpreter,
        **kwargs,  # type: ignore[arg-type]
    )


def render_plan(plan: SpecPlan) -> list[RenderedSpec]:
    """Render every spec of ``plan`` (pure, deterministic)."""
    return [RenderedSpec(s.filename, render(s.template, dict(s.variables))) for s in plan.specs]


def fetch_sources(
    plan: SpecPlan,
    dest: Path,
    *,
    fetch: Fetcher | None = None,
    workers: int = 8,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Copy every source of ``plan`` into ``dest`` (parallel, verified), plus the helper."""
    fetch = fetch or cached_source
    dest.mkdir(parents=True, exist_ok=True)
    sources = sorted(
        {s.source.filename: s.source for s in plan.specs if s.source}.values(),
        key=lambda s: s.filename,
    )

    def one(src: SourceFetch) -> str:
        out = dest / src.filename
        if not (out.is_file() and _sha256(out) == src.sha256):
            path = fetch(src)
            if _sha256(path) != src.sha256:
                raise SpecGenError(
                    f"{src.filename}: cached file does not match the lock's sha256",
                    hint=f"delete {path} and run again",
                )
            tmp = out.with_name(f".{out.name}.part")
            shutil.copyfile(path, tmp)
            tmp.replace(out)
        if progress is not None:
            progress(src.filename)
        return src.filename

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        names = list(pool.map(one, sources))
    atomic_write_bytes(dest / INSTALL_HELPER, install_helper_text().encode("utf-8"))
    return [*names, INSTALL_HELPER]


def write_output(
    plan: SpecPlan,
    out_dir: Path,
    *,
    sources: bool = True,
    fetch: Fetcher | None = None,
    workers: int = 8,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Write ``out_dir/SPECS/*.spec`` and (``sources``) ``out_dir/SOURCES/``."""
    specs_dir = out_dir / "SPECS"
    specs_dir.mkdir(parents=True, exist_ok=True)
    rendered = render_plan(plan)
    for spec in rendered:
        atomic_write_text(specs_dir / spec.filename, spec.text)
    names: list[str] = []
    if sources:
        names = fetch_sources(
            plan, out_dir / "SOURCES", fetch=fetch, workers=workers, progress=progress
        )
    return Summary(
        plan.target,
        tuple(s.filename for s in rendered),
        plan.licenses,
        plan.warnings,
        tuple(names),
        str(out_dir),
    )
