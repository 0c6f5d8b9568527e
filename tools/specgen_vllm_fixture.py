"""Record the vLLM fixture of the spec generator (needs network; run by hand, not in tests).

    .venv/bin/python tools/specgen_vllm_fixture.py [--out tests/data/specgen/vllm]

Writes ``vllm.lock.toml`` and ``buildinfo/SHA256.json`` (the seed store specgen reads
offline).  The lock is a stand-in for ``streams lock vllm`` while that command is being
written: the closure is a real resolution (uv, vLLM 0.33.0, CPython 3.14, manylinux_2_28
x86_64), the reuse decision is naive (fedora-44: reuse when Fedora's f44 snapshot version
meets every requirement of the closure and policy does not bundle it; fedora-45 runs on the
alternative python3.14, so everything is bundled there).  Build requirements are recorded as
the sdists declare them; build-only bundles are not resolved (``streams lock`` does that).
Wheels are read with HTTP range requests (torch's wheel is not downloaded); sdists are
downloaded and verified into the index cache.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams import http  # noqa: E402
from streams.lock import (  # noqa: E402
    Lock,
    LockedEdge,
    LockedPackage,
    LockedRepo,
    LockedSource,
    LockedTarget,
    write_lock,
)
from streams.recipe import load_recipe  # noqa: E402
from streams.solver.index import IndexClient  # noqa: E402
from streams.solver.index._ranged import RangeFile, parse_content_range  # noqa: E402
from streams.specgen.buildinfo import SourceInfoStore, read_source_info  # noqa: E402
from streams.specgen.context import choose_source, marker_environment  # noqa: E402

PY = "3.14"
ARCH = "x86_64"


def resolve() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.in"
        req.write_text("vllm==0.33.0\n")
        out = subprocess.run(
            [
                str(ROOT / ".venv/bin/uv"),
                "pip",
                "compile",
                str(req),
                "--python-version",
                PY,
                "--python-platform",
                f"{ARCH}-manylinux_2_28",
                "--no-header",
                "--no-annotate",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pins = {}
    for line in out.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[str(canonicalize_name(name))] = version
    return pins


def fedora_versions() -> dict[str, str]:
    rows = csv.DictReader(
        (ROOT / "streams/data/fedora/f44.tsv").open(encoding="utf-8"), delimiter="\t"
    )
    out: dict[str, str] = {}
    for row in rows:
        if row["extra"] or not row["rpm_name"].startswith("python3-"):
            continue
        out.setdefault(row["dist_name"], row["version"].replace("~", ""))
    return out


def wheel_info(client: IndexClient, f: object, store: SourceInfoStore) -> None:
    sha = f.sha256  # type: ignore[attr-defined]
    if store.get(sha) is not None:
        return
    url = f.url  # type: ignore[attr-defined]
    buf = io.BytesIO()
    resp = http.download(url, buf, service="PyPI", headers={"Range": "bytes=-2000000"})
    span = parse_content_range(resp.headers.get("Content-Range"))
    data = buf.getvalue()
    if resp.status == 200 or span is None or span[2] is None:
        zf = zipfile.ZipFile(io.BytesIO(data))
    else:

        def fetch(a: int, b: int) -> bytes:
            out = io.BytesIO()
            http.download(url, out, service="PyPI", headers={"Range": f"bytes={a}-{b}"})
            return out.getvalue()

        rf = RangeFile(span[2], fetch, known=(span[0], data))
        zf = zipfile.ZipFile(io.BufferedReader(rf, buffer_size=1 << 20))
    info = read_source_info(
        Path(f.filename),
        "wheel",
        f.name,
        str(f.version),
        opened=zf,  # type: ignore[attr-defined]
    )
    store.put(sha, info)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "tests/data/specgen/vllm")
    args = ap.parse_args()
    recipe_path = ROOT / "recipes/vllm.toml"
    recipe = load_recipe(recipe_path)
    pins = resolve()
    print(f"{len(pins)} distributions", file=sys.stderr)
    client = IndexClient()
    env = marker_environment(PY, ARCH)
    metas = {}
    files = {}
    for name, version in sorted(pins.items()):
        files[name] = [f for f in client.project(name).files_for(Version(version)) if not f.yanked]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for name, md in zip(
            sorted(pins),
            pool.map(lambda n: client.metadata(n, pins[n]), sorted(pins)),
            strict=True,
        ):
            metas[name] = md
    requires: dict[str, list[str]] = {}
    constraints: dict[str, list[SpecifierSet]] = {}
    for name, md in metas.items():
        reqs = []
        for text in md.requires_dist:
            r = Requirement(text)
            dep = str(canonicalize_name(r.name))
            if dep not in pins or (r.marker and not r.marker.evaluate({**env, "extra": ""})):
                continue
            r.marker = None
            reqs.append(str(r))
            constraints.setdefault(dep, []).append(r.specifier)
        requires[name] = sorted(reqs)
    fedora = fedora_versions()
    store = SourceInfoStore(root=args.out / "buildinfo")
    policy_bundle = {str(canonicalize_name(n)) for n in recipe.policy.bundle}

    def reusable(name: str) -> bool:
        v = fedora.get(name)
        if v is None or name in policy_bundle:
            return False
        try:
            ver = Version(v)
        except ValueError:
            return False
        return all(spec.contains(ver, prereleases=True) for spec in constraints.get(name, []))

    def sources(name: str) -> tuple[LockedSource, ...]:
        out = []
        for f in files[name]:
            if (
                f.kind == "sdist"
                or f.is_pure
                or any(
                    t.platform.endswith(ARCH)
                    and t.platform.startswith(("manylinux", "linux"))
                    and t.interpreter
                    in ("cp314", "py3", "cp39", "cp38", "cp310", "cp311", "cp312", "cp313")
                    for t in f.tags
                )
            ):
                out.append(
                    LockedSource(kind=f.kind, url=f.url, sha256=f.sha256 or "", filename=f.filename)
                )
        return tuple(out)

    def package(name: str, main: bool) -> LockedPackage:
        reuse = main and reusable(name)
        version = pins[name]
        if reuse:
            return LockedPackage(
                name=name,
                version=fedora[name],
                origin="fedora",
                rpm=f"python3-{name}",
                evr=fedora[name],
                repo="fedora",
                requires=tuple(requires[name]),
                reason=f"reused: Fedora's {fedora[name]} meets every requirement on {name}",
            )
        return LockedPackage(
            name=name,
            version=version,
            origin="bundle",
            rpm=f"vllm-stream-python3-{name}",
            evr=version,
            requires=tuple(requires[name]),
            sources=sources(name),
            reason="bundled: "
            + (
                "policy bundles it"
                if name in policy_bundle
                else "no Fedora package meets the closure's requirements"
                if main
                else "Fedora's python3-* are for the main Python"
            ),
        )

    targets = []
    for tname, main in (("fedora-44-x86_64", True), ("fedora-45-x86_64", False)):
        pkgs = [package(n, main) for n in sorted(pins)]
        edges = tuple(
            LockedEdge(source=n, target=str(canonicalize_name(Requirement(r).name)), requirement=r)
            for n in sorted(pins)
            for r in requires[n]
        )
        targets.append(
            LockedTarget(
                name=tname,
                python=PY,
                interpreter="python3" if main else "python3.14",
                interpreter_main=main,
                package=tuple(pkgs),
                edge=edges,
                repo=(LockedRepo(name="fedora", url=f"snapshot:{'f44' if main else 'f45'}"),),
                warnings=("recorded fixture: a stand-in for `streams lock vllm`",),
            )
        )
    # source infos for every chosen source (both targets)
    todo = {}
    for t in targets:
        for p in t.bundled():
            src, _ = choose_source(p, recipe.package_settings(p.name).source, PY, ARCH)
            todo[src.sha256] = (p, src)
    print(f"{len(todo)} sources to read", file=sys.stderr)

    def read(item: tuple[LockedPackage, LockedSource]) -> str:
        p, src = item
        f = next(f for f in files[p.name] if f.sha256 == src.sha256)
        if src.kind == "wheel":
            wheel_info(client, f, store)
        else:
            path = client.download(f)
            store.load(path, sha256=src.sha256, kind="sdist", name=p.name, version=p.version)
        return p.name

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for n in pool.map(read, todo.values()):
            print("  read", n, file=sys.stderr)
    # record sdists' build requirements in the lock, as `streams lock` does
    final = []
    for t in targets:
        pkgs = []
        for p in t.package:
            if p.origin == "bundle":
                src, _ = choose_source(p, recipe.package_settings(p.name).source, PY, ARCH)
                info = store.get(src.sha256)
                if src.kind == "sdist" and info and info.build:
                    p = p.model_copy(update={"build_requires": info.build.requires})
            pkgs.append(p)
        final.append(t.model_copy(update={"package": tuple(pkgs)}))
    lock = Lock(
        stream="vllm",
        recipe="vllm.toml",
        recipe_sha256=hashlib.sha256(recipe_path.read_bytes()).hexdigest(),
        target=tuple(final),
    )
    write_lock(args.out / "vllm.lock.toml", lock)
    print(args.out / "vllm.lock.toml")


if __name__ == "__main__":
    main()
