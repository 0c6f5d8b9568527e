"""tools/make_license_list.py: Fedora's allowed licenses from the License: tags of its specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from streams.errors import RecipeError
from streams.infra.proc import run
from streams.solver.fedora_licenses import fedora_allowed, parse_license_list
from tools.make_license_list import main
from tools.snapshots.licenselist import collect, read_license_tags, render

SPECS = {
    # an expression with an exception, and a subpackage with its own License:
    "llvm-thing.spec": "Name: llvm-thing\nLicense: Apache-2.0 WITH LLVM-exception AND MIT\n"
    "%package -n libthing\nLicense:  MIT\n",
    # SPDX's deprecated id is the library's alias of the current one; tag names are
    # case-insensitive for rpm
    "old-gpl.spec": "Name: old-gpl\nlicense: GPL-2.0+ OR BSD-3-Clause\n",
    # firmware: its licenses are allowed for firmware only
    "linux-firmware.spec": "Name: linux-firmware\nLicense: LicenseRef-Fedora-Firmware AND ISC\n",
    # an unexpanded macro: rpm decides what it means
    "macro.spec": "Name: macro\n%global lic MIT\nLicense: %{lic} AND Zlib\n",
    # a legacy Callaway name: not SPDX, names nothing
    "legacy.spec": "Name: legacy\nLicense: GPLv2+ and BSD\n",
    # Callaway names written as LicenseRef-Callaway-*: left out, the SPDX rest kept
    "half.spec": "Name: half\nLicense: LicenseRef-Callaway-BSD AND Zlib\n",
    # a file under specs/ that is not a spec is not read
    "README.md": "License: WTFPL\n",
}


@pytest.fixture
def mirror(tmp_path: Path) -> tuple[Path, str]:
    work = tmp_path / "work"
    (work / "specs").mkdir(parents=True)
    for name, text in SPECS.items():
        (work / "specs" / name).write_text(text)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    run([*git, "init", "-q"])
    run([*git, "add", "specs"])
    run([*git, "commit", "-q", "-m", "specs"])
    commit = run([*git, "rev-parse", "HEAD"]).stdout.strip()
    return work / ".git", commit


def test_rows_from_a_synthetic_mirror(mirror: tuple[Path, str]) -> None:
    git_dir, commit = mirror
    found = collect(read_license_tags(git_dir, commit))
    rows = {(r.id, r.kind): (r.specs, r.example) for r in found.rows}
    assert rows == {
        ("Apache-2.0", "license"): (1, "llvm-thing.spec"),
        # counted once per spec although two of its packages say MIT
        ("MIT", "license"): (1, "llvm-thing.spec"),
        ("GPL-2.0-or-later", "license"): (1, "old-gpl.spec"),
        ("BSD-3-Clause", "license"): (1, "old-gpl.spec"),
        ("Zlib", "license"): (1, "half.spec"),
        ("LLVM-exception", "exception"): (1, "llvm-thing.spec"),
    }
    assert found.firmware == 1
    assert found.macros == 1
    assert found.invalid == 1
    assert found.callaway == 1
    # licenses first, then exceptions, each sorted by id
    assert [r.kind for r in found.rows] == ["license"] * 5 + ["exception"]
    assert [r.id for r in found.rows[:5]] == sorted(r.id for r in found.rows[:5])


def test_tool_writes_then_checks(mirror: tuple[Path, str], tmp_path: Path) -> None:
    git_dir, commit = mirror
    out = tmp_path / "allowed.tsv"
    args = ["--mirror", str(git_dir), "--commit", commit, "--output", str(out)]
    runner = CliRunner()
    result = runner.invoke(main, [*args, "--date", "2026-01-02"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert f"# commit: {commit}\n" in text
    assert "# date: 2026-01-02\n" in text
    assert "\nid\tkind\tspecs\texample\n" in text
    assert "\nLLVM-exception\texception\t1\tllvm-thing.spec\n" in text
    listed = parse_license_list(text, source=str(out))
    assert listed.commit == commit and listed.date == "2026-01-02"
    assert listed.allows("GPL-2.0-or-later") and not listed.allows("ISC")
    # another day, same data: up to date
    assert runner.invoke(main, [*args, "--date", "2027-05-06", "--check"]).exit_code == 0
    out.write_text(text.replace("Zlib\tlicense", "Zlib-x\tlicense"))
    stale = runner.invoke(main, [*args, "--check"])
    assert stale.exit_code == 1
    assert "out of date" in stale.output
    bad = runner.invoke(main, [*args, "--date", "yesterday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_render_is_deterministic(mirror: tuple[Path, str]) -> None:
    git_dir, commit = mirror
    one = render(
        collect(read_license_tags(git_dir, commit)).rows, mirror="m", commit=commit, date="d"
    )
    two = render(
        collect(read_license_tags(git_dir, commit)).rows, mirror="m", commit=commit, date="d"
    )
    assert one == two


def test_committed_list() -> None:
    listed = fedora_allowed()
    assert len(listed.commit) == 40 and listed.date
    for key in ("MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-or-later", "LGPL-2.1-or-later"):
        assert listed.allows(key), key
    assert listed.allows("Zlib") and listed.allows("IJG") and listed.allows("libpng-2.0")
    assert "GCC-exception-3.1" in listed.exceptions and listed.allows("GCC-exception-3.1")
    assert "LLVM-exception" in listed.exceptions
    assert listed.allows("LicenseRef-Fedora-Public-Domain")
    assert not any("nvidia" in key.lower() for key in listed.licenses | listed.exceptions)
    assert not listed.allows("LicenseRef-NVIDIA-Proprietary")
    # exact ids only, and no reference that says the license is unknown
    assert not listed.allows("mit")
    assert not listed.allows("LicenseRef-Unknown")
    assert not listed.allows("LicenseRef-Fedora-Firmware")
    assert not any(key.startswith("LicenseRef-Callaway-") for key in listed.licenses)
    assert 300 < len(listed.licenses) < 2000 and 20 < len(listed.exceptions) < 200


def test_bad_table_names_file_and_line() -> None:
    text = "# commit: abc\nid\tkind\tspecs\texample\nMIT\tlicence\t3\tx.spec\nZlib\tlicense\n"
    with pytest.raises(RecipeError) as info:
        parse_license_list(text, source="allowed.tsv")
    rendered = info.value.render()
    assert "allowed.tsv:3" in rendered and "one of license, exception" in rendered
    assert "allowed.tsv:4" in rendered and "2 columns, expected 4" in rendered
    assert info.value.exit_code == 2
