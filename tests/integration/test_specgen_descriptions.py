"""%description of every generated spec, as rpm expands it, fits rpmlint's line limit even for
the longest stream name (64 characters) and prefix (79) a recipe may have.

rpmlint (Fedora's configuration: MaxLineLength 80) reports description-line-too-long as an
error; its check reads the expanded %description, so the test asks rpmspec for it.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.lock import lock_path, read_lock
from streams.recipe import load_recipe
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan
from tools.devkit.specgen_sources import DEMO, demo_fetch

pytestmark = pytest.mark.skipif(shutil.which("rpmspec") is None, reason="rpmspec not installed")

NAME = "greeter-" + "x" * 56  # 64 characters: the longest valid stream name
PREFIX = "/opt/streams/" + "p" * 66  # 79 characters: the longest valid prefix


@pytest.mark.parametrize(("name", "prefix"), [("greeter", "/opt/streams/greeter"), (NAME, PREFIX)])
def test_expanded_descriptions_fit_79_columns(name: str, prefix: str, tmp_path: Path) -> None:
    assert len(NAME) == 64 and len(PREFIX) == 79
    recipe = load_recipe(DEMO / "demo.toml")
    settings = dataclasses.replace(StreamSettings.from_recipe(recipe), name=name, prefix=prefix)
    target = read_lock(lock_path(DEMO / "demo.toml")).get_target("fedora-44-x86_64")
    plan = plan_target(
        settings,
        target,
        SourceInfoStore(root=tmp_path / "store"),
        arch="x86_64",
        interpreter="/usr/bin/python3.14",
        fetch=demo_fetch,
    )
    specs = render_plan(plan)
    assert len(specs) >= 4
    for spec in specs:
        path = tmp_path / spec.filename
        path.write_text(spec.text)
        res = subprocess.run(
            ["rpmspec", "-q", "--srpm", "--qf", "%{description}", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        lines = res.stdout.splitlines()
        too_long = [line for line in lines if len(line) > 79]
        assert not too_long, f"{spec.filename}: {too_long}"
        # the prefix is named, whole, on a line of its own
        assert prefix in lines, f"{spec.filename}:\n{res.stdout}"
