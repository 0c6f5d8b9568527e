"""The report of the recorded vLLM lock in a real browser: headless Chromium (Debian's or
Fedora's ``chromium``, driven over the DevTools protocol by tools/devkit/chromium.py) loads the
page from ``file://`` with no console error, no exception and no request but the page itself;
typing in the search box filters the rows; the status filter and the closure tabs narrow the
table; clicking a package shows the why-paths that :func:`streams.lock.graph.why_paths` (the
function behind ``streams why``) gives and its neighbours; a screenshot is taken."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.lock import read_lock
from streams.lock.graph import reverse_deps, runtime_graph, why_paths
from streams.publish.report import WHY_LIMIT, render_report, select_closures
from streams.recipe import load_recipe
from tools.devkit.chromium import Chromium, Page, find_chromium

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "vllm.toml"
LOCK = ROOT / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="chromium is not installed (scripts/setup.sh installs Debian's or Fedora's)",
    ),
]

VISIBLE_ROWS = (
    "Array.from(document.querySelectorAll('table.packages:not([hidden]) tr.pkg'))"
    ".filter(r => !r.hidden).map(r => r.dataset.name)"
)
SHOWN_PATHS = (
    "Array.from(document.querySelectorAll('#detail li.why-path')).map(li =>"
    " Array.from(li.querySelectorAll('.hop-node')).map(n => n.textContent))"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    recipe = load_recipe(RECIPE)
    lock = read_lock(LOCK)
    out = tmp_path_factory.mktemp("report") / "report.html"
    out.write_text(render_report(recipe, lock, select_closures(recipe, lock)), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Page]:
    with Chromium(width=1280, height=900) as browser:
        yield browser.open(report.as_uri())


def _clear(page: Page) -> None:
    page.evaluate(
        "(() => { const s = document.getElementById('search'); s.value = '';"
        " s.dispatchEvent(new Event('input')); })()"
    )


def _python_paths(variant: str, target: str, dist: str) -> list[list[str]]:
    recipe = load_recipe(RECIPE).variant(variant)
    t = read_lock(LOCK).get_target(target, variant)
    return why_paths(runtime_graph(t), dist, list(recipe.normalized_requires), limit=WHY_LIMIT)


def test_loads_without_errors_or_requests(page: Page, report: Path) -> None:
    assert page.evaluate("document.title") == "vllm stream report"
    assert page.evaluate("document.querySelectorAll('.tab').length") == 3
    first = read_lock(LOCK).get_target("fedora-44-x86_64", "cuda")
    assert len(page.evaluate(VISIBLE_ROWS)) == len(first.package)
    assert page.errors == []
    assert page.requests == [report.as_uri()]


def test_search_filters_rows(page: Page) -> None:
    everything = page.evaluate(VISIBLE_ROWS)
    lock = read_lock(LOCK).get_target("fedora-44-x86_64", "cuda")
    assert sorted(everything) == sorted(p.name for p in lock.package)
    page.type_text("#search", "numpy")
    shown = page.evaluate(VISIBLE_ROWS)
    want = sorted(
        p.name
        for p in lock.package
        if "numpy" in f"{p.name} {p.rpm} {p.license.expression if p.license else ''}".lower()
    )
    assert shown == want and "numpy" in shown
    assert len(shown) < len(everything)
    assert page.evaluate("document.getElementById('shown').textContent") == (
        f"{len(shown)} of {len(everything)} distributions"
    )
    page.type_text("#search", "zzz-nothing")
    assert page.evaluate(VISIBLE_ROWS) == []
    assert page.evaluate("document.getElementById('empty').hidden") is False
    _clear(page)
    assert len(page.evaluate(VISIBLE_ROWS)) == len(everything)


def test_status_filter(page: Page) -> None:
    lock = read_lock(LOCK).get_target("fedora-44-x86_64", "cuda")
    page.evaluate(
        "(() => { const s = document.getElementById('f-status'); s.value = 'reused';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert page.evaluate(VISIBLE_ROWS) == sorted(p.name for p in lock.reused())
    page.evaluate(
        "(() => { const s = document.getElementById('f-status'); s.value = '';"
        " s.dispatchEvent(new Event('change')); })()"
    )


def test_selecting_a_package_shows_its_why_paths_and_neighbours(page: Page) -> None:
    _clear(page)
    page.click('table.packages:not([hidden]) tr.pkg[data-name="numpy"]')
    assert page.evaluate("document.querySelector('#detail h2 .name').textContent") == "numpy"
    shown = page.evaluate(SHOWN_PATHS)
    assert shown == _python_paths("cuda", "fedora-44-x86_64", "numpy")
    assert len(shown) > 1
    t = read_lock(LOCK).get_target("fedora-44-x86_64", "cuda")
    g = runtime_graph(t)
    nodes = page.evaluate(
        "Array.from(document.querySelectorAll('#graph g.n')).map(n => n.dataset.name)"
    )
    neighbours = {n for n, _ in reverse_deps(g, "numpy")} | set(g.successors("numpy"))
    assert sorted(nodes) == sorted(neighbours | {"numpy"})
    assert len(nodes) < len(g) / 4  # a neighbourhood, not the whole graph
    # a node of the graph selects that package
    first = sorted(neighbours)[0]
    page.click(f'#graph g.n[data-name="{first}"] rect')
    assert page.evaluate("document.querySelector('#detail h2 .name').textContent") == first
    assert page.evaluate(SHOWN_PATHS) == _python_paths("cuda", "fedora-44-x86_64", first)
    assert page.errors == []


def test_closure_tabs(page: Page) -> None:
    page.click('.tab[data-closure="2"]')
    cpu = read_lock(LOCK).get_target("fedora-44-x86_64", "cpu")
    assert sorted(page.evaluate(VISIBLE_ROWS)) == sorted(p.name for p in cpu.package)
    page.click('table.packages:not([hidden]) tr.pkg[data-name="torch"]')
    assert page.evaluate(SHOWN_PATHS) == _python_paths("cpu", "fedora-44-x86_64", "torch")
    status = page.evaluate("document.querySelector('#detail .status').textContent")
    assert status == "reused from Fedora"  # the cpu variant reuses Fedora's torch
    page.click('.tab[data-closure="0"]')
    assert page.errors == []


def test_screenshot(page: Page, tmp_path: Path) -> None:
    page.click('table.packages:not([hidden]) tr.pkg[data-name="torchvision"]')
    page.evaluate("window.scrollTo(0, 0)")
    png = page.screenshot(tmp_path / "report.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 900)
    assert 20_000 < len(png) < 400_000
    assert page.errors == []
