"""``streams check``: prove a published stream is isolated and works.

Five checks on the built RPMs (issue 6): ``firewall`` (:mod:`.firewall`), ``coupling`` (no
exact requirement on a base package, :mod:`.coupling`; it reads the specs too),
``conflicts`` (:mod:`.conflicts`), ``installability`` (:mod:`.installable`) and
``install-and-run`` (:mod:`.smoke`), run by :func:`check_stream`.
"""

from streams.checks.model import (
    CHECK_NAMES,
    SCHEMA_VERSION,
    CheckReport,
    CheckResult,
    LoadedStream,
    StreamRepo,
)
from streams.checks.run import CheckReporter, check_stream, load_stream

__all__ = [
    "CHECK_NAMES",
    "SCHEMA_VERSION",
    "CheckReport",
    "CheckReporter",
    "CheckResult",
    "LoadedStream",
    "StreamRepo",
    "check_stream",
    "load_stream",
]
