"""examples/vllm/: every walkthrough command runs offline and prints what is committed.

One run of ``tools/regen_examples.py``'s generator (the offline vLLM lock plus every other
command of the walkthrough, about 40 s) is shared by the tests of this module.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGEN = ROOT / "tools" / "regen_examples.py"

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _load_regen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regen_examples", REGEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


regen = _load_regen()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if shutil.which("dot") is None:
        pytest.skip("graphviz dot is not installed")
    files: dict[str, bytes] = regen.generate(tmp_path_factory.mktemp("regen"))
    return files


def test_committed_outputs_match_what_the_commands_print(generated: dict[str, bytes]) -> None:
    problems = regen.compare(generated, regen.EXAMPLE)
    assert not problems, (
        "examples/vllm/ drifted from what the walkthrough's commands print; "
        f"run `{regen.REGEN_COMMAND}` and review the diff:\n\n" + "\n\n".join(problems)
    )


def test_drift_is_detected(generated: dict[str, bytes], tmp_path: Path) -> None:
    """A stale number in the README or an edited output is reported, naming the file."""
    copy = tmp_path / "vllm"
    shutil.copytree(regen.EXAMPLE, copy)
    readme = (copy / "README.md").read_text()
    row = next(
        line for line in readme.splitlines() if line.startswith("| cuda | `fedora-44-x86_64` |")
    )
    cells = row.split("|")
    cells[5] = " 999 "  # the "reused from Fedora" column
    (copy / "README.md").write_text(readme.replace(row, "|".join(cells)))
    why = copy / "output" / "why-torch.txt"
    why.write_text(why.read_text() + "an extra line\n")
    (copy / "output" / "stale.txt").write_text("left over\n")

    problems = regen.compare(generated, copy)
    text = "\n".join(problems)
    assert "README.md drifted" in text and "999" in text
    assert "output/why-torch.txt drifted" in text and "-an extra line" in text
    assert "output/stale.txt: committed but no longer generated" in text


def test_readme_numbers_are_the_locks(generated: dict[str, bytes]) -> None:
    """The table in the README states what the committed lock holds, target by target."""
    lock = tomllib.loads(generated["vllm.lock.toml"].decode())
    readme = generated["README.md"].decode()
    for target in lock["target"]:
        runtime = [p for p in target["package"] if not p.get("build-only", False)]
        reused = sum(p["origin"] == "fedora" for p in runtime)
        bundled = sum(p["origin"] == "bundle" for p in runtime)
        assert (
            f"| {target['variant']} | `{target['name']}` | 3.14 (`{target['interpreter']}`) "
            f"| {len(runtime)} "
            f"| {reused} | {bundled} |" in readme
        )
    f45 = next(t for t in lock["target"] if t["name"] == "fedora-45-x86_64")
    assert all(p["origin"] == "bundle" for p in f45["package"]), "nothing is reused on Fedora 45"


def test_every_readme_command_is_run() -> None:
    readme = (regen.EXAMPLE / "README.md").read_text()
    commands = regen.readme_commands(readme)
    assert len(commands) >= len(regen.ALL_CAPTURES)
    assert regen.check_readme_commands(readme) == []
    bad = readme + "\n```sh\nstreams show vllm --target fedora-43-x86_64\n```\n"
    (problem,) = regen.check_readme_commands(bad)
    assert "fedora-43-x86_64" in problem and "not run by" in problem


def test_outputs_are_machine_independent(generated: dict[str, bytes]) -> None:
    for rel, data in generated.items():
        text = data.decode(errors="replace")
        assert str(ROOT) not in text, rel
        assert "/tmp/" not in text, rel
