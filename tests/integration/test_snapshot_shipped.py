"""The snapshots shipped in ``streams/data/fedora/``: loadable by libsolv, small, and their derived
Requires match what Fedora's generator emits from the same metadata.

The expected strings below were derived by hand from each release's real METADATA on PyPI
(quoted next to them) with the rules of pythondistdeps.py (docs/reference/contracts.md §4):
PEP 503 names,
``python3.15dist()`` for F45's main Python 3.15, trailing ``.0`` stripped, ``<V`` -> ``< V~~``,
several specifiers sorted and joined with ``with``, ``!=V`` -> ``(< V or > V)``, ``foo[x]`` also
requires ``foo``, markers evaluated for Python 3.15 on x86_64 Linux, ``extra == ...`` only in the
extras package.  If a regeneration changes them, the snapshot changed: check it by hand again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import solv

from streams.solver.repos import BaseRepos, snapshot_dir, target_specs
from streams.targets import get_target
from tools.snapshots.snapshot import MISSING_FILE, SNAPSHOTS, parse_table


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "snapcache"))


@pytest.fixture(scope="module")
def f45() -> BaseRepos:
    specs = target_specs(get_target("fedora-45-x86_64"), base="snapshot")
    return BaseRepos.load(specs, arch="x86_64")


def _requires(base: BaseRepos, name: str) -> list[str]:
    (s,) = base.pool.select(name, solv.Selection.SELECTION_NAME).solvables()
    return sorted(str(d) for d in s.lookup_deparray(solv.SOLVABLE_REQUIRES))


def _provides(base: BaseRepos, name: str) -> list[str]:
    (s,) = base.pool.select(name, solv.Selection.SELECTION_NAME).solvables()
    return sorted(str(d) for d in s.lookup_deparray(solv.SOLVABLE_PROVIDES))


def test_requests_2_34_2(f45: BaseRepos) -> None:
    # Requires-Dist: charset_normalizer<4,>=2 / idna<4,>=2.5 / urllib3<3,>=1.26 /
    # certifi>=2023.5.7 / PySocks!=1.5.7,>=1.5.6; extra == "socks" /
    # chardet<8,>=3.0.2; extra == "use-chardet-on-py3"
    assert _requires(f45, "python3-requests") == [
        "(python3.15dist(charset-normalizer) < 4~~ with python3.15dist(charset-normalizer) >= 2)",
        "(python3.15dist(idna) < 4~~ with python3.15dist(idna) >= 2.5)",
        "(python3.15dist(urllib3) < 3~~ with python3.15dist(urllib3) >= 1.26)",
        "python(abi) = 3.15",
        "python3.15dist(certifi) >= 2023.5.7",
    ]
    assert _requires(f45, "python3-requests+socks") == [
        "((python3.15dist(pysocks) < 1.5.7 or python3.15dist(pysocks) > 1.5.7)"
        " with python3.15dist(pysocks) >= 1.5.6)",
        "python(abi) = 3.15",
        "python3-requests = 2.34.2-1.fc45",
    ]
    assert _provides(f45, "python3-requests") == [
        "python3-requests = 2.34.2-1.fc45",
        "python3.15dist(requests) = 2.34.2",
        "python3dist(requests) = 2.34.2",
    ]


def test_jinja2_3_1_6(f45: BaseRepos) -> None:
    # Requires-Dist: MarkupSafe>=2.0 / Babel>=2.7 ; extra == "i18n"
    assert _requires(f45, "python3-jinja2") == [
        "python(abi) = 3.15",
        "python3.15dist(markupsafe) >= 2",
    ]
    assert _requires(f45, "python3-jinja2+i18n") == [
        "python(abi) = 3.15",
        "python3-jinja2 = 3.1.6-1.fc45",
        "python3.15dist(babel) >= 2.7",
    ]


def test_fastapi_0_139_2(f45: BaseRepos) -> None:
    # Requires-Dist: starlette>=0.46.0 / pydantic>=2.9.0 / typing-extensions>=4.8.0 /
    # typing-inspection>=0.4.2 / annotated-doc>=0.0.2 / (extra == "standard":)
    # fastapi-cli[standard]>=0.0.8, fastar>=0.9.0, httpx<1.0.0,>=0.23.0, jinja2>=3.1.5,
    # python-multipart>=0.0.18, email-validator>=2.0.0, uvicorn[standard]>=0.12.0,
    # pydantic-settings>=2.0.0, pydantic-extra-types>=2.0.0
    assert _requires(f45, "python3-fastapi") == [
        "python(abi) = 3.15",
        "python3.15dist(annotated-doc) >= 0.0.2",
        "python3.15dist(pydantic) >= 2.9",
        "python3.15dist(starlette) >= 0.46",
        "python3.15dist(typing-extensions) >= 4.8",
        "python3.15dist(typing-inspection) >= 0.4.2",
    ]
    assert _requires(f45, "python3-fastapi+standard") == [
        "(python3.15dist(httpx) < 1~~ with python3.15dist(httpx) >= 0.23)",
        "python(abi) = 3.15",
        "python3-fastapi = 0.139.2-1.fc45",
        "python3.15dist(email-validator) >= 2",
        "python3.15dist(fastapi-cli) >= 0.0.8",
        "python3.15dist(fastapi-cli[standard]) >= 0.0.8",
        "python3.15dist(fastar) >= 0.9",
        "python3.15dist(jinja2) >= 3.1.5",
        "python3.15dist(pydantic-extra-types) >= 2",
        "python3.15dist(pydantic-settings) >= 2",
        "python3.15dist(python-multipart) >= 0.0.18",
        "python3.15dist(uvicorn) >= 0.12",
        "python3.15dist(uvicorn[standard]) >= 0.12",
    ]


def test_torch_2_12_0_linux_markers_apply(f45: BaseRepos) -> None:
    # Requires-Dist (excerpt): triton==3.7.0; platform_system == "Linux" /
    # setuptools<82 / nvidia-cublas<=13.1.1.3,>=13.1.0.3; platform_system == "Linux" /
    # cuda-toolkit[cudart,...,nvtx]==13.0.2; platform_system == "Linux" /
    # pyyaml; extra == "pyyaml"
    reqs = _requires(f45, "python3-torch")
    assert "python3.15dist(setuptools) < 82~~" in reqs
    assert not [r for r in reqs if "pyyaml" in r]
    assert "python3dist(torch) = 2.12" in _provides(f45, "python3-torch")
    # what PyPI's CUDA build alone adds (tools/snapshots/binary-release-requirements.toml) is
    # not required by Fedora's torch, built from source without CUDA
    assert not [r for r in reqs if "triton" in r or "nvidia" in r or "cuda" in r], reqs


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_every_shipped_snapshot_is_complete_and_small(name: str) -> None:
    path = snapshot_dir(name)
    repodata = path / "repodata"
    size = sum(p.stat().st_size for p in repodata.iterdir())
    assert size < 2 * 1024 * 1024
    assert not [p for p in repodata.iterdir() if "sqlite" in p.name]
    rows = parse_table((path.parent / f"{name}.tsv").read_text(), source=f"{name}.tsv")
    base = BaseRepos.load([*target_specs(get_target(f"fedora-{_key(name)}-x86_64"))], arch="x86_64")
    names = {s.name for s in base.pool.solvables_iter()}
    assert {r.rpm_name for r in rows} <= names
    assert "python3" in names
    missing = (path / MISSING_FILE).read_text().splitlines()[1:]
    # every listed row is a real row, and none failed for network reasons (a clean generation)
    assert {m.split("\t")[0] for m in missing} <= {r.rpm_name for r in rows}
    assert not [m for m in missing if "fetch failed" in m]


def _key(snapshot: str) -> str:
    return "rawhide" if snapshot == "rawhide" else snapshot.removeprefix("f")


def test_snapshot_path_is_inside_the_package() -> None:
    assert snapshot_dir("f45") == Path(__file__).resolve().parents[2] / "streams/data/fedora/f45"
