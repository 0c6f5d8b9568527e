"""``streams sbom`` on the recorded vLLM lock (tests/data/specgen/vllm, the cuda variant's
fedora-44-x86_64 closure, the default variant): the CycloneDX 1.6 document validates with the
CycloneDX library's own JSON schema validator and lists every distribution of the closure with
the purl, hashes, license and bundled libraries the lock records, and the lock's edges as its
dependency graph; the SPDX 2.3 document validates with spdx-tools' own validator; the same
lock gives the same bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from streams.cli import main
from streams.lock import LockedTarget, read_lock
from streams.lock.io import dumps

ROOT = Path(__file__).resolve().parent.parent.parent
LOCK = ROOT / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
RECIPE = ROOT / "recipes" / "vllm.toml"
TARGET = "fedora-44-x86_64"


def _sbom(capsys: pytest.CaptureFixture[str], *args: str, lock: Path = LOCK) -> str:
    code = main(["sbom", str(RECIPE), "--lock", str(lock), "--target", TARGET, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def locked() -> LockedTarget:
    return read_lock(LOCK).for_variant("cuda").get_target(TARGET)


@pytest.fixture(scope="module")
def cdx_text() -> str:
    # one run for the module (main() writes to stdout; capture it by hand)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = main(["sbom", str(RECIPE), "--lock", str(LOCK), "--target", TARGET])
    assert code == 0
    return buf.getvalue()


@pytest.fixture(scope="module")
def cdx(cdx_text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cdx_text)
    return data


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in doc["components"]}


def _props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", ())}


@pytest.mark.slow  # the library's strict validator checks every URL and IRI format: ~35 s
def test_the_vllm_sbom_validates_with_cyclonedx_own_schema(cdx_text: str) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx_text)
    assert errors is None, errors
    doc = json.loads(cdx_text)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"


def test_every_distribution_of_the_closure_is_a_component(
    cdx: dict[str, Any], locked: LockedTarget
) -> None:
    comps = _by_name(cdx)
    assert set(comps) == {p.name for p in locked.package}
    runtime = {p.name for p in locked.package if not p.build_only}
    build_only = {p.name for p in locked.package if p.build_only}
    assert {n for n, c in comps.items() if c["scope"] == "required"} == runtime
    assert len(runtime) == 199  # what the issue says the fedora-44 closure has
    # build-only bundles are there, excluded from the runtime and marked
    assert build_only and {n for n, c in comps.items() if c["scope"] == "excluded"} == build_only
    for n in build_only:
        assert _props(comps[n])["streams:build-only"] == "true"
    for p in locked.package:
        c = comps[p.name]
        assert c["version"] == p.version
        assert _props(c)["streams:rpm"] == p.rpm
        assert _props(c)["streams:origin"] == p.origin


def test_purls_of_a_reused_and_a_bundled_package(cdx: dict[str, Any], locked: LockedTarget) -> None:
    comps = _by_name(cdx)
    pkgs = locked.packages()
    reused = pkgs["aiohappyeyeballs"]
    assert reused.origin == "fedora"
    assert comps["aiohappyeyeballs"]["purl"] == (
        f"pkg:rpm/fedora/{reused.rpm}@{reused.evr}?distro=fedora-44"
    )
    # an epoch is a qualifier, not part of the version (purl spec, types/rpm)
    numpy = pkgs["numpy"]
    assert numpy.origin == "fedora" and numpy.evr.startswith("1:")
    purl = PackageURL.from_string(comps["numpy"]["purl"])
    assert (purl.type, purl.namespace, purl.name) == ("rpm", "fedora", "python3-numpy")
    assert purl.version == numpy.evr.split(":", 1)[1]
    assert purl.qualifiers == {"epoch": "1", "distro": "fedora-44"}
    torch = pkgs["torch"]
    assert torch.origin == "bundle"
    assert comps["torch"]["purl"] == f"pkg:pypi/torch@{torch.version}"
    assert _props(comps["torch"])["streams:rpm"] == "vllm-stream-python3-torch"
    assert all(c["bom-ref"] == c["purl"] for c in comps.values())


def test_hashes_and_source_urls_match_the_lock(cdx: dict[str, Any], locked: LockedTarget) -> None:
    comps = _by_name(cdx)
    for p in locked.package:
        refs = comps[p.name].get("externalReferences", [])
        got = {(r["url"], r["hashes"][0]["content"]) for r in refs if r["type"] == "distribution"}
        assert got == {(s.url, s.sha256) for s in p.sources}, p.name
    # the component's own hash is the file the stream ships: torch's wheel (source = "wheel"
    # in the recipe), click's sdist (the default)
    torch = locked.packages()["torch"]
    assert [h["content"] for h in comps["torch"]["hashes"]] == [
        s.sha256 for s in torch.sources if s.kind == "wheel"
    ][:1]
    click = locked.packages()["click"]
    assert [h["content"] for h in comps["click"]["hashes"]] == [
        s.sha256 for s in click.sources if s.kind == "sdist"
    ]
    assert "hashes" not in comps["aiohappyeyeballs"]  # reused: Fedora's RPM, no upstream file


def test_licenses_are_the_lock_review_and_fedora_specs(
    cdx: dict[str, Any], locked: LockedTarget
) -> None:
    comps = _by_name(cdx)
    for p in locked.bundled():
        want = p.license.expression if p.license else None
        got = [lic["expression"] for lic in comps[p.name].get("licenses", [])]
        assert got == ([want] if want else []), p.name
    # a reused package: the License: of Fedora's spec at the snapshot
    numpy = comps["numpy"]
    assert _props(numpy)["streams:license-from"] == "fedora-spec:numpy.spec"
    assert "BSD-3-Clause" in numpy["licenses"][0]["expression"]


def test_the_dependency_graph_is_the_locks_edges(cdx: dict[str, Any], locked: LockedTarget) -> None:
    ref = {c["name"]: c["bom-ref"] for c in cdx["components"]}
    got = {(d["ref"], to) for d in cdx["dependencies"] for to in d.get("dependsOn", ())}
    stream = cdx["metadata"]["component"]
    want = {(ref[e.source], ref[e.target]) for e in locked.edge}
    want.add((stream["bom-ref"], ref["vllm"]))  # the stream requires the application
    assert got == want
    # every component is listed, with or without dependencies
    assert {d["ref"] for d in cdx["dependencies"]} == set(ref.values()) | {stream["bom-ref"]}


def test_the_stream_is_the_metadata_component(cdx: dict[str, Any], locked: LockedTarget) -> None:
    meta = cdx["metadata"]
    assert meta["component"]["name"] == "vllm"
    assert meta["component"]["type"] == "application"
    # the Version of the runtime and metapackage specs: the application's, as an RPM version
    runtime = next((ROOT / "examples" / "vllm" / "output").rglob("vllm-stream-runtime.spec"))
    assert f"Version:        {meta['component']['version']}\n" in runtime.read_text()
    assert meta["component"]["version"] == locked.packages()["vllm"].version
    props = _props(meta["component"])
    assert props["streams:target"] == TARGET and props["streams:variant"] == "cuda"
    assert props["streams:rpm"] == "vllm-stream-runtime"
    assert meta["timestamp"] == f"{read_lock(LOCK).locked_at}T00:00:00+00:00"


def test_libraries_bundled_in_wheels_are_nested_components(
    cdx: dict[str, Any], locked: LockedTarget
) -> None:
    comps = _by_name(cdx)
    libs = {c["name"]: c for c in comps["torch"]["components"]}
    gomp = libs["GNU OpenMP runtime (GCC)"]
    assert gomp["licenses"] == [{"expression": "GPL-3.0-or-later WITH GCC-exception-3.1"}]
    assert _props(gomp)["streams:file"] == "torch/lib/libgomp.so.1"
    # one nested component per library line of each wheel's license review
    for p in locked.bundled():
        lines = [e for e in (p.license.evidence if p.license else ()) if not e.startswith("decl")]
        nested = comps[p.name].get("components", [])
        assert sorted(_props(n)["streams:file"] for n in nested) == sorted(
            e.split(": ", 1)[0] for e in lines
        ), p.name
    cublas = {_props(n)["streams:file"]: n for n in comps["nvidia-cublas"]["components"]}
    lib = cublas["nvidia/cu13/lib/libcublas.so.13"]
    assert lib["name"] == "cuBLAS"
    assert lib["licenses"] == [{"expression": "LicenseRef-NVIDIA-Proprietary"}]


def test_the_same_lock_gives_the_same_bytes_and_another_lock_another_serial(
    cdx_text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vllm.cdx.json"
    _sbom(capsys, "-o", str(out))
    assert out.read_text() == cdx_text
    # a lock one version apart: another serial number
    lock = read_lock(LOCK)
    target = lock.get_target(TARGET, "cuda")
    pkgs = [
        p.model_copy(update={"version": "0.6.9"}) if p.name == "agent-detector" else p
        for p in target.package
    ]
    other = tmp_path / "other.lock.toml"
    other.write_text(dumps(lock.with_target(target.model_copy(update={"package": tuple(pkgs)}))))
    changed = json.loads(_sbom(capsys, lock=other))
    assert changed["serialNumber"] != json.loads(cdx_text)["serialNumber"]
    assert _by_name(changed)["agent-detector"]["purl"] == "pkg:pypi/agent-detector@0.6.9"


def test_the_spdx_document_validates_with_spdx_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locked: LockedTarget
) -> None:
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    out = tmp_path / "vllm.spdx.json"
    _sbom(capsys, "--format", "spdx", "-o", str(out))
    doc = parse_file(str(out))
    assert validate_full_spdx_document(doc) == []
    data = json.loads(out.read_text())
    assert data["spdxVersion"] == "SPDX-2.3"
    pkgs = {p["SPDXID"]: p for p in data["packages"]}
    purls = {r["referenceLocator"] for p in data["packages"] for r in p.get("externalRefs", ())}
    assert len(purls) == len(locked.package)
    assert "pkg:pypi/torch@2.14.0" in purls
    torch = pkgs["SPDXRef-PyPI-torch"]
    assert torch["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": locked.packages()["torch"].sources[0].sha256}
    ]
    rel = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in data["relationships"]
    }
    ids = {
        p.name: ("SPDXRef-Fedora-" if p.origin == "fedora" else "SPDXRef-PyPI-") + p.name
        for p in locked.package
    }
    for e in locked.edge:
        if e.kind == "build":
            assert (ids[e.target], "BUILD_DEPENDENCY_OF", ids[e.source]) in rel
        else:
            assert (ids[e.source], "DEPENDS_ON", ids[e.target]) in rel
    assert any(t == "CONTAINS" and a == "SPDXRef-PyPI-torch" for a, t, _ in rel)
    # again: the same bytes
    again = tmp_path / "again.spdx.json"
    _sbom(capsys, "--format", "spdx", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_an_unknown_format_or_target_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sbom", str(RECIPE), "--lock", str(LOCK), "--format", "xml"])
    assert code == 2
    assert "cyclonedx" in capsys.readouterr().err
    code = main(["sbom", str(RECIPE), "--lock", str(LOCK), "--target", "fedora-40-x86_64"])
    err = capsys.readouterr().err
    assert code == 2 and "no target 'fedora-40-x86_64'" in err and "Traceback" not in err
