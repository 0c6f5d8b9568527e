"""Installability: libsolv installs ``NAME-stream`` into an empty system from the base repos
plus the stream's repo, then again together with every ``--with`` stream's metapackage.

Solving follows libsolv's bindings (docs/reference/contracts.md §5): a SOLVER_INSTALL job per
metapackage, problems turned into libsolv's own problem strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import solv


@dataclass(frozen=True, slots=True)
class SolveOutcome:
    """One solver run: the problems (empty: installable) or what it would install."""

    what: str
    problems: tuple[str, ...]
    installs: tuple[Any, ...]
    """The solvables of the transaction (libsolv objects), empty when there were problems."""

    def sentence(self) -> str:
        if self.problems:
            return f"{self.what}: {len(self.problems)} problem(s): " + "; ".join(self.problems)
        by_repo: dict[str, int] = {}
        for s in self.installs:
            by_repo[s.repo.name] = by_repo.get(s.repo.name, 0) + 1
        split = ", ".join(f"{n} from {r}" for r, n in sorted(by_repo.items()))
        return f"{self.what}: installs {len(self.installs)} package(s) ({split})"


def _problem_lines(problem: Any) -> list[str]:
    lines = [str(problem)]
    for rule in problem.findallproblemrules():
        text = rule.info().problemstr()
        if text and text not in lines:
            lines.append(text)
    return lines


def solve_install(pool: Any, wanted: Sequence[tuple[str, str]], what: str) -> SolveOutcome:
    """Install every ``(package name, repo name)`` of ``wanted`` into an empty system."""
    jobs = []
    missing = []
    for name, repo_name in wanted:
        sel = pool.select(name, solv.Selection.SELECTION_NAME)
        ids = [s.id for s in sel.solvables() if s.repo.name == repo_name]
        if not ids:
            missing.append(f"no package {name} in the repository {repo_name}")
            continue
        jobs.append(
            pool.Job(
                solv.Job.SOLVER_INSTALL | solv.Job.SOLVER_SOLVABLE_ONE_OF,
                pool.towhatprovides(ids),
            )
        )
    if missing:
        return SolveOutcome(what, tuple(missing), ())
    solver = pool.Solver()
    problems = solver.solve(jobs)
    if problems:
        lines: list[str] = []
        for p in problems:
            lines += [ln for ln in _problem_lines(p) if ln not in lines]
        return SolveOutcome(what, tuple(lines), ())
    installs = tuple(sorted(solver.transaction().newsolvables(), key=str))
    return SolveOutcome(what, (), installs)
