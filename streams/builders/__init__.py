"""Build backends and the build plan they share.

* :mod:`streams.builders.plan` -- :class:`BuildPlan` (generations of the build graph, cycles
  with reasons) and :class:`PlanState` (per package and target, persisted, resumable).
* :mod:`streams.builders.base` -- the :class:`Backend` protocol, SRPM creation, progress hooks,
  :class:`BuildOutcome`.
* :mod:`streams.builders.copr`, :mod:`streams.builders.koji`, :mod:`streams.builders.mock` --
  one module per backend; the ``copr`` and ``koji`` client libraries are imported only there.
"""

from streams.builders.base import (
    Backend,
    BuildOutcome,
    Reporter,
    SpecTree,
    SrpmProvider,
    rpmbuild_srpm,
)
from streams.builders.plan import BuildPlan, PlanNode, PlanStep
from streams.builders.state import PlanState, Record, SummaryRow
from streams.builders.workspace import open_state

__all__ = [
    "Backend",
    "BuildOutcome",
    "BuildPlan",
    "PlanNode",
    "PlanState",
    "PlanStep",
    "Record",
    "Reporter",
    "SpecTree",
    "SrpmProvider",
    "SummaryRow",
    "open_state",
    "rpmbuild_srpm",
]
