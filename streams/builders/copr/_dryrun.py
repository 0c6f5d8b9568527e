"""``--dry-run``: the batches and the Copr API calls a run would make, without contacting Copr."""

from __future__ import annotations

from collections.abc import Sequence

from streams.builders.copr._config import CoprSettings
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import UsageError
from streams.targets import get_target


def chroots_for(targets: Sequence[str]) -> dict[str, str]:
    """Target name -> Copr chroot name."""
    out = {}
    for t in targets:
        chroot = get_target(t).copr_chroot
        if chroot is None:
            raise UsageError(
                f"target {t!r} has no Copr chroot", hint="Copr builds fedora-NN-ARCH targets"
            )
        out[t] = chroot
    return out


def render_dry_run(
    plan: BuildPlan, state: PlanState | None, settings: CoprSettings, *, owner: str
) -> str:
    """The batches and the Copr API calls a run would make, without contacting Copr."""
    chroots = chroots_for(plan.targets)
    s = settings
    lines = [
        f"Copr project {owner}/{s.project}: chroots {', '.join(sorted(set(chroots.values())))}; "
        f"network {'on' if s.enable_net else 'off'}"
        + (f"; additional repos {', '.join(s.additional_repos)}" if s.additional_repos else ""),
        f"  project_proxy.get({owner!r}, {s.project!r})",
        f"  project_proxy.add({owner!r}, {s.project!r}, chroots=[...], enable_net={s.enable_net})"
        "  # only if missing; project_proxy.edit(...) if chroots or settings differ",
    ]
    first_prev: str | None = None
    batch = 0
    for g, gen in enumerate(plan.generations):
        first: str | None = None
        calls = []
        for step in gen:
            for name in step.members:
                node = plan.nodes[name]
                targets = (
                    list(node.targets)
                    if state is None
                    else [t for t, r in state.records(name) if r.state != "succeeded"]
                )
                if not targets:
                    continue
                cs = sorted(chroots[t] for t in targets)
                opts = f'"chroots": {cs}'
                if first is not None:
                    opts += f', "with_build_id": <build of {first}>'
                elif first_prev is not None:
                    opts += f', "after_build_id": <build of {first_prev}>'
                version = node.version(targets[0]) or "VERSION"
                calls.append(
                    f"  build_proxy.create_from_file({owner!r}, {s.project!r}, "
                    f"'{node.rpm}-{version}-*.src.rpm', buildopts={{{opts}}})"
                    + ("  # cycle: " + step.reason if step.is_cycle else "")
                )
                if first is None:
                    first = name
        if calls:
            batch += 1
            lines.append(f"batch {batch} (generation {g}): {len(calls)} build(s)")
            lines += calls
            first_prev = first
    lines.append(
        "then: build_proxy.get / build_proxy.get_list polling and build_chroot_proxy.get_list "
        "on each state change; build_proxy.cancel for the dependants of a failed build"
    )
    return "\n".join(lines)
