"""`streams validate`, `streams new` and `streams schema` through the real entry point.

Each broken recipe in tests/data/recipes/broken/ holds one mistake a packager makes; the CLI
must exit 2 and print one line per problem, FILE:LINE:COL: KEY.PATH: MESSAGE (hint: ...).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from streams.cli import main
from streams.recipe import load_recipe
from tools.devkit.fakeindex import FakeIndex

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "tests" / "data" / "recipes" / "broken"
PROBLEM_RE = re.compile(r"^(?P<file>[^:]+\.toml):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<rest>.*)$")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(REPO)  # relative file names in messages, ./recipes = shipped recipes


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _problem_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if not ln.startswith("error: ")]


# file, line, column, key path, message fragment, hint fragment
CASES: list[tuple[str, int, int, str, str, str]] = [
    ("key_typo_stream", 5, 1, "stream.tragets", "unknown key 'tragets'", "did you mean 'targets'?"),
    ("key_typo_table", 10, 1, "polcy", "unknown table 'polcy'", "did you mean 'policy'?"),
    (
        "key_typo_package",
        12,
        1,
        "packages.torch.build-require",
        "unknown key 'build-require' in [packages.torch]",
        "did you mean 'build-requires'?",
    ),
    (
        "key_typo_snake_case",
        11,
        1,
        "policy.abi_coupled",
        "unknown key 'abi_coupled'",
        "did you mean 'abi-coupled'?",
    ),
    (
        "bad_specifier",
        8,
        1,
        "requires.torch",
        "invalid version specifier '>=2.0,<'",
        'the specifier is incomplete; e.g. torch = ">=2.0,<3"',
    ),
    (
        "specifier_without_operator",
        8,
        1,
        "requires.numpy",
        "invalid version specifier '2.4.2'",
        'numpy = "==2.4.2"',
    ),
    (
        "unknown_target",
        5,
        32,
        "stream.targets[1]",
        "unknown target 'fedora-99-x86_64'",
        "valid targets: fedora-43-aarch64, fedora-43-x86_64",
    ),
    (
        "host_target",
        5,
        12,
        "stream.targets[0]",
        "'host' cannot be a recipe target",
        "--target host",
    ),
    (
        "prefix_under_usr",
        6,
        1,
        "stream.prefix",
        "prefix '/usr/lib/x' is under /usr",
        "e.g. /opt/streams/NAME",
    ),
    ("prefix_relative", 6, 1, "stream.prefix", "is relative", "an absolute path"),
    ("prefix_dotdot", 6, 1, "stream.prefix", "contains '..'", "a normalised absolute path"),
    (
        "duplicate_dist_case",
        9,
        1,
        "requires.Torch",
        "'Torch' and 'torch' (line 8) are the same distribution (torch)",
        "PEP 503 normalisation",
    ),
    (
        "duplicate_dist_separator",
        9,
        1,
        "requires.typing-extensions",
        "'typing-extensions' and 'typing_extensions' (line 8) are the same distribution",
        "keep one entry",
    ),
    (
        "targets_string",
        5,
        1,
        "stream.targets",
        "expected an array, got string 'fedora-45-x86_64'",
        'targets = ["fedora-45-x86_64"]',
    ),
    (
        "exports_integer",
        6,
        1,
        "stream.exports",
        "expected an array, got integer 3",
        'exports = ["vllm"]',
    ),
    (
        "python_target_not_listed",
        6,
        12,
        "stream.python.fedora-45-x86_64",
        "python is set for 'fedora-45-x86_64', which is not in stream.targets",
        "add 'fedora-45-x86_64' to targets",
    ),
    (
        "python_interpreter_missing",
        6,
        12,
        "stream.python.fedora-44-x86_64",
        "fedora-44-x86_64 has no Python 3.15",
        "3.14 (main), 3.13",
    ),
    (
        "python_version_float",
        6,
        12,
        "stream.python.fedora-45-x86_64",
        "expected a string, got float 3.14",
        'fedora-45-x86_64 = "3.14"',
    ),
    (
        "toml_syntax",
        8,
        10,
        "requires.cowsay",
        "TOML syntax error: Invalid value",
        "strings need quotes",
    ),
    (
        "toml_duplicate_key",
        9,
        1,
        "requires.cowsay",
        "is defined twice (first on line 8)",
        "may appear only once",
    ),
    (
        "bad_sha256",
        12,
        1,
        "packages.somedist.sha256",
        "sha256 must be 64 hexadecimal characters (got 8)",
        "sha256sum",
    ),
    (
        "url_without_sha256",
        11,
        1,
        "packages.somedist.url",
        "url without sha256",
        'add sha256 = "<64 hex digits>"',
    ),
    (
        "bundle_and_fedora",
        12,
        11,
        "policy.fedora[0]",
        "'NumPy' is in both policy.bundle (line 11) and policy.fedora",
        "remove it from one of the lists",
    ),
    (
        "unknown_prefer",
        11,
        1,
        "policy.prefer",
        "invalid value 'fedorra'",
        "did you mean 'fedora'? valid values: 'fedora' or 'bundle'",
    ),
    (
        "fedora_policy_on_alternative_python",
        12,
        11,
        "policy.fedora[0]",
        "'numpy' cannot come from Fedora on fedora-45-x86_64 (Python 3.14)",
        "remove it from policy.fedora",
    ),
    ("missing_requires", 1, 1, "requires", "missing [requires] table", "add a [requires] table"),
    ("bad_stream_name", 2, 1, "stream.name", "invalid stream name 'My_Stream'", "e.g. 'my_stream'"),
]


@pytest.mark.parametrize(
    ("name", "line", "col", "path", "message", "hint"), CASES, ids=[c[0] for c in CASES]
)
def test_broken_recipe_reports_one_precise_line(
    capsys: pytest.CaptureFixture[str],
    name: str,
    line: int,
    col: int,
    path: str,
    message: str,
    hint: str,
) -> None:
    rel = f"tests/data/recipes/broken/{name}.toml"
    code, out, err = _validate(capsys, rel)
    assert code == 2
    assert out == ""
    lines = _problem_lines(err)
    assert len(lines) == 1, err
    prefix = f"{rel}:{line}:{col}: {path}: "
    assert lines[0].startswith(prefix), f"{lines[0]!r} does not start with {prefix!r}"
    assert message in lines[0]
    m = re.search(r"\(hint: (.*)\)$", lines[0])
    assert m and hint in m.group(1), lines[0]
    assert err.splitlines()[-1] == "error: 1 problem in 1 recipe"


def test_at_least_fifteen_distinct_mistakes_are_covered() -> None:
    files = {p.stem for p in BROKEN.glob("*.toml")}
    covered = {c[0] for c in CASES} | {"collide_a", "collide_b", "many_mistakes"}
    assert files == covered
    assert len(CASES) >= 15


def test_several_mistakes_are_all_reported_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    rel = "tests/data/recipes/broken/many_mistakes.toml"
    code, _, err = _validate(capsys, rel)
    assert code == 2
    lines = _problem_lines(err)
    found = []
    for ln in lines:
        m = PROBLEM_RE.match(ln)
        assert m, f"not a FILE:LINE:COL line: {ln!r}"
        assert m["file"] == rel
        assert "(hint: " in ln
        found.append((int(m["line"]), m["rest"].split(":")[0]))
    assert found == [
        (5, "stream.licence"),
        (6, "stream.targets[1]"),
        (7, "stream.prefix"),
        (8, "stream.exports"),
        (11, "requires.torch"),
        (12, "requires.Torch"),
        (15, "policy.prefer"),
        (18, "copr.enable-net"),
    ]
    assert err.splitlines()[-1] == "error: 8 problems in 1 recipe"


def test_prefix_collision_between_two_recipes(capsys: pytest.CaptureFixture[str]) -> None:
    a = "tests/data/recipes/broken/collide_a.toml"
    b = "tests/data/recipes/broken/collide_b.toml"
    code, out, err = _validate(capsys, a, b)
    assert code == 2
    assert out.startswith(f"ok  {a}: collide-a-stream in /opt/streams/shared")
    (line,) = _problem_lines(err)
    assert line.startswith(f"{b}:6:1: stream.prefix: prefix /opt/streams/shared/inner collides")
    assert f"stream 'collide-a' ({a}:6, prefix /opt/streams/shared)" in line
    assert (
        '(hint: each stream needs its own prefix, e.g. prefix = "/opt/streams/collide-b")' in line
    )


def test_prefix_collision_with_a_shipped_recipe(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    recipe = tmp_path / "other.toml"
    recipe.write_text(
        '[stream]\nname = "other"\nsummary = "s"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\nprefix = "/opt/streams/vllm"\n\n'
        '[requires]\ncowsay = "==6.1"\n'
    )
    code, _, err = _validate(capsys, str(recipe))
    assert code == 2
    assert "collides with stream 'vllm' (recipes/vllm.toml" in err


def test_a_local_recipe_may_override_the_shipped_one_of_the_same_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "vllm.toml"
    shutil.copy(REPO / "recipes" / "vllm.toml", copy)
    code, out, _ = _validate(capsys, str(copy))
    assert code == 0
    assert "vllm-stream in /opt/streams/vllm" in out


def test_same_stream_name_twice_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "hello-again.toml"
    shutil.copy(REPO / "recipes" / "hello.toml", copy)
    code, _, err = _validate(capsys, "recipes/hello.toml", str(copy))
    assert code == 2
    assert (
        f"{copy}:6:1: stream.name: stream name 'hello' is also used by recipes/hello.toml:6" in err
    )


def test_shipped_recipes_validate_with_a_readable_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = sorted(str(p.relative_to(REPO)) for p in (REPO / "recipes").glob("*.toml"))
    assert "recipes/vllm.toml" in paths and "recipes/hello.toml" in paths
    code, out, err = _validate(capsys, *paths)
    assert code == 0, err
    assert err == ""
    assert "ok  recipes/vllm.toml: vllm-stream in /opt/streams/vllm, exports vllm" in out
    assert re.search(r"fedora-44-x86_64\s+Python 3\.14 \(main\): vllm==0\.33\.0", out)
    assert re.search(
        r"fedora-45-x86_64\s+Python 3\.14 \(python3\.14, alternative: nothing reused", out
    )


def test_plan_of_vllm(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _validate(capsys, "--plan", "vllm")
    assert code == 0
    assert "Plan of stream vllm" in out
    assert "vllm-stream-runtime" in out
    assert "/usr/bin/vllm -> /opt/streams/vllm/bin/vllm" in out
    assert "interpreter   /usr/bin/python3.14 (python3.14, Python 3.14, alternative)" in out
    assert "site-packages /opt/streams/vllm/lib/python3.14/site-packages" in out
    assert "  variant cuda: x86_64 machines with an NVIDIA GPU" in out
    assert "    always bundle torch, triton" in out  # the cuda variant's
    assert "  variant cpu: x86_64 CPUs without an accelerator" in out
    assert "    stream        vllm-cpu-stream in /opt/streams/vllm-cpu" in out
    assert "    from Fedora   torch" in out and "    licenses      fedora, binaries build" in out
    assert "next          streams lock vllm" in out


def test_json_output_carries_problems_and_plans(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(
        capsys, "--json", "vllm", "tests/data/recipes/broken/bad_specifier.toml"
    )
    assert code == 2
    assert err == ""  # --json: one document on stdout, errors included
    doc = json.loads(out)
    assert doc["ok"] is False and doc["schema_version"] == 1
    (plan,) = doc["recipes"]
    assert plan["stream"] == "vllm"
    assert [t["python"] for t in plan["targets"]] == ["3.14", "3.14"]
    assert [t["reuses_fedora"] for t in plan["targets"]] == [True, False]
    (problem,) = doc["problems"]
    assert problem["line"] == 8 and problem["path"] == "requires.torch"
    assert problem["hint"].startswith("the specifier is incomplete")


def test_unknown_recipe_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _validate(capsys, "vlm")
    assert code == 2
    assert "error: no recipe named 'vlm'" in err
    assert "did you mean 'vllm'?" in err


def test_missing_recipe_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _validate(capsys, "nowhere/none.toml")
    assert code == 2
    assert "nowhere/none.toml: recipe file does not exist" in err


# -- new ------------------------------------------------------------------------------------------


def test_new_scaffold_validates_and_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    os.chdir(tmp_path)
    assert main(["new", "demo"]) == 0
    out = capsys.readouterr().out
    assert "wrote recipes/demo.toml" in out
    text = (tmp_path / "recipes" / "demo.toml").read_text()
    assert text.count("#") > 20  # every key is explained
    recipe = load_recipe(tmp_path / "recipes" / "demo.toml")
    assert recipe.name == "demo" and recipe.stream.targets
    code, _, _ = _validate(capsys, "demo")  # found in ./recipes
    assert code == 0
    assert main(["new", "demo"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "demo", "--force"]) == 0


def test_new_from_pypi_pins_the_latest_release(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with FakeIndex() as index:
        index.add_wheel("vllm", "0.32.1")
        index.add_wheel("vllm", "0.33.0")
        index.add_wheel("vllm", "0.34.0rc1")  # pre-releases are not picked
        target = tmp_path / "vllm.toml"
        url = index.url
        code = main(["new", "vllm", "--from-pypi", "vllm", "--index-url", url, "-o", str(target)])
        out, err = capsys.readouterr()
    assert code == 0, err
    assert "requiring vllm==0.33.0" in out
    recipe = load_recipe(target)
    assert str(recipe.normalized_requires["vllm"]) == "vllm==0.33.0"
    assert recipe.index.url == url  # not PyPI, so written into [index]
    code, out, _ = _validate(capsys, str(target))
    assert code == 0
    assert "vllm==0.33.0" in out


HTTPIE_ENTRY_POINTS = """\
[console_scripts]
http = httpie.__main__:main
https = httpie.__main__:main
httpie = httpie.manager.__main__:main

