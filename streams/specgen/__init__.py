"""Spec generation: a lock becomes the spec files of a stream (``docs/specgen.md``).

One spec per bundled distribution (``NAME-stream-python3-DIST``, built from its sdist or
repackaged from its wheel), ``NAME-stream-runtime`` (the prefix and its Python environment)
and ``NAME-stream`` (the metapackage).  Context building and rendering are pure
(:mod:`.context`, :mod:`.requires`, :mod:`.render`); writing files lives in :mod:`.output`.
What is inside a source file is asked of :mod:`streams.sources`.
"""

from streams.specgen.context import (
    PackageOptions,
    SpecContext,
    SpecPlan,
    StreamSettings,
    build_contexts,
    changelog_date,
)
from streams.specgen.output import (
    RenderedSpec,
    Summary,
    fetch_sources,
    plan_recipe_target,
    plan_target,
    render_plan,
    write_output,
)
from streams.specgen.requires import map_build_requires

__all__ = [
    "PackageOptions",
    "RenderedSpec",
    "SpecContext",
    "SpecPlan",
    "StreamSettings",
    "Summary",
    "build_contexts",
    "changelog_date",
    "fetch_sources",
    "map_build_requires",
    "plan_recipe_target",
    "plan_target",
    "render_plan",
    "write_output",
]
