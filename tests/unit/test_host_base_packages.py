"""The host base's packages from what was read on the host (pure: no host is read here)."""

from __future__ import annotations

from dataclasses import replace

from streams.solver.repos.host import (
    HostDist,
    HostFacts,
    HostLibrary,
    host_packages,
    parse_ldconfig,
)

LDCONFIG = """\
1234 libs found in cache `/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6
\tlibm.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libm.so.6
\tlibm.so.6 (libc6) => /lib/i386-linux-gnu/libm.so.6
\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6
\tlibc.so.6 (libc6) => /lib/i386-linux-gnu/libc.so.6
\tlibc.so (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libc.so
\tld-linux-x86-64.so.2 (libc6,x86-64) => /lib64/ld-linux-x86-64.so.2
"""


def test_ldconfig_keeps_the_c_runtime_of_the_hosts_abi() -> None:
    found = parse_ldconfig(LDCONFIG, want64=True)
    # libz is not part of the C runtime, libc.so (no version) is the linker script of -devel
    assert found == {
        "ld-linux-x86-64.so.2": "/lib64/ld-linux-x86-64.so.2",
        "libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
        "libm.so.6": "/lib/x86_64-linux-gnu/libm.so.6",
        "libstdc++.so.6": "/lib/x86_64-linux-gnu/libstdc++.so.6",
    }
    assert parse_ldconfig(LDCONFIG, want64=False) == {
        "libc.so.6": "/lib/i386-linux-gnu/libc.so.6",
        "libm.so.6": "/lib/i386-linux-gnu/libm.so.6",
    }


FACTS = HostFacts(
    arch="x86_64",
    python_version="3.12.4",
    abi="3.12",
    executables=("/usr/bin/python3", "/usr/bin/python3.12"),
    libc="glibc 2.39",
    libraries=(
        HostLibrary(
            "libc.so.6",
            "/lib64/libc.so.6",
            "glibc",
            ("libc.so.6()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)", "libc.so.6(GLIBC_2.39)(64bit)"),
        ),
        HostLibrary(
            "libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "libstdc++",
            (
                "libstdc++.so.6()(64bit)",
                "libstdc++.so.6(GLIBCXX_3.4.9)(64bit)",
                "libstdc++.so.6(GLIBCXX_3.4.33)(64bit)",
            ),
        ),
    ),
    files=("/bin/sh", "/usr/bin/env"),
    site=("/usr/lib/python3.12/site-packages",),
    dists=(
        HostDist(
            "Requests",
            "2.31.0",
            ("urllib3<3,>=1.21.1", "PySocks!=1.5.7,>=1.5.6; extra == 'socks'"),
            ("socks",),
        ),
        HostDist("odd", "1.0-debian1"),
    ),
)


def _by_name(facts: HostFacts) -> dict[str, tuple[str, ...]]:
    return {p.name: p.provides for p in host_packages(facts)}


def test_host_packages_provide_what_built_rpms_require() -> None:
    pkgs = {p.name: p for p in host_packages(FACTS)}
    py = pkgs["python3"]
    assert "python(abi) = 3.12" in py.provides
    assert {"/usr/bin/python3", "/usr/bin/python3.12"} <= set(py.files)
    glibc = pkgs["glibc"]
    assert glibc.version == "2.39"  # from confstr, not from the symbol versions
    assert "rtld(GNU_HASH)" in glibc.provides
    assert "libc.so.6(GLIBC_2.34)(64bit)" in glibc.provides
    # libstdc++'s version: its highest GLIBCXX_ symbol version
    assert pkgs["libstdc++"].version == "3.4.33"
    assert pkgs["host-sh"].files == ("/bin/sh",)
    assert pkgs["host-env"].files == ("/usr/bin/env",)


def test_host_distributions_are_packaged_as_fedora_would() -> None:
    pkgs = {p.name: p for p in host_packages(FACTS)}
    req = pkgs["python3-requests"]
    assert set(req.provides) == {"python3dist(requests) = 2.31", "python3.12dist(requests) = 2.31"}
    assert "python(abi) = 3.12" in req.requires
    assert any("python3.12dist(urllib3) >= 1.21.1" in r for r in req.requires)
    assert not any("pysocks" in r for r in req.requires)  # only under the socks extra
    socks = pkgs["python3-requests+socks"]
    assert "python3dist(requests[socks]) = 2.31" in socks.provides
    assert any("python3.12dist(pysocks)" in r for r in socks.requires)
    assert "python3-requests = 2.31-1" in socks.requires
    # a version that is not PEP 440 cannot be compared with a requirement: left out
    assert "python3-odd" not in pkgs


def test_no_gnu_hash_without_glibc() -> None:
    musl = replace(FACTS, libc="", libraries=())
    names = _by_name(musl)
    assert "glibc" not in names
    assert not any("rtld(GNU_HASH)" in p for provides in names.values() for p in provides)


def test_digest_follows_every_input() -> None:
    base = FACTS.digest()
    assert FACTS.digest() == base
    newer = replace(FACTS, dists=(*FACTS.dists, HostDist("six", "1.16.0")))
    assert newer.digest() != base
    assert replace(FACTS, libc="glibc 2.40").digest() != base
