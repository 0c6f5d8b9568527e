"""The package-index client (PEP 691/503 + PEP 658), as DESIGN.md names it.

The implementation lives in :mod:`streams.solver.index`; this module re-exports it.
"""

from streams.solver.index import (
    DEFAULT_INDEX_URL,
    CoreMetadata,
    DistFile,
    DistKind,
    HashMismatchError,
    IndexClient,
    MetadataReadError,
    MetadataSource,
    NotCachedError,
    Project,
    ProjectNotFoundError,
    Reporter,
    parse_html_page,
    parse_json_page,
    requires_txt_to_requires_dist,
)

__all__ = [
    "DEFAULT_INDEX_URL",
    "CoreMetadata",
    "DistFile",
    "DistKind",
    "HashMismatchError",
    "IndexClient",
    "MetadataReadError",
    "MetadataSource",
    "NotCachedError",
    "Project",
    "ProjectNotFoundError",
    "Reporter",
    "parse_html_page",
    "parse_json_page",
    "requires_txt_to_requires_dist",
]
