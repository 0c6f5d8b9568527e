"""The report page (streams/publish/report.py) of a small handmade lock: what each row says
(status, RPM, license verdict), the drift column and summary from handmade drift items, data
embedding that no lock text can break out of, and the same bytes for the same lock."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from streams.errors import UsageError
from streams.lock import Lock, LockedEdge, LockedLicense, LockedPackage, LockedTarget
from streams.publish.report import (
    Closure,
    render_report,
    report_data,
    script_json,
    select_closures,
)
from streams.recipe import Recipe, load_recipe

RECIPE = """\
[stream]
name = "demo"
summary = "a demo"
license = "MIT"
targets = ["fedora-45-x86_64"]
exports = ["demo"]

[requires]
demo = "==1.0"
"""
TARGET = "fedora-45-x86_64"
HOSTILE = "</script><!--<script>alert(1)</script> & \u2028"


def _pkg(name: str, origin: str, **kw: object) -> LockedPackage:
    rpm = f"demo-stream-python3-{name}" if origin == "bundle" else f"python3-{name}"
    data: dict[str, object] = {
        "name": name,
        "version": "1.0",
        "origin": origin,
        "rpm": rpm,
        "evr": "1.0" if origin == "bundle" else "1.0-3.fc45",
        "reason": f"{origin} for the test",
    }
    data.update(kw)
    return LockedPackage.model_validate(data)


@pytest.fixture
def recipe(tmp_path: Path) -> Recipe:
    path = tmp_path / "demo.toml"
    path.write_text(RECIPE)
    return load_recipe(path)


@pytest.fixture
def lock(recipe: Recipe) -> Lock:
    t = LockedTarget(
        name=TARGET,
        python="3.15",
        interpreter="python3",
        interpreter_main=True,
        package=(
            _pkg("demo", "bundle", license=LockedLicense(expression="MIT")),
            _pkg(
                "click",
                "bundle",
                reason=HOSTILE,
                license=LockedLicense(
                    expression="BSD-3-Clause AND LicenseRef-NVIDIA-Proprietary",
                    problems=("bundles libcudart.so (LicenseRef-NVIDIA-Proprietary)",),
                    binary=True,
                ),
            ),
            _pkg("six", "fedora"),
            _pkg("nolicense", "bundle"),
            _pkg("flit-core", "bundle", build_only=True, license=LockedLicense(expression="BSD")),
        ),
        edge=(
            LockedEdge(source="demo", target="click", requirement="click>=1"),
            LockedEdge(source="demo", target="nolicense", requirement="nolicense"),
            LockedEdge(source="click", target="six", requirement="six"),
            LockedEdge(source="demo", target="six", requirement="six>=1"),
            LockedEdge(source="click", target="flit-core", requirement="flit-core", kind="build"),
        ),
    )
    return Lock(stream="demo", recipe="demo.toml", recipe_sha256=recipe.sha256, target=(t,))


class _Page(HTMLParser):
    """Rows of the package tables (their data-* attributes and cell texts), the drift
    summary's rows and the text of every element with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self.cells: list[list[str]] = []
        self.drift_rows: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self.resources: list[str] = []
        self._in_row = False
        self._stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("link", "img", "iframe") or "src" in a:
            self.resources.append(f"{tag} {a}")
        if tag == "tr" and "pkg" in a.get("class", "").split():
            self.rows.append(a)
            self.cells.append([])
            self._in_row = True
        elif tag == "tr" and "drift-row" in a.get("class", ""):
            self.drift_rows.append(a["data-kind"])
        elif tag == "td" and self._in_row:
            self.cells[-1].append("")
        elif tag == "script":
            self.scripts.append(a)
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._in_row = False
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_row and self.cells and self.cells[-1] and "td" in self._stack:
            self.cells[-1][-1] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _embedded(html: str) -> object:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert m, "no embedded data"
    return json.loads(m.group(1))


def test_rows_show_status_rpm_and_license_verdict(recipe: Recipe, lock: Lock) -> None:
    html = render_report(recipe, lock, select_closures(recipe, lock))
    page = _parse(html)
    by_name = {r["data-name"]: (r, c) for r, c in zip(page.rows, page.cells, strict=True)}
    assert list(by_name) == ["click", "demo", "flit-core", "nolicense", "six"]
    status = {n: r["data-status"] for n, (r, _) in by_name.items()}
    assert status == {
        "click": "bundled",
        "demo": "bundled",
        "flit-core": "build-only",
        "nolicense": "bundled",
        "six": "reused",
    }
    verdict = {n: r["data-verdict"] for n, (r, _) in by_name.items()}
    assert verdict == {
        "click": "not-allowed",
        "demo": "allowed",
        "flit-core": "allowed",
        "nolicense": "not-reviewed",
        "six": "fedora-package",
    }
    click_cells = by_name["click"][1]
    assert "demo-stream-python3-click 1.0" in " ".join(click_cells[3].split())
    assert "✗ BSD-3-Clause AND LicenseRef-NVIDIA-Proprietary" in " ".join(click_cells[4].split())
    assert "python3-six 1.0-3.fc45" in " ".join(by_name["six"][1][3].split())
    # the search text is name, RPM and license, lowercased
    assert by_name["click"][0]["data-search"] == (
        "click demo-stream-python3-click bsd-3-clause and licenseref-nvidia-proprietary"
    )
    text = " ".join(" ".join(page.text).split())
    assert "1 not allowed" in text and "1 not reviewed" in text
    assert "1 reused from Fedora" in text and "3 bundled" in text and "1 build-only" in text
    assert "not checked" in text  # no drift given


