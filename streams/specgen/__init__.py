"""Spec generation: a lock becomes the spec files of a stream (``docs/specgen.md``).

One spec per bundled distribution (``NAME-stream-python3-DIST``, built from its sdist or
repackaged from its wheel), ``NAME-stream-runtime`` (the prefix and its Python environment)
and ``NAME-stream`` (the metapackage).  Context building and rendering are pure
(:mod:`.context`, :mod:`.render`); reading sources and writing files live in :mod:`.output`.
"""

from streams.specgen.buildinfo import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    BuildInfo,
    SourceInfo,
    SourceInfoStore,
    map_build_requires,
    read_build_info,
    read_source_info,
)
from streams.specgen.context import (
    PackageOptions,
    SourceFetch,
    SpecContext,
    SpecPlan,
    StreamSettings,
    build_contexts,
    changelog_date,
)
from streams.specgen.output import (
    RenderedSpec,
    Summary,
    cached_source,
    plan_target,
    render_plan,
    write_output,
)

__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "BuildInfo",
    "PackageOptions",
    "RenderedSpec",
    "SourceFetch",
    "SourceInfo",
    "SourceInfoStore",
    "SpecContext",
    "SpecPlan",
    "StreamSettings",
    "Summary",
    "build_contexts",
    "cached_source",
    "changelog_date",
    "map_build_requires",
    "plan_target",
    "read_build_info",
    "read_source_info",
    "render_plan",
    "write_output",
]
