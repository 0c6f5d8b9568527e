"""``streams check``: an import that needs an extra the stream did not select is skipped."""

from __future__ import annotations

from pathlib import Path

from streams.checks.model import LoadedStream, StreamRepo
from streams.checks.rpms import RpmFile, RpmInfo
from streams.checks.smoke import extra_only_reason, module_metadata

METADATA = """\
Metadata-Version: 2.1
Name: greet
Version: 2.1
Provides-Extra: server
Provides-Extra: all
Requires-Dist: colorlib>=1
Requires-Dist: uvicorn>=0.30; extra == "server" or extra == "all"
Requires-Dist: tomli; python_version < "3.11"
Requires-Dist: zope.interface; extra == 'server'
"""


def test_a_module_needing_only_an_extra_is_skipped_with_the_reason() -> None:
    why = extra_only_reason(METADATA, "uvicorn.config", "3.12.3")
    assert (
        why
        == "needs uvicorn, which greet requires only with its [all], [server] extra (not selected)"
    )
    # the import name is compared PEP 503-normalised with the distribution name
    assert extra_only_reason(METADATA, "zope_interface", "3.12.3") is not None


def test_missing_unconditional_or_unknown_requirements_are_still_failures() -> None:
    assert extra_only_reason(METADATA, "colorlib", "3.12.3") is None  # required always
    assert extra_only_reason(METADATA, "tomli", "3.10.4") is None  # required on that Python
    assert extra_only_reason(METADATA, "requests", "3.12.3") is None  # not required at all


def _file(path: str, mode: int = 0o100644) -> RpmFile:
    return RpmFile(path, mode, "", "", False)


def test_module_metadata_is_the_dist_info_of_the_package_shipping_the_module(
    tmp_path: Path,
) -> None:
    site = "/opt/streams/demo/lib/python3.12/site-packages"
    greet = RpmInfo(
        Path("greet.rpm"),
        "demo-stream-python3-greet",
        "demo-stream-python3-greet-2.1-1.noarch",
        "noarch",
        (),
        (),
        (
            _file(f"{site}/greet.py"),
            _file(f"{site}/greet_server/__init__.py"),
            _file(f"{site}/greet-2.1.dist-info/METADATA"),
        ),
    )
    other = RpmInfo(
        Path("o.rpm"), "o", "o-1-1.noarch", "noarch", (), (), (_file(f"{site}/other.py"),)
    )
    meta = tmp_path / site.lstrip("/") / "greet-2.1.dist-info" / "METADATA"
    meta.parent.mkdir(parents=True)
    meta.write_text(METADATA)
    stream = LoadedStream(
        StreamRepo("demo", tmp_path, "/opt/streams/demo"), "/opt/streams/demo", (other, greet)
    )
    assert module_metadata(stream, tmp_path, "greet_server") == ("greet-2.1.dist-info", METADATA)
    assert module_metadata(stream, tmp_path, "greet") == ("greet-2.1.dist-info", METADATA)
    assert module_metadata(stream, tmp_path, "other") is None  # ships no dist-info
