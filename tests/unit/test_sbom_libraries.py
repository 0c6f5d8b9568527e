"""The SBOM's bundled libraries are read back from the lock's license evidence: the lines
:func:`streams.sources.licenses.find_license` writes for a wheel give the same libraries (path,
component, license) it found, including one it could not identify."""

from __future__ import annotations

from streams.publish.sbom import Library, libraries_from_evidence
from streams.sources.licenses import find_license
from streams.sources.model import SourceInfo


def test_the_evidence_of_a_wheel_gives_back_its_libraries() -> None:
    info = SourceInfo(
        kind="wheel",
        name="gpukit",
        version="1.0",
        license_expression="MIT",
        pure=False,
        bundled=(
            ("gpukit/lib/libcublas.so.13", "libcublas.so.13"),
            ("gpukit/lib/libgomp.so.1", "libgomp.so.1"),
            ("gpukit.libs/libmystery-1a2b3c4d.so.2", "libmystery.so.2"),
            ("gpukit/_kernels.cpython-314-x86_64-linux-gnu.so", ""),  # its own code
        ),
    )
    found = find_license("gpukit", info, None)
    libs = libraries_from_evidence(found.evidence)
    want = sorted(
        (
            Library(lib.path, lib.facts.component, lib.facts.license, lib.facts.source)
            if lib.facts
            else Library(lib.path, lib.path.rsplit("/", 1)[-1])
            for lib in found.libraries
        ),
        key=lambda lib: lib.path,
    )
    assert libs == tuple(want)
    assert [lib.path for lib in libs] == [
        "gpukit.libs/libmystery-1a2b3c4d.so.2",
        "gpukit/lib/libcublas.so.13",
        "gpukit/lib/libgomp.so.1",
    ]
    by_path = {lib.path: lib for lib in libs}
    assert by_path["gpukit/lib/libcublas.so.13"].name == "cuBLAS"
    assert by_path["gpukit/lib/libgomp.so.1"].license == "GPL-3.0-or-later WITH GCC-exception-3.1"
    assert by_path["gpukit.libs/libmystery-1a2b3c4d.so.2"].license == ""  # unidentified


def test_a_line_whose_table_row_changed_since_the_lock_is_read_as_written() -> None:
    line = "pkg/lib/libfoo.so.1: Foo (the foo library), BSD-3-Clause (https://foo.example/)"
    assert libraries_from_evidence(["declared MIT: from the License field", line]) == (
        Library(
            "pkg/lib/libfoo.so.1", "Foo (the foo library)", "BSD-3-Clause", "https://foo.example/"
        ),
    )
