"""tools/adopt_survey.py over the committed sample of Fedora's specs (tests/data/adopt): every
one converts, parses with ``rpmspec -P`` (the include in ``%_sourcedir``), lists no file
outside the prefix and provides only the stream's names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools.adopt_survey import PREFIX, files_outside, select_specs, summary, survey

DATA = Path(__file__).resolve().parent.parent / "data" / "adopt"

pytestmark = pytest.mark.skipif(shutil.which("rpmspec") is None, reason="rpmspec is needed")


def test_the_sample_converts_parses_and_stays_in_the_prefix() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.spec"))}
    results = survey(texts, fedora=46, python="3.15")
    numbers = summary(results)
    failed = {r.spec: r.error or r.outside or r.foreign_provides for r in results if not r.ok}
    assert not failed, failed
    assert numbers["specs"] == numbers["all_checks"] == len(texts) >= 9
    assert numbers["c_extension"] >= 3 and numbers["bcond"] >= 2


def test_files_outside_the_prefix_are_found_after_expansion() -> None:
    expanded = (
        "%files -n survey-stream-python3-x\n"
        f"%license LICENSE\n%dir {PREFIX}/share/x\n%attr(0644,root,root) {PREFIX}/a\n"
        "%config(noreplace) /etc/x.conf\n/usr/lib/udev/rules.d/*\n"
        "%changelog\n/not/a/file\n"
    )
    assert files_outside(expanded, PREFIX) == ["/etc/x.conf", "/usr/lib/udev/rules.d/*"]


def test_the_selection_rule_takes_c_extensions_and_bconds_first() -> None:
    texts = (
        {f"python-c{i}.spec": "BuildRequires:  gcc\n" for i in range(5)}
        | {f"python-b{i}.spec": "%bcond tests 1\n" for i in range(5)}
        | {f"python-p{i}.spec": "Name: x\n" for i in range(5)}
        | {"other.spec": "BuildRequires: gcc\n"}
    )
    picked = select_specs(texts, 6)
    assert len(picked) == 6 and "other.spec" not in picked
    assert sum(n.startswith("python-c") for n in picked) == 3
    assert sum(n.startswith("python-b") for n in picked) == 3
    assert select_specs(texts, 6) == picked  # deterministic
