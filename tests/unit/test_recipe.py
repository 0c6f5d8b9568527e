"""Recipe models, the TOML locator and the single-field checks (pure, no CLI)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from streams.errors import RecipeError, UsageError
from streams.recipe import (
    PolicySection,
    Recipe,
    StreamSection,
    check_recipes,
    find_recipe,
    load_recipe,
    render_path,
)
from streams.recipe._locate import Position, locate
from streams.recipe._plan import target_plans
from streams.recipe._scaffold import default_targets, scaffold_recipe

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
[stream]
name = "demo"
summary = "A demo"
license = "MIT"
targets = ["fedora-44-x86_64", "fedora-45-x86_64"]
python = { "fedora-45-x86_64" = "3.14" }
exports = ["demo"]

[requires]
Demo_App = "==1.0"
numpy = { version = ">=2", extras = ["dev"], markers = "platform_machine == 'aarch64'" }

[policy]
bundle = ["Torch"]
abi-coupled = ["torch", "numpy"]

[packages.somedist]
url = "https://example.org/somedist-1.0.tar.gz"
sha256 = "%s"
""" % ("ab" * 32)


def write(tmp_path: Path, text: str, name: str = "r.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- locator --------------------------------------------------------------------------------------


def test_locator_finds_headers_dotted_quoted_inline_and_array_items() -> None:
    smap = locate(
        '[stream]\ntargets = [\n  "a",  # c\n  "b",\n]\n'
        'python = { "fedora-45-x86_64" = "3.14" }\n'
        'doc = """\nfake = 1\n"""\n[packages."Foo.Bar"]\nx.y = 1\n[[t]]\n[[t]]\nk = 2\n'
    )
    p = smap.positions
    assert p[("stream",)] == Position(1, 1)
    assert p[("stream", "targets", 0)] == Position(3, 3)
    assert p[("stream", "targets", 1)] == Position(4, 3)
    assert p[("stream", "python", "fedora-45-x86_64")] == Position(6, 12)
    assert ("stream", "fake") not in p  # inside a multi-line string
    assert p[("packages", "Foo.Bar")] == Position(10, 1)
    assert p[("packages", "Foo.Bar", "x", "y")] == Position(11, 3)
    assert p[("t", 1, "k")] == Position(14, 1)
    # an unknown deeper path falls back to its nearest known parent
    assert smap.find(("stream", "targets", 7)) == Position(2, 1)


def test_locator_records_duplicate_keys() -> None:
    smap = locate('[requires]\ntorch = "1"\ntorch = "2"\n')
    assert smap.duplicates == [(("requires", "torch"), Position(3, 1))]


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True),
        st.lists(st.from_regex(r"[a-z0-9 .]{0,6}", fullmatch=True), max_size=3),
        min_size=1,
        max_size=5,
    )
)
def test_locator_finds_every_key_and_item_tomllib_sees(table: dict[str, list[str]]) -> None:
    lines = ["[t]"]
    for key, items in table.items():
        lines.append(f"{key} = [" + ", ".join(f'"{i}"' for i in items) + "]")
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text)["t"] == table
    smap = locate(text)
    for n, (key, items) in enumerate(table.items()):
        assert smap.positions[("t", key)] == Position(n + 2, 1)
        for i in range(len(items)):
            pos = smap.positions[("t", key, i)]
            assert lines[n + 1][pos.column - 1] == '"'


def test_render_path() -> None:
    assert render_path(("stream", "targets", 1)) == "stream.targets[1]"
    assert render_path(("packages", "foo bar", "url")) == 'packages."foo bar".url'


# -- loading --------------------------------------------------------------------------------------


