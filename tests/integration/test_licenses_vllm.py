"""The license review of the reference vLLM lock (issue 13): what cannot go to Fedora's Copr.

The lock is the committed fixture (``tests/data/specgen/vllm/vllm.lock.toml``, written by
``streams lock`` offline from the recorded index and seeds, whose wheel entries were read from
the real PyPI wheels over HTTP range requests: listings, license files, bundled libraries).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.cli import main

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
RECIPE = REPO / "recipes" / "vllm.toml"


def review(target: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    code = main(
        ["show", str(RECIPE), "--lock", str(LOCK), "--target", target, "--licenses", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["destination"] == "https://copr.fedorainfracloud.org"
    return {p["name"]: p for p in data["packages"]}


@pytest.mark.parametrize("target", ["fedora-44-x86_64", "fedora-45-x86_64"])
def test_vllm_non_free_packages_are_named_with_the_library_inside(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pkgs = review(target, capsys)
    proprietary = [
        n
        for n, p in pkgs.items()
        if (n.startswith(("nvidia-", "cuda-")) and "Proprietary" in (p["expression"] or ""))
    ]
    assert len(proprietary) >= 20, proprietary
    for name in proprietary:
        assert pkgs[name]["fedora_allowed"] is False, name
    # free declared licenses, non-free libraries inside: named in the problems
    for name, lib in (
        ("torchvision", "torchvision.libs/libcudart"),
        ("triton", "libcupti"),
        ("pynvvideocodec", "libavcodec"),
        ("pynvvideocodec", "libcuda-"),
    ):
        p = pkgs[name]
        assert p["fedora_allowed"] is False, name
        assert any(lib in why for why in p["problems"]), (name, p["problems"])
    assert "LicenseRef-NVIDIA-Proprietary" in pkgs["torchvision"]["expression"]
    # torch's License now carries its bundled libgomp (allowed: GCC runtime exception)
    assert "GPL-3.0-or-later WITH GCC-exception-3.1" in pkgs["torch"]["expression"]
    assert pkgs["torch"]["binary"] is True
    # free packages stay allowed
    assert pkgs["click"]["fedora_allowed"] is True
    # transformers' legacy "Apache 2.0 License" is read, not unknown
    assert pkgs["transformers"]["expression"] == "Apache-2.0"


def test_vllm_unknown_licenses_are_few_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    pkgs = review("fedora-44-x86_64", capsys)
    unknown = sorted(n for n, p in pkgs.items() if "LicenseRef-Unknown" in (p["expression"] or ""))
    assert len(unknown) < 10, unknown
    # each is reviewed: no package of the lock is left unreviewed
    assert all(p["expression"] for p in pkgs.values())


def test_lock_warns_with_the_count_of_unknowns() -> None:
    text = LOCK.read_text()
    assert "bundled package(s) with an unknown license (" in text
