"""Package-index client: PEP 691/503 pages, PEP 658 metadata, range and sdist fallbacks.

See ``docs/index-client.md``.  :func:`parse_core_metadata` and :func:`read_wheel_metadata`
are public because source inspection (:mod:`streams.sources`) reads the same metadata files.
"""

from streams.solver.index._client import (
    DEFAULT_INDEX_URL,
    HashMismatchError,
    IndexClient,
    NotCachedError,
    ProjectNotFoundError,
)
from streams.solver.index._metadata import (
    MetadataReadError,
    parse_core_metadata,
    read_wheel_metadata,
    requires_txt_to_requires_dist,
)
from streams.solver.index._models import (
    CoreMetadata,
    DistFile,
    DistKind,
    MetadataSource,
    Project,
    Reporter,
)
from streams.solver.index._pages import parse_html_page, parse_json_page

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
    "parse_core_metadata",
    "parse_html_page",
    "parse_json_page",
    "read_wheel_metadata",
    "requires_txt_to_requires_dist",
]