def test_detail_data_is_the_why_answer_and_the_neighbours(recipe: Recipe, lock: Lock) -> None:
    data = report_data(recipe, lock, select_closures(recipe, lock))
    pkgs = {p["name"]: p for p in data["closures"][0]["packages"]}
    assert pkgs["six"]["paths"] == [["demo", "six"], ["demo", "click", "six"]]
    assert pkgs["six"]["required_by"] == [["click", "six"], ["demo", "six>=1"]]
    assert pkgs["demo"]["requires"] == [
        ["click", "click>=1"],
        ["nolicense", "nolicense"],
        ["six", "six>=1"],
    ]
    assert pkgs["demo"]["paths"] == [["demo"]]
    # a build-only bundle is in no runtime path; the page says what it is built for
    assert pkgs["flit-core"]["paths"] == []
    assert pkgs["flit-core"]["built_for"] == ["click"]
    assert pkgs["click"]["license"]["problems"] == [
        "bundles libcudart.so (LicenseRef-NVIDIA-Proprietary)"
    ]
    assert data["closures"][0]["roots"] == ["demo"]


def test_drift_column_and_summary_from_handmade_items(recipe: Recipe, lock: Lock) -> None:
    drift = {
        (TARGET, ""): [
            {
                "kind": "upstream",
                "name": "click",
                "locked": "1.0",
                "current": "1.2",
                "level": "minor",
                "detail": "click 1.2 was released upstream",
            },
            {
                "kind": "base-moved",
                "name": "six",
                "locked": "1.0-3.fc45",
                "current": "1.1-1.fc45",
                "level": "minor",
                "detail": "Fedora updated python3-six; still inside six>=1",
            },
            {
                "kind": "base-broken",
                "name": "six",
                "locked": "1.0-3.fc45",
                "current": "2.0-1.fc45",
                "level": "major",
                "detail": "Fedora's python3-six 2.0 is outside click's six<2",
            },
            {
                "kind": "yanked",
                "name": "demo",
                "locked": "1.0",
                "current": "",
                "level": "",
                "detail": "demo 1.0 was yanked: broken metadata",
            },
        ]
    }
    html = render_report(recipe, lock, select_closures(recipe, lock), drift)
    page = _parse(html)
    counts = {r["data-name"]: r["data-drift"] for r in page.rows}
    assert counts == {"click": "1", "demo": "1", "flit-core": "0", "nolicense": "0", "six": "2"}
    cells = {r["data-name"]: c for r, c in zip(page.rows, page.cells, strict=True)}
    assert " ".join(cells["six"][5].split()) == "base-broken → 2.0-1.fc45base-moved → 1.1-1.fc45"
    assert cells["demo"][5].strip() == "yanked"
    # the summary: the breaking finding first, then the kinds in their order
    assert page.drift_rows == ["base-broken", "base-moved", "yanked", "upstream"]
    text = " ".join(" ".join(page.text).split())
    assert "4 findings" in text
    assert (
        "Drift since the lock: 4 findings (1 base-broken, 1 base-moved, 1 yanked, 1 upstream): "
        "the lock no longer installs on the current base"
    ) in text
    assert '<details class="panel drift-summary" open>' in html  # breaking: shown open
    assert "Fedora's python3-six 2.0 is outside click's six<2" in text
    # drift checked and nothing found
    clean = " ".join(
        _parse(render_report(recipe, lock, select_closures(recipe, lock), {})).text
    ).split()
    assert "up to date" in " ".join(clean)


def test_unknown_drift_kind_is_refused(recipe: Recipe, lock: Lock) -> None:
    bad = {(TARGET, ""): [{"kind": "moved", "name": "six"}]}
    with pytest.raises(UsageError, match="kind 'moved'") as exc:
        render_report(recipe, lock, select_closures(recipe, lock), bad)
    assert exc.value.exit_code == 2
    assert "base-moved" in (exc.value.hint or "")


def test_lock_text_cannot_break_out_of_the_data_script(recipe: Recipe, lock: Lock) -> None:
    html = render_report(recipe, lock, select_closures(recipe, lock))
    page = _parse(html)
    # the two script elements of the template, no third one opened by the hostile reason
    assert [s.get("type", "") for s in page.scripts] == ["application/json", ""]
    assert html.count("</script>") == 2
    data = _embedded(html)
    assert data == report_data(recipe, lock, select_closures(recipe, lock))
    assert isinstance(data, dict)
    click = next(p for p in data["closures"][0]["packages"] if p["name"] == "click")
    assert click["reason"] == HOSTILE
    assert "<" not in script_json({"a": "</script>"})
    assert json.loads(script_json({"a": "</script> & <!--"})) == {"a": "</script> & <!--"}


def test_same_lock_same_bytes_and_nothing_external(recipe: Recipe, lock: Lock) -> None:
    first = render_report(recipe, lock, select_closures(recipe, lock))
    assert first == render_report(recipe, lock, select_closures(recipe, lock))
    page = _parse(first)
    assert page.resources == []  # no <link>, <img>, src=: the page loads nothing
    assert not re.search(r"\b(?:src|href)=\"(?:https?:)?//", first)
    assert "@import" not in first and "url(http" not in first


def test_select_closures_names(recipe: Recipe, lock: Lock) -> None:
    assert [c.key for c in select_closures(recipe, lock, targets=[TARGET])] == [TARGET]
    with pytest.raises(UsageError, match="no target fedora-99-x86_64") as exc:
        select_closures(recipe, lock, targets=["fedora-99-x86_64"])
    assert exc.value.hint == f"locked targets: {TARGET}"
    with pytest.raises(UsageError, match="has no variants"):
        select_closures(recipe, lock, variants=["cpu"])
    empty = lock.model_copy(update={"target": ()})
    with pytest.raises(UsageError, match="no closure to report"):
        select_closures(recipe, empty)
    assert isinstance(select_closures(recipe, lock)[0], Closure)
