"""Building a stream: the plan, its state, the workspace, and the backends.

* :mod:`.plan` -- :class:`BuildPlan`: generations of the build graph, cycles with reasons.
* :mod:`.state` -- :class:`PlanState`: per package and target, persisted, resumable.
* :mod:`.workspace` -- :class:`~streams.builders.workspace.Workspace`: the ``out/NAME``
  layout, spelled once; the spec locator and SRPM provider of the specgen output.
* :mod:`.base` -- the :class:`Backend` protocol, SRPM creation, progress hooks,
  :class:`BuildOutcome`.
* :mod:`.rpmbuild`, :mod:`.mock`, :mod:`.copr`, :mod:`.koji` -- one module per backend; the
  ``copr`` and ``koji`` client libraries are imported only there.
* :mod:`.dispatch` -- :class:`~streams.builders.dispatch.BuildSession`: ``streams build``.
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
