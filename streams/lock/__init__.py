"""The lock stage: what ``streams lock`` decided, per target, and how it decides it.

* :mod:`.model` -- the lock's data model (pydantic, frozen) -- and :mod:`.io`, its deterministic
  TOML form on disk.  Both are re-exported here: ``from streams.lock import Lock``.
* :mod:`.context` -- :class:`~streams.lock.context.LockContext`: the resolver, the base loader
  and the settings of one target, passed once.
* :mod:`.pipeline` -- ``streams lock``: upstream closure, reconciliation with Fedora, the lock;
  :mod:`.records` turns the solver's decisions into the lock's packages and edges.
* :mod:`.build_section` -- what each bundled sdist needs to build, and where it comes from.
* :mod:`.graph` -- the lock seen as graphs (runtime view, build graph, why-paths).

Importing this package loads only the model and its I/O; the pipeline imports the solver.
"""

from streams.lock.io import dumps, load_lock_for, lock_path, read_lock, require_lock, write_lock
from streams.lock.model import (
    FEDORA_COPR,
    SCHEMA_VERSION,
    Lock,
    LockedBuildTool,
    LockedEdge,
    LockedLicense,
    LockedObsolete,
    LockedPackage,
    LockedPolicy,
    LockedRepo,
    LockedSource,
    LockedTarget,
    LockedVendor,
    Revision,
)

__all__ = [
    "FEDORA_COPR",
    "SCHEMA_VERSION",
    "Lock",
    "LockedBuildTool",
    "LockedEdge",
    "LockedLicense",
    "LockedObsolete",
    "LockedPackage",
    "LockedPolicy",
    "LockedRepo",
    "LockedSource",
    "LockedTarget",
    "LockedVendor",
    "Revision",
    "dumps",
    "load_lock_for",
    "lock_path",
    "read_lock",
    "require_lock",
    "write_lock",
]
