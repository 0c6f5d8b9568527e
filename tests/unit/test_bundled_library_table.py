"""streams/data/licenses/bundled-libraries.toml: the libraries wheels bundle, with citations."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any

import pytest
from license_expression import ExpressionError

from streams.solver.fedora_licenses import fedora_allowed
from streams.sources.licenses import spdx_licensing

REQUIRED = ("names", "component", "license", "allowed", "why", "source")
OPTIONAL = ("fedora_license",)

# Shared-library file names the wheels of the real vLLM closure (fedora-44 lock) ship that
# are not their project's own code: auditwheel's NAME-HASH.so.N, torchvision's NAME.HASH.so.N
# and NVIDIA's plain sonames.
_VLLM_VENDOR_TEXT = """
libcufile.so.0 libcufile_rdma.so.1 libcusolver.so.12 libcusolverMg.so.12 libcurand.so.10
libnvJitLink.so.13 libnvshmem_host.so.3 libcusparse.so.12 libcublas.so.13 libcublasLt.so.13
libnvblas.so.13 libcheckpoint.so libcupti.so libcupti.so.2025.1.1 libnvperf_host.so
libnvperf_target.so libpcsamplingutil.so libnvtx3interop.so.1 libcufft.so.12 libcufftw.so.12
libcudnn.so.9 libcudnn_adv.so.9 libcudnn_cnn.so.9 libcudnn_engines_precompiled.so.9
libcudnn_engines_runtime_compiled.so.9 libcudnn_engines_tensor_ir.so.9 libcudnn_ext.so.9
libcudnn_graph.so.9 libcudnn_heuristic.so.9 libcudnn_ops.so.9 libcusparseLt.so.0
libcudart.so.13 libavif-e4168294.so.16.4.2 libjpeg-944920e9.so.8.3.2
libnvjpeg-1a359ba7.so.13.0.1.86 libpng16-37856f38.so.16.58.0 libsharpyuv-ec3ccc1d.so.0.1.2
libwebp-71252730.so.7.2.0 libwebpdemux-f71da224.so.2.0.17 libnvrtc-builtins.alt.so.13.0
libnvrtc-builtins.so.13.0 libnvrtc.alt.so.13 libnvrtc.so.13 libgomp.so.1 libnvvm.so.4
libnccl.so.2 libXau-154567c4.so.6.0.0 libavcodec.so.62.28.101 libavdevice.so.62
libavfilter.so.11 libavformat.so.62 libavutil.so.60 libcuda-40d19bb1.so
libcudart-c64a25f3.so.12.3.101 libdrm-b0291a67.so.2.4.0 libswresample.so.6 libswscale.so.9
libxcb-5ddf6756.so.1.1.0 libxcb-shape-7716c890.so.0.0.0 libxcb-shm-0be6dfbf.so.0.0.0
libxcb-xfixes-6de855b8.so.0.0.0 libcudart.faf08d9a.so.13 libjpeg.185109e6.so.8
libnvjpeg.36e11081.so.13 libpng16.fdd68bd0.so.16 libsharpyuv.a0b54fe1.so.0
libwebp.14e109ad.so.7 libz.1140de3a.so.1
"""
VLLM_VENDOR_FILES = _VLLM_VENDOR_TEXT.split()

_HASH = re.compile(r"[-.][0-9a-f]{8}$")


def _stem(filename: str) -> str:
    """The soname stem as the table keys it: up to ``.so``, auditwheel's hash removed."""
    return _HASH.sub("", filename.split(".so", 1)[0])


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    node = resources.files("streams.data").joinpath("licenses", "bundled-libraries.toml")
    table = tomllib.loads(node.read_text(encoding="utf-8"))
    assert set(table) == {"library"}
    rows: list[dict[str, Any]] = table["library"]
    return rows


def test_every_row_is_complete_and_cited(rows: list[dict[str, Any]]) -> None:
    assert len(rows) >= 40
    for row in rows:
        assert set(REQUIRED) <= set(row) <= set(REQUIRED) | set(OPTIONAL), row
        assert isinstance(row["allowed"], bool), row
        assert row["names"] and all(
            isinstance(n, str) and n.startswith("lib") for n in row["names"]
        )
        for key in ("component", "why", "source"):
            assert isinstance(row[key], str) and len(row[key].strip()) > 3, (key, row)
        source = row["source"]
        assert "https://" in source or re.search(r"Fedora spec \S+\.spec at [0-9a-f]{40}", source)


def test_stems_are_unique_and_not_filenames(rows: list[dict[str, Any]]) -> None:
    stems = [n for row in rows for n in row["names"]]
    assert len(stems) == len(set(stems)), sorted(s for s in stems if stems.count(s) > 1)
    for stem in stems:
        assert ".so" not in stem and _stem(stem) == stem, stem


def test_licenses_parse_as_spdx(rows: list[dict[str, Any]]) -> None:
    licensing = spdx_licensing()
    for row in rows:
        try:
            parsed = licensing.parse(row["license"], validate=False, strict=True)
        except ExpressionError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{row['names'][0]}: {row['license']!r}: {exc}")
        unknown = [
            k for k in licensing.unknown_license_keys(parsed) if not k.startswith("LicenseRef-")
        ]
        assert not unknown, (row["names"][0], unknown)
        # ids spelled as the library renders them, so they compare exactly with Fedora's list
        words = set(re.split(r"[\s()]+", row["license"]))
        for symbol in licensing.license_symbols(parsed, decompose=True):
            assert str(symbol.key) in words, (row["license"], symbol.key)


def test_allowed_rows_use_only_ids_fedora_allows(rows: list[dict[str, Any]]) -> None:
    licensing = spdx_licensing()
    fedora = fedora_allowed()
    for row in rows:
        if not row["allowed"]:
            continue
        parsed = licensing.parse(row["license"], validate=False, strict=True)
        keys = [str(s.key) for s in licensing.license_symbols(parsed, decompose=True)]
        refused = [k for k in keys if not fedora.allows(k)]
        assert not refused, (row["names"][0], refused)


def test_non_free_rows(rows: list[dict[str, Any]]) -> None:
    by_stem = {n: row for row in rows for n in row["names"]}
    for stem in ("libcudart", "libcuda", "libcudnn", "libcublas", "libnvjpeg", "libcupti"):
        assert by_stem[stem]["allowed"] is False
        assert "LicenseRef-NVIDIA-Proprietary" in by_stem[stem]["license"]
    # FFmpeg's license is free; the patent-encumbered codecs are what Fedora forbids
    assert by_stem["libavcodec"]["license"] == "LGPL-2.1-or-later"
    assert by_stem["libavcodec"]["allowed"] is False
    assert "patent" in by_stem["libavcodec"]["why"]
    assert by_stem["libgomp"]["license"] == "GPL-3.0-or-later WITH GCC-exception-3.1"
    assert by_stem["libgomp"]["allowed"] is True
    # copied from Fedora's libjpeg-turbo.spec
    assert by_stem["libjpeg"]["license"] == "Zlib AND BSD-3-Clause AND MIT AND IJG"


def test_vllm_closure_vendor_libraries_are_covered(rows: list[dict[str, Any]]) -> None:
    stems = {n for row in rows for n in row["names"]}
    assert _stem("libcudart-c64a25f3.so.12.3.101") == _stem("libcudart.faf08d9a.so.13")
    missing = sorted({_stem(f) for f in VLLM_VENDOR_FILES} - stems)
    assert not missing
    # a project's own libraries are not in the table: their license is the project's
    assert not stems & {"libtorch", "libc10", "libtriton", "libshm", "libtorchcodec_core4"}
