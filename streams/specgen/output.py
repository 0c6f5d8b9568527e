"""The edge of specgen: source files in, ``SPECS/``, ``SOURCES/`` and a summary out.

:func:`plan_target` gathers the stored source infos a locked target needs (reading a source
from the cache only when its info is missing, through :func:`streams.sources.inspect_source`)
and builds the pure :class:`SpecPlan`; :func:`plan_recipe_target` does the same for a target of
a recipe's lock (what ``streams specgen`` and ``streams build`` both need);
:func:`render_plan` renders it (pure); :func:`write_output` writes the specs and fetches the
sources in parallel, verified against the lock's sha256.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import os
import platform
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from packaging.utils import canonicalize_name

from streams.errors import SpecGenError
from streams.infra.fsutil import atomic_write_bytes, atomic_write_text
from streams.lock import Lock, LockedTarget
from streams.recipe import Recipe
from streams.sources import (
    Fetcher,
    SourceFetch,
    SourceInfo,
    SourceInfoStore,
    VendorFetch,
    cached_source,
    cached_vendor,
    choose_source,
    inspect_source,
    sha256_file,
    verified,
)
from streams.specgen.adopt import OwnedSpec, own_spec
from streams.specgen.context import (
    INSTALL_HELPER,
    SpecContext,
    SpecPlan,
    StreamSettings,
    build_contexts,
    changelog_date,
)
from streams.specgen.render import render
from streams.targets import HOST, HOST_PYTHON, get_target

__all__ = [
    "RenderedSpec",
    "Summary",
    "fetch_sources",
    "install_helper_text",
    "plan_recipe_target",
    "plan_target",
    "render_plan",
    "with_owned_specs",
    "write_output",
]


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


def plan_target(
    settings: StreamSettings,
    target: LockedTarget,
    store: SourceInfoStore,
    *,
    arch: str,
    interpreter: str,
    date: _dt.date | None = None,
    fetch: Fetcher | None = None,
) -> SpecPlan:
    """The spec plan of one target, from stored infos (offline when the store has them all).

    A source whose info is missing is fetched (``fetch``, default
    :func:`~streams.sources.cached_source`) and read once; the info is then stored for next
    time.
    """
    infos: dict[str, SourceInfo] = {}
    for pkg in target.bundled():
        src, _ = choose_source(pkg, settings.options(pkg.name).source, target.python, arch)
        infos[src.sha256] = inspect_source(
            src,
            dist=str(canonicalize_name(pkg.name)),
            version=pkg.version,
            store=store,
            fetch=fetch or cached_source,
        )
    return build_contexts(
        settings,
        target,
        infos,
        arch=arch,
        interpreter=interpreter,
        **({} if date is None else {"date": date}),
    )


def plan_recipe_target(
    recipe: Recipe,
    lock: Lock,
    target: str | None,
    store: SourceInfoStore,
    *,
    fetch: Fetcher | None = None,
) -> SpecPlan:
    """The spec plan of ``target`` of ``recipe``'s lock.

    ``target`` defaults to the first of the recipe's targets that the lock has.  ``host`` links
    the prefix's python to this machine's ``/usr/bin/python3``, any other target to the
    recipe's interpreter for it.  The changelog date is ``SOURCE_DATE_EPOCH`` when set.
    """
    if target is None:
        have = {t.name for t in lock.target}
        wanted = [t for t in recipe.stream.targets if t in have]
        target = wanted[0] if wanted else recipe.stream.targets[0]
    locked = lock.get_target(target)
    interpreter = HOST_PYTHON if target == HOST else recipe.interpreter_for(target).executable
    plan = plan_target(
        StreamSettings.from_recipe(recipe),
        locked,
        store,
        arch=get_target(target).arch or platform.machine(),
        interpreter=interpreter,
        date=changelog_date(os.environ.get("SOURCE_DATE_EPOCH")),
        fetch=fetch,
    )
    return with_owned_specs(plan, recipe)


def with_owned_specs(plan: SpecPlan, recipe: Recipe) -> SpecPlan:
    """``plan`` with the packager-owned spec of every ``[packages.X] spec`` the plan bundles
    in place of the generated one (docs/adopt.md)."""
    owned = {
        str(canonicalize_name(name)): settings.spec
        for name, settings in recipe.packages.items()
        if settings.spec
    }
    if not owned:
        return plan
    base = recipe.path.parent if recipe.path else Path.cwd()
    specs: list[SpecContext] = []
    warnings = list(plan.warnings)
    for ctx in plan.specs:
        rel = owned.get(str(ctx.variables.get("dist", ""))) if ctx.source else None
        if rel is None:
            specs.append(ctx)
            continue
        path = base / rel
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecGenError(
                f"{path}: cannot read the packager's spec: {exc}",
                hint=f"[packages.{ctx.variables['dist']}] spec names a file beside the recipe",
            ) from None
        beside = {p.name for p in path.parent.iterdir() if p.is_file()}
        spec, notes = own_spec(ctx, text, path, beside)
        specs.append(spec)
        warnings += notes
    return replace(plan, specs=tuple(specs), warnings=tuple(warnings))


def render_plan(plan: SpecPlan) -> list[RenderedSpec]:
    """Render every spec of ``plan`` (pure, deterministic)."""
    return [
        RenderedSpec(
            s.filename,
            s.text if isinstance(s, OwnedSpec) else render(s.template, dict(s.variables)),
        )
        for s in plan.specs
    ]


def fetch_sources(
    plan: SpecPlan,
    dest: Path,
    *,
    fetch: Fetcher | None = None,
    workers: int = 8,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Copy every source of ``plan`` into ``dest`` (parallel, verified), plus the helper.

    Vendored Rust crates come from the source cache by their sha256 (made again from their
    sdist, and checked, when the cache lost them: :func:`streams.sources.cached_vendor`).
    """
    fetch = fetch or cached_source
    dest.mkdir(parents=True, exist_ok=True)
    sources = sorted(
        {s.source.filename: s.source for s in plan.specs if s.source}.values(),
        key=lambda s: s.filename,
    )

    vendors = sorted(
        {s.vendor.filename: s.vendor for s in plan.specs if s.vendor}.values(),
        key=lambda v: v.filename,
    )

    def one(src: SourceFetch | VendorFetch) -> str:
        out = dest / src.filename
        if not (out.is_file() and sha256_file(out) == src.sha256):
            if isinstance(src, VendorFetch):
                path = cached_vendor(src, fetch=fetch)
            else:
                path = verified(fetch, src)
            tmp = out.with_name(f".{out.name}.part")
            shutil.copyfile(path, tmp)
            tmp.replace(out)
        if progress is not None:
            progress(src.filename)
        return src.filename

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        names = list(pool.map(one, [*sources, *vendors]))
    atomic_write_bytes(dest / INSTALL_HELPER, install_helper_text().encode("utf-8"))
    # packager-owned specs: the include, and their own sources and patches
    for spec in plan.specs:
        if isinstance(spec, OwnedSpec):
            for filename, text in spec.files:
                atomic_write_text(dest / filename, text)
                names.append(filename)
            for local in spec.local:
                shutil.copyfile(local, dest / local.name)
                names.append(local.name)
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
    # a packager-owned spec's include beside it too: what parses the spec from SPECS/ with
    # %_sourcedir there (rpmlint, `rpmspec -P SPECS/X.spec`) finds it
    for owned in plan.specs:
        if isinstance(owned, OwnedSpec):
            for filename, text in owned.files:
                atomic_write_text(specs_dir / filename, text)
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