[httpie.plugins.auth.v1]
basic = httpie.plugins.builtin:BasicAuthPlugin
"""


@pytest.mark.parametrize("padding", [0, 300_000])  # read whole, and over range requests
def test_new_from_pypi_exports_the_console_scripts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, padding: int
) -> None:
    with FakeIndex() as index:
        index.add_wheel("httpie", "3.2.4", entry_points=HTTPIE_ENTRY_POINTS, padding=padding)
        index.add_sdist("httpie", "3.2.4")
        index.add_wheel("httpie", "3.2.3", entry_points="[console_scripts]\nold = x:y\n")
        target = tmp_path / "httpie.toml"
        code = main(
            ["new", "httpie", "--from-pypi", "httpie", "--index-url", index.url, "-o", str(target)]
        )
        out, err = capsys.readouterr()
        sent = sum(h.sent for h in index.hits if "/files/" in h.path)
    assert code == 0, err
    assert "exporting http, httpie, https" in out
    # the plugin group is not a script; the older release's scripts are not this one's
    assert load_recipe(target).stream.exports == ("http", "httpie", "https")
    if padding:  # not downloaded whole: read by range requests
        assert sent < padding / 2


def test_new_from_pypi_without_scripts_or_wheel_exports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with FakeIndex() as index:
        index.add_wheel("libonly", "1.0")
        index.add_sdist("sdistonly", "2.0")
        for dist in ("libonly", "sdistonly"):
            target = tmp_path / f"{dist}.toml"
            code = main(
                ["new", dist, "--from-pypi", dist, "--index-url", index.url, "-o", str(target)]
            )
            assert code == 0, capsys.readouterr().err
            assert load_recipe(target).stream.exports == ()
    assert "wheel declares none" in (tmp_path / "libonly.toml").read_text()


def test_new_from_pypi_unknown_project_is_a_service_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with FakeIndex() as index:
        out = str(tmp_path / "x.toml")
        code = main(["new", "x", "--from-pypi", "nosuch", "--index-url", index.url, "-o", out])
    err = capsys.readouterr().err
    assert code in (2, 5)
    assert "nosuch" in err and "Traceback" not in err
    assert not (tmp_path / "x.toml").exists()


def test_new_rejects_a_bad_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["new", "My App", "-o", str(tmp_path / "a.toml")]) == 2
    err = capsys.readouterr().err
    assert "invalid stream name 'My App'" in err and "e.g. 'my-app'" in err


# -- schema ---------------------------------------------------------------------------------------


def test_committed_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "recipe"]) == 0
    generated = capsys.readouterr().out
    committed = (REPO / "docs" / "recipe.schema.json").read_text()
    assert committed == generated, (
        "docs/recipe.schema.json is stale; regenerate it with: "
        ".venv/bin/streams schema recipe > docs/recipe.schema.json"
    )
    schema = json.loads(generated)
    assert set(schema["properties"]) == {
        "stream",
        "requires",
        "policy",
        "packages",
        "index",
        "copr",
        "variants",
    }
    assert "abi-coupled" in schema["$defs"]["PolicySection"]["properties"]
