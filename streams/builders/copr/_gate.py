"""What may be submitted to a Copr instance: the license gate, decided from the recipe and lock.

Fedora's Copr is bound by Fedora's licensing rules: "Fedora's license approval standards apply
to everything that is made available by the Fedora Project, ... [including] Copr repositories"
(https://docs.fedoraproject.org/en-US/legal/license-approval/ ).  A stream is destined for
Fedora's Copr unless its recipe names another instance (``[copr] instance``): the decision
follows the recipe, never the client configuration's URL (which a test, or a proxy, may point
anywhere).  For Fedora's Copr every bundled package of every target to build must have been
reviewed at lock time (``[target.package.license]``) and be allowed by Fedora; otherwise the
build is refused before any API call.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.errors import UsageError
from streams.lock import FEDORA_COPR, Lock
from streams.recipe import Recipe

__all__ = ["copr_destination", "refuse_unless_allowed"]


def copr_destination(recipe: Recipe) -> str:
    """The Copr instance ``recipe`` is destined for: its ``[copr] instance``, else Fedora's."""
    return (recipe.copr.instance or FEDORA_COPR).rstrip("/")


def refuse_unless_allowed(recipe: Recipe, lock: Lock, targets: Sequence[str]) -> None:
    """Raise :class:`UsageError` (exit 2) when the stream may not go to its Copr instance."""
    destination = copr_destination(recipe)
    if destination != FEDORA_COPR:
        return  # another instance: its rules, the packager's responsibility
    offending: list[str] = []
    unreviewed: list[str] = []
    for name in targets:
        target = lock.get_target(name)
        for pkg in sorted(target.bundled(), key=lambda p: p.name):
            lic = pkg.license
            if lic is None:
                unreviewed.append(f"{pkg.name} {pkg.version} ({name})")
            elif lic.problems:
                why = "; ".join(lic.problems)
                offending.append(f"  - {pkg.name} {pkg.version} ({name}): {lic.expression}: {why}")
    if not offending and not unreviewed:
        return
    lines = [
        f"{recipe.name} is destined for Fedora's Copr ({FEDORA_COPR}), which takes only what "
        "Fedora's licensing rules allow, and its lock says:"
    ]
    if offending:
        lines.append(f"{len(offending)} bundled package(s) Fedora does not allow:")
        lines += offending
    if unreviewed:
        shown = ", ".join(unreviewed[:10]) + (", ..." if len(unreviewed) > 10 else "")
        lines.append(
            f"{len(unreviewed)} bundled package(s) whose licenses were never reviewed "
            f"(locked without reading sources): {shown}"
        )
    table = f"[variants.{recipe.variant_name}.copr]" if recipe.variant_name else "[copr]"
    flag = f" --variant {recipe.variant_name}" if recipe.variant_name else ""
    raise UsageError(
        "\n".join(lines),
        hint="nothing was submitted. Replace or re-license the packages (see `streams show "
        f"{recipe.family}{flag} --licenses`), re-lock with sources read, or, for another Copr "
        f"instance whose rules you answer for, set {table} instance = URL in the recipe",
    )
