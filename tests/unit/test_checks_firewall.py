"""The header half of the provides firewall on hand-made header data (no RPMs needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from streams.checks.firewall import header_violations
from streams.checks.model import LoadedStream, StreamRepo, find_prefix
from streams.checks.rpms import RpmFile, RpmInfo

PREFIX = "/opt/streams/demo"
FILE = stat.S_IFREG | 0o644
LINK = stat.S_IFLNK | 0o777
DIR = stat.S_IFDIR | 0o755


def _rpm(name: str, provides: tuple[str, ...] = (), files: tuple[RpmFile, ...] = ()) -> RpmInfo:
    return RpmInfo(Path(f"{name}.rpm"), name, f"{name}-1-1.x86_64", "x86_64", provides, (), files)


def _f(path: str, mode: int = FILE, linkto: str = "") -> RpmFile:
    return RpmFile(path, mode, linkto, "", False)


def _violations(*rpms: RpmInfo, exports: tuple[str, ...] | None = ("demo",)) -> list[str]:
    stream = LoadedStream(StreamRepo("demo", Path("."), PREFIX, exports), PREFIX, rpms)
    return header_violations(stream)


@pytest.mark.parametrize(
    "provide",
    [
        "python3dist(torch) = 2.5",
        "python3.14dist(torch) = 2.5",
        "python(abi) = 3.14",
        "python3-torch = 2.5-1",
        "python3.14-torch",
        "libtorch.so()(64bit)",
        "libc10.so.2()(64bit)",
        "libfoo.so.1(FOO_1.0)(64bit)",
        "libfoo.so.1",
    ],
)
def test_base_namespace_provides_are_leaks(provide: str) -> None:
    [v] = _violations(_rpm("demo-stream-python3-torch", (provide,)))
    assert v.startswith(
        f"demo-stream-python3-torch-1-1.x86_64 provides {provide}: a base namespace"
    )


@pytest.mark.parametrize(
    "provide",
    [
        "demo-stream-python3dist(torch) = 2.5",
        "demo-stream-python3-torch = 2.5-1",
        "bundled(python3dist(torch)) = 2.5",
        "bundled(libtorch.so)",
        "config(demo-stream) = 1-1",
        f"{PREFIX}/bin/python3",
    ],
)
def test_namespaced_and_bundled_provides_are_fine(provide: str) -> None:
    assert _violations(_rpm("demo-stream-python3-torch", (provide,))) == []


def test_files_outside_the_prefix() -> None:
    rpm = _rpm(
        "demo-stream",
        files=(
            _f("/opt", DIR),
            _f("/opt/streams", DIR),
            _f(PREFIX, DIR),
            _f(f"{PREFIX}/pyvenv.cfg"),
            _f("/usr/bin/demo", LINK, f"{PREFIX}/bin/demo"),
            _f("/usr/bin/other", LINK, f"{PREFIX}/bin/other"),
            _f("/usr/share/licenses/demo-stream/LICENSE"),
            _f("/usr/lib/.build-id/ab/cdef", LINK, "../../../../opt/x"),
        ),
    )
    assert _violations(rpm) == [
        f"demo-stream-1-1.x86_64 ships the symlink /usr/bin/other outside the prefix {PREFIX}",
        "demo-stream-1-1.x86_64 ships the file /usr/share/licenses/demo-stream/LICENSE outside "
        f"the prefix {PREFIX} (hint: set %_licensedir to PREFIX/share/licenses)",
        "demo-stream-1-1.x86_64 ships the symlink /usr/lib/.build-id/ab/cdef outside the prefix "
        f"{PREFIX} (hint: set %global _build_id_links none)",
    ]
    # without the recipe's export list, any /usr/bin link into the prefix is an export
    assert len(_violations(rpm, exports=None)) == 2


def test_an_export_must_point_into_the_prefix() -> None:
    rpm = _rpm("demo-stream", files=(_f("/usr/bin/demo", LINK, "/usr/bin/python3"),))
    assert _violations(rpm) == [
        "demo-stream-1-1.x86_64 exports /usr/bin/demo -> /usr/bin/python3, which is outside the "
        f"prefix {PREFIX}"
    ]


def test_prefix_is_found_from_pyvenv_cfg() -> None:
    runtime = _rpm("x-stream-runtime", files=(_f("/srv/x/pyvenv.cfg"),))
    assert find_prefix([_rpm("x-stream"), runtime]) == "/srv/x"
    assert find_prefix([_rpm("x-stream")]) is None
