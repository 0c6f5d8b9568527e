"""Recipes: the pydantic models of ``recipes/NAME.toml``, loading with file:line problems,
lookup by name, checks across several recipes, and the plan a recipe implies.

The format is documented in ``docs/recipes.md``; its JSON Schema is ``docs/recipe.schema.json``
(``streams schema recipe``).
"""

from streams.recipe._load import (
    Loaded,
    Report,
    check_recipes,
    find_recipe,
    known_recipe_paths,
    load,
    load_recipe,
    recipe_dirs,
    render_path,
    shipped_recipes_dir,
    validate_recipes,
)
from streams.recipe._models import (
    DEFAULT_INDEX,
    DEFAULT_PREFIX_ROOT,
    MODEL_CONFIG,
    CoprSection,
    IndexSection,
    PackageSettings,
    PolicySection,
    Recipe,
    RequirementSpec,
    StreamSection,
)
from streams.recipe._plan import TargetPlan, plan_recipe, recipe_schema, target_plans
from streams.recipe._scaffold import scaffold_recipe

__all__ = [
    "DEFAULT_INDEX",
    "DEFAULT_PREFIX_ROOT",
    "MODEL_CONFIG",
    "CoprSection",
    "IndexSection",
    "Loaded",
    "PackageSettings",
    "PolicySection",
    "Recipe",
    "Report",
    "RequirementSpec",
    "StreamSection",
    "TargetPlan",
    "check_recipes",
    "find_recipe",
    "known_recipe_paths",
    "load",
    "load_recipe",
    "plan_recipe",
    "recipe_dirs",
    "recipe_schema",
    "render_path",
    "scaffold_recipe",
    "shipped_recipes_dir",
    "target_plans",
    "validate_recipes",
]
