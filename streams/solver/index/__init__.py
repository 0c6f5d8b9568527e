"""Package-index client: PEP 691/503 pages, PEP 658 metadata, range and sdist fallbacks.

See ``docs/index-client.md``.  ``streams.solver.pypi`` re-exports the same names.
"""

from streams.solver.index._client import (
    DEFAULT_INDEX_URL,
    HashMismatchError,
    IndexClient,
    NotCachedError,
    ProjectNotFoundError,
)
from streams.solver.index._metadata import MetadataReadError, requires_txt_to_requires_dist
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
    "parse_html_page",
    "parse_json_page",
    "requires_txt_to_requires_dist",
]
