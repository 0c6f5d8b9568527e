"""Resolution: versions, PyPI metadata, upstream resolution, base repos, reconciliation."""
