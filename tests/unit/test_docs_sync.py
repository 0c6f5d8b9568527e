"""The generated reference docs (docs/reference/recipe.md, commands.md, exit-codes.md) match
what tools/gen_docs.py produces from the recipe models, the click CLI and streams/errors.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen_docs() -> ModuleType:
    return _gen_docs()


def test_generated_reference_docs_are_current(gen_docs: ModuleType) -> None:
    diffs = gen_docs.stale(ROOT)
    if diffs:
        pytest.fail(
            "generated docs are out of date; regenerate with `.venv/bin/python "
            "tools/gen_docs.py` and commit the result:\n\n" + "\n".join(diffs.values()),
            pytrace=False,
        )


def test_every_recipe_key_and_command_option_is_documented(gen_docs: ModuleType) -> None:
    from streams.recipe import PackageSettings, PolicySection, StreamSection

    recipe = gen_docs.recipe_md()
    for model in (StreamSection, PolicySection, PackageSettings):
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in recipe
    commands = gen_docs.commands_md()
    assert "### `streams manifest`" in commands
    assert "`--manifest-format" in commands  # streams check's image-prefix warning option
    assert "| 3 | `EXIT_UNSATISFIABLE` |" in gen_docs.exit_codes_md()


def test_stale_reports_a_diff(gen_docs: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "docs" / "reference").mkdir(parents=True)
    (tmp_path / "docs" / "reference" / "recipe.md").write_text("old\n", encoding="utf-8")
    diffs = gen_docs.stale(tmp_path)
    assert set(map(str, diffs)) == {
        "docs/reference/recipe.md",
        "docs/reference/commands.md",
        "docs/reference/exit-codes.md",
    }
    assert "-old" in diffs[Path("docs/reference/recipe.md")]