def test_good_recipe_loads_with_derived_values(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    recipe = load_recipe(path)
    assert recipe.prefix == "/opt/streams/demo"
    assert recipe.metapackage == "demo-stream"
    assert recipe.python_for("fedora-45-x86_64") == "3.14"
    assert recipe.python_for("fedora-44-x86_64") is None
    assert recipe.interpreter_for("fedora-45-x86_64").rpm_name == "python3.14"
    assert recipe.interpreter_for("fedora-44-x86_64").main
    reqs = recipe.normalized_requires
    assert list(reqs) == ["demo-app", "numpy"]
    assert str(reqs["demo-app"]) == "demo-app==1.0"
    assert str(reqs["numpy"]) == 'numpy[dev]>=2; platform_machine == "aarch64"'
    assert recipe.package_settings("SomeDist").sha256 == "ab" * 32
    assert recipe.package_settings("other").source == "sdist"
    import hashlib

    assert recipe.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_markers_are_evaluated_per_target(tmp_path: Path) -> None:
    plans = target_plans(load_recipe(write(tmp_path, GOOD)))
    assert [p.requirements for p in plans] == [("demo-app==1.0",), ("demo-app==1.0",)]
    assert plans[0].skipped == ('numpy[dev]>=2; platform_machine == "aarch64"',)
    assert [p.reuses_fedora for p in plans] == [True, False]


def test_recipe_error_carries_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"MIT"', "1").replace('"==1.0"', '">=1,<"'))
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    err = info.value
    assert err.exit_code == 2
    assert [(p.line, p.path) for p in err.problems] == [
        (4, "stream.license"),
        (10, "requires.Demo_App"),
    ]


def test_toml_keys_are_kebab_case_only(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("abi-coupled", "abi_coupled"))
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    (problem,) = info.value.problems
    assert problem.hint == "did you mean 'abi-coupled'?"
    # Python code may still use field names
    assert PolicySection(abi_coupled=("torch",)).abi_coupled == ("torch",)


def test_models_are_frozen(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, GOOD))
    with pytest.raises(ValidationError):
        recipe.stream.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("prefix", "fragment"),
    [
        ("/opt/streams/demo/", "not normalised"),
        ("/opt//streams/demo", "not normalised"),
        ("/opt", "top-level directory"),
        ("/var/lib/streams/demo", "under /var"),
        ("/etc/demo", "under /etc"),
        ("/opt/streams/de mo", "not safe in RPM spec files"),
        ("/opt/streams/%{name}", "not safe in RPM spec files"),
        # %description names the prefix on a line of its own: rpmlint allows 80 columns
        ("/opt/streams/" + "p" * 67, "80 characters long"),
    ],
)
def test_prefix_rules(prefix: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        StreamSection(
            name="d", summary="s", license="MIT", targets=("fedora-44-x86_64",), prefix=prefix
        )
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("spec", "hint"),
    [
        ("=1.0", 'use "==" for an exact version'),
        ("^1.2", "PEP 440 has no '^'"),
        ("~1.2", "PEP 440 spells it '~='"),
        (
            "torch>=2",
            'the key is already the distribution; write only the specifier: torch = ">=2"',
        ),
    ],
)
def test_specifier_hints(tmp_path: Path, spec: str, hint: str) -> None:
    path = write(tmp_path, GOOD.replace('"==1.0"', f'"{spec}"'))
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    (problem,) = info.value.problems
    assert problem.hint and hint in problem.hint


def test_any_version_spellings(tmp_path: Path) -> None:
    for spec in ("", "*"):
        recipe = load_recipe(write(tmp_path, GOOD.replace('"==1.0"', f'"{spec}"')))
        assert str(recipe.normalized_requires["demo-app"]) == "demo-app"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[stream]\nname = "\xff"\n')
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert info.value.problems[0].line == 2


# -- lookup and collisions ------------------------------------------------------------------------


def test_find_recipe_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_recipe("vllm").resolve() == (REPO / "recipes" / "vllm.toml").resolve()
    (tmp_path / "recipes").mkdir()
    write(tmp_path / "recipes", GOOD, "vllm.toml")
    assert find_recipe("vllm") == Path("recipes/vllm.toml")
    assert find_recipe("some/where.toml") == Path("some/where.toml")
    with pytest.raises(UsageError) as info:
        find_recipe("nothing-here")
    assert "recipes/nothing-here.toml" in (info.value.hint or "")


def test_prefix_collision_other_than_given(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD, "a.toml")
    other = write(
        tmp_path, GOOD.replace('name = "demo"', 'name = "other"\nprefix = "/opt/streams"'), "b.toml"
    )
    report = check_recipes([a], others=[other])
    (problem,) = report.problems
    assert problem.path == "stream.name"  # the default prefix: pointed at the name
    assert "collides with stream 'other'" in problem.message
    assert report.recipes == ()


# -- scaffold -------------------------------------------------------------------------------------


def test_scaffold_validates(tmp_path: Path) -> None:
    text = scaffold_recipe("my-app", dist="My_App", version="1.2.3", targets=("fedora-43-aarch64",))
    recipe = load_recipe(write(tmp_path, text))
    assert recipe.stream.targets == ("fedora-43-aarch64",)
    assert str(recipe.normalized_requires["my-app"]) == "my-app==1.2.3"
    assert default_targets() == ("fedora-44-x86_64", "fedora-45-x86_64")


def test_scaffold_rejects_unknown_target() -> None:
    with pytest.raises(UsageError) as info:
        scaffold_recipe("x", targets=("fedora-99-x86_64",))
    assert "valid targets" in (info.value.hint or "")


def test_model_round_trip(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, GOOD))
    again = Recipe.model_validate(recipe.model_dump(by_alias=True), by_alias=True, by_name=False)
    assert again.model_dump() == recipe.model_dump()
    assert again.sha256 != recipe.sha256  # in memory: hashed from the canonical JSON form


@pytest.mark.parametrize(
    ("name", "requires", "application"),
    [
        # a recipe that bounds a library is still versioned like its application
        ("mdformat", 'markdown-it-py = "<4"\nmdformat = "==1.0.0"', "mdformat"),
        ("Demo_App", 'aaa = ">=1"\ndemo-app = "==1.0"', "demo-app"),
        # no distribution named like the stream: the first one listed, not the first by name
        ("demo", 'hello-cow = "==1.0"\nfastlib = "==3.0"', "hello-cow"),
    ],
)
def test_the_application_is_named_like_the_stream_else_listed_first(
    tmp_path: Path, name: str, requires: str, application: str
) -> None:
    text = (
        f'[stream]\nname = "{name.lower().replace("_", "-")}"\nsummary = "s"\nlicense = "MIT"\n'
        f'targets = ["fedora-44-x86_64"]\n\n[requires]\n{requires}\n'
    )
    assert load_recipe(write(tmp_path, text)).application == application
