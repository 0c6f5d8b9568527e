"""What a valid recipe implies, before anything is resolved: the plan ``streams validate --plan``
shows, and the recipe's JSON Schema.

The plan is computed from the recipe and the target facts alone (no network): per target the
interpreter, the site-packages directory in the prefix, whether Fedora's ``python3-*`` packages
can be reused at all, and the top-level requirements whose markers apply there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from streams import targets as _targets
from streams.recipe._models import Recipe

PLAN_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class TargetPlan:
    """The stream on one target."""

    target: str
    python: str  # "3.14"
    interpreter_rpm: str  # "python3" (main) or "python3.14"
    executable: str  # "/usr/bin/python3" or "/usr/bin/python3.14"
    main: bool
    site_packages: str  # PREFIX/lib/python3.X/site-packages
    reuses_fedora: bool  # Fedora's python3-* packages exist only for the main Python
    requirements: tuple[str, ...]  # top-level requirements whose markers apply
    skipped: tuple[str, ...]  # those whose markers do not apply on this target


def _environment(target: _targets.Target, python: str) -> dict[str, str]:
    """PEP 508 marker environment of a Fedora target (Linux, CPython, the target's arch)."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "platform_machine": target.arch,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }


def target_plans(recipe: Recipe) -> tuple[TargetPlan, ...]:
    """One :class:`TargetPlan` per recipe target, in the recipe's order."""
    plans: list[TargetPlan] = []
    for name in recipe.stream.targets:
        target = _targets.get_target(name)
        interp = recipe.interpreter_for(name)
        env = _environment(target, interp.version)
        applies: list[str] = []
        skipped: list[str] = []
        for req in recipe.normalized_requires.values():
            if req.marker is None or req.marker.evaluate(env):
                applies.append(str(req))
            else:
                skipped.append(str(req))
        plans.append(
            TargetPlan(
                target=name,
                python=interp.version,
                interpreter_rpm=interp.rpm_name,
                executable=interp.executable,
                main=interp.main,
                site_packages=f"{recipe.prefix}/lib/python{interp.version}/site-packages",
                reuses_fedora=interp.main,
                requirements=tuple(applies),
                skipped=tuple(skipped),
            )
        )
    return tuple(plans)


def plan_recipe(recipe: Recipe) -> dict[str, Any]:
    """The plan of one recipe as a JSON-ready dict (``streams validate --plan --json``)."""
    policy = recipe.policy
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "file": str(recipe.path) if recipe.path else None,
        "sha256": recipe.sha256,
        "stream": recipe.name,
        "summary": recipe.stream.summary,
        "license": recipe.stream.license,
        "prefix": recipe.prefix,
        "packages": {
            "metapackage": recipe.metapackage,
            "runtime": recipe.runtime_package,
            "bundled": f"{recipe.name}-stream-python3-DIST",
        },
        "exports": [
            {"command": c, "link": f"/usr/bin/{c}", "target": f"{recipe.prefix}/bin/{c}"}
            for c in recipe.stream.exports
        ],
        "targets": [asdict(p) for p in target_plans(recipe)],
        "requires": [str(r) for r in recipe.normalized_requires.values()],
        "policy": {
            "prefer": policy.prefer,
            "bundle": sorted(policy.bundle),
            "fedora": sorted(policy.fedora),
            "abi-coupled": sorted(policy.abi_coupled),
            "licenses": policy.licenses,
            "binaries": policy.binaries,
        },
        "package_settings": {
            name: s.model_dump(by_alias=True, exclude_defaults=True)
            for name, s in sorted(recipe.packages.items())
        },
        "index": recipe.index.model_dump(by_alias=True),
        "copr": recipe.copr.model_dump(by_alias=True, exclude_defaults=True),
        "variants": {name: _variant_plan(recipe.variant(name)) for name in recipe.variants},
    }


def _variant_plan(variant: Recipe) -> dict[str, Any]:
    """What a variant's plan says beyond the recipe's: its own stream, targets and settings."""
    section = variant.variant_section
    assert section is not None
    return {
        "description": section.description,
        **{k: v for k, v in plan_recipe(variant).items() if k in _VARIANT_KEYS},
        "constraints": [str(r) for r in variant.constraints],
        "exclude": sorted(variant.excluded),
    }


_VARIANT_KEYS = ("stream", "prefix", "packages", "targets", "requires", "policy", "index", "copr")


def _drop_null(node: Any) -> Any:
    """TOML has no null: an optional key is simply left out.  Turn pydantic's
    ``anyOf: [X, {type: null}], default: null`` into ``X`` so editors do not offer null."""
    if isinstance(node, list):
        return [_drop_null(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _drop_null(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1:
            out.update(rest[0])
        else:
            out["anyOf"] = rest
        if out.get("default", 0) is None:
            del out["default"]
    return out


def recipe_schema() -> dict[str, Any]:
    """The JSON Schema of recipes (keys as written in TOML), for editors and docs."""
    schema = _drop_null(Recipe.model_json_schema(by_alias=True))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "streams recipe",
        **{k: v for k, v in schema.items() if k != "title"},
    }
