#!/usr/bin/env python3
"""Record a real package index, trimmed to one closure, as a local file index for offline tests.

    python tools/record_index.py vllm==0.33.0 --python 3.14 --python 3.15 \\
        --out tests/data/index/vllm

For every ``--python`` x ``--arch`` it resolves the requirements against the real index with uv
(exactly as :func:`streams.solver.upstream.resolve` does), takes the union of the pinned
versions, and writes:

* ``simple/NAME/index.html``: a PEP 503 page listing every file of the pinned versions with its
  real sha256 and ``Requires-Python``; hrefs are relative (``../../files/FILE``) so that nothing
  is fetched from the internet when the index is read;
* ``simple/NAME/upstream.json``: the real URL, sha256 and size of every listed file (what the
  lock records; read by ``streams.solver.upstream``);
* ``files/WHEEL.metadata``: the wheel's real ``METADATA`` (PEP 658), for each wheel a target
  of the recording can install (advertised with ``data-core-metadata``);
* ``files/WHEEL``: a metadata-only stand-in of that wheel (a zip with only its ``.dist-info``),
  because uv reads metadata out of the wheel itself on ``file://`` indexes instead of using PEP
  658 files (uv 0.13).  Its sha256 is not the real one; the page keeps the real one.
* ``recorded.json``: what was asked, uv's version, and each run's pins (or uv's error).

With ``--real-files`` the index keeps, of each pinned version, only its sdist and the wheel each
recorded Python and architecture would install; the sdists, and the wheels of what the build
requirement runs pin, are the real files (downloaded and checked against the index's sha256),
so that packages can be built and build environments installed from it: what an end-to-end
test that builds an application offline needs.  Other wheels stay metadata-only stand-ins.

Then it replays every run with ``--offline`` and an empty uv cache against the written index
and fails unless the pins (or the error) are the same.  Output is deterministic: sorted, no
timestamps, fixed zip dates.  See ``tests/data/index/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename
from packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.errors import ServiceError, StreamsError
from streams.infra import http
from streams.infra.proc import run
from streams.solver.index import (
    DEFAULT_INDEX_URL,
    DistFile,
    IndexClient,
    read_wheel_metadata,
)
from streams.solver.index._ranged import RangeFile, parse_content_range
from streams.solver.upstream import GLIBC_PLATFORM, find_uv, parse_pylock, uv_compile
from streams.sources import target_tags as lock_tags

SCHEMA_VERSION = 1
TAIL = 64 * 1024
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MISSING_FILE = re.compile(r"failed to open file `[^`]*/files/([^`/]+\.whl)`")


def target_tags(python: str, arch: str) -> frozenset[Tag]:
    """Tags of CPython ``python`` on a glibc Linux as new as uv's newest manylinux tag."""
    major, minor = (int(x) for x in python.split(".")[:2])
    newest = int(GLIBC_PLATFORM.rsplit("_", 1)[1])
    platforms = [f"manylinux_2_{m}_{arch}" for m in range(newest, 4, -1)]
    # the legacy aliases (PEP 600): manylinux2014 = 2_17, manylinux2010 = 2_12, manylinux1 = 2_5
    platforms += [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        platforms += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    abi = f"cp{major}{minor}"
    tags = set(cpython_tags((major, minor), abis=[abi], platforms=platforms))
    tags |= set(compatible_tags((major, minor), interpreter=abi, platforms=platforms))
    return frozenset(tags)


def wheel_metadata(file: DistFile) -> bytes:
    """The wheel's METADATA bytes: its PEP 658 file when the index has one, else read out of
    the remote wheel with range requests (tail, then what zipfile asks for)."""
    if file.core_metadata:
        return http.get(file.metadata_url, service="index").content
    buf = io.BytesIO()
    resp = http.download(file.url, buf, service="index", headers={"Range": f"bytes=-{TAIL}"})
    span = parse_content_range(resp.headers.get("Content-Range"))
    data = buf.getvalue()
    if resp.status == 200 or span is None or span[2] is None:
        return read_wheel_metadata(io.BytesIO(data), file.name)

    def fetch(first: int, last: int) -> bytes:
        part = io.BytesIO()
        http.download(file.url, part, service="index", headers={"Range": f"bytes={first}-{last}"})
        return part.getvalue()

    rf = RangeFile(span[2], fetch, known=(span[0], data))
    return read_wheel_metadata(io.BufferedReader(rf), file.name, prefetch=rf.ensure)


def stub_wheel(filename: str, metadata: bytes) -> bytes:
    """A zip holding only the wheel's ``.dist-info`` (METADATA, WHEEL, RECORD), reproducibly."""
    tags = parse_wheel_filename(filename)[3]
    stem = filename.split("-")[0] + "-" + filename.split("-")[1]
    dist_info = f"{stem}.dist-info"
    wheel = "Wheel-Version: 1.0\nGenerator: streams record_index (metadata only)\n"
    wheel += "Root-Is-Purelib: false\n" + "".join(f"Tag: {t}\n" for t in sorted(map(str, tags)))
    members = {
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": wheel.encode(),
        f"{dist_info}/RECORD": b"",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in members.items():
            info = zipfile.ZipInfo(path, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def page_html(name: str, files: Iterable[DistFile], metadata_sha: dict[str, str]) -> str:
    rows = []
    for f in sorted(files, key=lambda f: f.filename):
        href = f"../../files/{f.filename}" + (f"#sha256={f.sha256}" if f.sha256 else "")
        attrs = [f'href="{html.escape(href)}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{html.escape(f.requires_python)}"')
        if f.yanked:
            attrs.append(f'data-yanked="{html.escape(f.yanked_reason or "")}"')
        if f.filename in metadata_sha:
            attrs.append(f'data-core-metadata="sha256={metadata_sha[f.filename]}"')
        rows.append(f"    <a {' '.join(attrs)}>{html.escape(f.filename)}</a><br/>\n")
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.1">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n{''.join(rows)}  </body>\n</html>\n"
    )


def real_choice(
    files: list[DistFile], versions: Iterable[Version], pythons: list[str], arches: list[str]
) -> list[DistFile]:
    """Of each version: its sdist and, per Python and architecture, the wheel the lock would
    take (the first in :func:`streams.sources.target_tags` order, as ``choose_source``)."""
    chosen: dict[str, DistFile] = {}
    for version in versions:
        mine = [f for f in files if f.version == version and not f.yanked]
        for f in mine:
            if f.kind == "sdist":
                chosen[f.filename] = f
        for py in pythons:
            for arch in arches:
                rank = {t: i for i, t in enumerate(lock_tags(py, arch))}
                wheels = [f for f in mine if f.kind == "wheel" and f.tags & rank.keys()]
                if wheels:
                    best = min(wheels, key=lambda f: min(rank[t] for t in f.tags & rank.keys()))
                    chosen[best.filename] = best
    return sorted(chosen.values(), key=lambda f: f.filename)


def download_real(file: DistFile) -> bytes:
    """The file itself, refused unless it has the sha256 the index lists."""
    buf = io.BytesIO()
    http.download(file.url, buf, service="index")
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if file.sha256 and digest != file.sha256:
        raise ServiceError(f"{file.filename}: downloaded sha256 {digest}, index says {file.sha256}")
    return data


def write_index(
    out: Path,
    listed: dict[str, list[DistFile]],
    md: dict[str, bytes],
    record: dict[str, Any],
    real: dict[str, bytes] | None = None,
) -> None:
    """(Re)write the whole index under ``out`` (``simple/``, ``files/``, ``recorded.json``);
    ``real``: files stored as they are (filename -> content) instead of stand-ins."""
    real = real or {}
    for sub in ("simple", "files"):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / "files").mkdir(parents=True)
    md_sha: dict[str, str] = {}
    for filename, data in sorted(md.items()):
        (out / "files" / f"{filename}.metadata").write_bytes(data)
        if filename not in real:
            (out / "files" / filename).write_bytes(stub_wheel(filename, data))
        md_sha[filename] = hashlib.sha256(data).hexdigest()
    for filename, data in sorted(real.items()):
        (out / "files" / filename).write_bytes(data)
    root_rows = []
    for name in sorted(listed):
        folder = out / "simple" / name
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(page_html(name, listed[name], md_sha), "utf-8")
        upstream = {
            f.filename: {"url": f.url, "sha256": f.sha256, "size": f.size}
            for f in sorted(listed[name], key=lambda f: f.filename)
        }
        (folder / "upstream.json").write_text(
            json.dumps({"schema_version": SCHEMA_VERSION, "files": upstream}, indent=1) + "\n",
            "utf-8",
        )
        root_rows.append(f'    <a href="{name}/">{name}</a><br/>\n')
    (out / "simple" / "index.html").write_text(
        "<!DOCTYPE html>\n<html>\n  <body>\n" + "".join(root_rows) + "  </body>\n</html>\n",
        "utf-8",
    )
    (out / "recorded.json").write_text(json.dumps(record, indent=1) + "\n", "utf-8")


def build_requirements(seeds: Path) -> list[list[Requirement]]:
    """Per distribution named in the recorded build infos, its relaxation levels."""
    from packaging.utils import canonicalize_name

    from streams.lock.build_section import relaxation_levels

    by_name: dict[str, list[Requirement]] = {}
    for path in sorted(seeds.glob("*.json")):
        build = json.loads(path.read_text("utf-8")).get("build") or {}
        # static [build-system] requires and what the backend's hook asked beyond them
        for text in dict.fromkeys([*build.get("requires", ()), *(build.get("dynamic") or ())]):
            req = Requirement(text)
            # as the lock does: a requirement of an extra nobody asks for is not wanted
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            by_name.setdefault(canonicalize_name(req.name), []).append(req)
    return [relaxation_levels(name, reqs) for name, reqs in sorted(by_name.items())]


def fedora_versions(
    snapshots: list[str], pinned: dict[str, set[Version]]
) -> dict[str, set[Version]]:
    """Versions the given embedded snapshots ship of the pinned distributions, pins excluded."""
    from importlib import resources

    from tools.snapshots.snapshot import parse_table, pep440_version

    out: dict[str, set[Version]] = {}
    for snap in snapshots:
        table = resources.files("streams.data").joinpath("fedora", f"{snap}.tsv")
        for row in parse_table(table.read_text("utf-8"), source=f"{snap}.tsv"):
            if row.extra or row.dist_name not in pinned:
                continue
            v = pep440_version(row.version)
            if v is not None and v not in pinned[row.dist_name]:
                out.setdefault(row.dist_name, set()).add(v)
    return out


def compile_run(
    reqs: list[Requirement],
    python: str,
    arch: str,
    index: str,
    offline: bool,
    cache: Path,
    *,
    constraints: Sequence[Requirement] = (),
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """One ``uv pip compile``; ``constraints`` and ``exclude`` are what a recipe variant adds
    (uv --constraint and --override, as streams.solver.upstream passes them)."""
    with tempfile.TemporaryDirectory() as tmp:
        code, text, err = uv_compile(
            reqs,
            python=python,
            arch=arch,
            index_url=index,
            constraints=constraints,
            exclude=exclude,
            offline=offline,
            uv_cache=cache,
            workdir=Path(tmp),
        )
    if code != 0:
        lines = [ln.rstrip() for ln in err.strip().splitlines() if not ln.startswith("warning")]
        return {"python": python, "arch": arch, "error": "\n".join(lines)}
    pins = {str(p.name): str(p.version) for p in parse_pylock(text)}
    return {"python": python, "arch": arch, "pins": dict(sorted(pins.items()))}


def same_outcome(online: dict[str, Any], offline: dict[str, Any]) -> bool:
    """Same pins, or the same failure.  Failures are compared by uv's ``hint:`` lines when it
    gives some: its derivation mentions other versions of a project ("vllm>=0.33.0 depends
    on ..." online, "all versions of vllm depend on ..." when the page lists one version)."""
    if "pins" in online or "pins" in offline:
        return online.get("pins") == offline.get("pins")

    def hints(r: dict[str, Any]) -> list[str]:
        lines = str(r.get("error", "")).splitlines()
        return [ln.strip() for ln in lines if ln.strip().startswith("hint:")]

    a, b = hints(online), hints(offline)
    return a == b if a or b else online.get("error") == offline.get("error")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("requirements", nargs="+", help="PEP 508 requirements, e.g. vllm==0.33.0")
    ap.add_argument("--python", action="append", help="Python X.Y (repeatable; default 3.14)")
    ap.add_argument("--arch", action="append", help="x86_64 or aarch64 (repeatable)")
    ap.add_argument("--out", type=Path, required=True, help="the index directory to (re)write")
    ap.add_argument("--index-url", default=DEFAULT_INDEX_URL)
    ap.add_argument(
        "--constraint",
        action="append",
        default=[],
        help="a version constraint that adds no requirement (uv --constraint; repeatable)",
    )
    ap.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="a distribution dropped wherever it is required (a recipe variant's exclude)",
    )
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument(
        "--fedora-snapshot",
        action="append",
        default=[],
        metavar="SNAPSHOT",
        help="also record the versions this embedded Fedora snapshot (f44, f45, ...) ships of\n"
        "every pinned distribution, so a lock that reuses them can record their requirements\n"
        "(repeatable)",
    )
    ap.add_argument(
        "--build-requirements-from",
        type=Path,
        default=None,
        metavar="SEEDDIR",
        help="also record what the build requirements in this directory of recorded source\n"
        "infos (streams.sources) resolve to, each on its own, so an offline lock\n"
        "can resolve its build-only bundles",
    )
    ap.add_argument(
        "--real-files",
        action="store_true",
        help="keep only each pinned version's sdist and the wheels the recorded targets\n"
        "install, as the real files (for tests that build and install from the index)",
    )
    args = ap.parse_args(argv)
    reqs = [Requirement(r) for r in args.requirements]
    variant = {
        "constraints": [Requirement(c) for c in args.constraint],
        "exclude": sorted(args.exclude),
    }
    pythons = args.python or ["3.14"]
    arches = args.arch or ["x86_64"]
    out: Path = args.out.resolve()

    with tempfile.TemporaryDirectory(prefix="record-index-") as scratch:
        online_cache = Path(scratch) / "uv-online"
        runs: list[dict[str, Any]] = []
        for py in pythons:
            for arch in arches:
                print(f"resolving for Python {py} on {arch} against {args.index_url}")
                runs.append(
                    compile_run(reqs, py, arch, args.index_url, False, online_cache, **variant)
                )
                r = runs[-1]
                print(f"  {len(r['pins'])} pins" if "pins" in r else f"  fails: {r['error']}")
        if args.build_requirements_from is not None:
            # every relaxation level the lock step may try (streams.lock.build_section), each on its
            # own, on the first Python only (build tools do not depend on it)
            for levels in build_requirements(args.build_requirements_from):
                for breq in dict.fromkeys(str(r) for r in levels):
                    for arch in arches:
                        run_ = compile_run(
                            [Requirement(breq)],
                            pythons[0],
                            arch,
                            args.index_url,
                            False,
                            online_cache,
                            **variant,
                        )
                        run_["requirements"] = [breq]
                        if "pins" in run_:
                            runs.append(run_)
            print(f"  plus {len(runs)} runs with build requirements")
        wanted: dict[str, set[Version]] = {}
        # what build environments install (real wheels needed); the runtime closure is built
        # from sdists, so its wheels only need to be readable by uv (stand-ins)
        installed: dict[str, set[Version]] = {}
        for r in runs:
            for name, version in r.get("pins", {}).items():
                wanted.setdefault(name, set()).add(Version(version))
                if "requirements" in r:
                    installed.setdefault(name, set()).add(Version(version))
        if not wanted:
            print("nothing resolved; nothing to record", file=sys.stderr)
            return 1
        # Fedora's versions of the pinned distributions: not for uv (which resolves to the same
        # pins with them listed; the replay below checks that), but for the lock, which
        # records the requirements of the version a reused package really imports.
        fedora_extra = fedora_versions(args.fedora_snapshot, wanted)
        for name, versions in fedora_extra.items():
            wanted[name] |= versions
        print(
            f"plus {sum(map(len, fedora_extra.values()))} Fedora versions from "
            f"{', '.join(args.fedora_snapshot) or 'no snapshot'}"
        )
        all_tags = frozenset().union(*(target_tags(p, a) for p in pythons for a in arches))

        client = IndexClient(args.index_url, workers=args.workers)
        with ThreadPoolExecutor(args.workers) as pool:
            projects = dict(
                zip(sorted(wanted), pool.map(client.project, sorted(wanted)), strict=True)
            )
        listed: dict[str, list[DistFile]] = {}
        need_md: list[DistFile] = []
        real_files: list[DistFile] = []
        for name, project in projects.items():
            listed[name] = [f for f in project.files if f.version in wanted[name]]
            if args.real_files:
                pinned = wanted[name] - fedora_extra.get(name, set())
                keep = real_choice(listed[name], sorted(pinned), pythons, arches)
                real_files += [
                    f for f in keep if f.kind == "sdist" or f.version in installed.get(name, set())
                ]
                listed[name] = keep + [
                    f for f in listed[name] if f.version in fedora_extra.get(name, set())
                ]
            for f in listed[name]:
                if f.kind == "wheel" and not f.yanked and (f.tags & all_tags):
                    need_md.append(f)
            for version in fedora_extra.get(name, ()):
                # one metadata file per Fedora version is enough for the lock; a version
                # with no wheel for the targets falls back to its first wheel
                wheels = sorted(
                    (f for f in listed[name] if f.kind == "wheel" and f.version == version),
                    key=lambda f: (not (f.tags & all_tags), f.filename),
                )
                if wheels:
                    need_md.append(wheels[0])
            for py in pythons:
                for arch in arches:
                    tags = target_tags(py, arch)
                    for version in wanted[name]:
                        wheels = sorted(
                            (f for f in listed[name] if f.kind == "wheel" and f.version == version),
                            key=lambda f: f.filename,
                        )
                        if wheels and not any(f.tags & tags for f in wheels):
                            # uv then reads the first wheel the page lists (seen with uv 0.13;
                            # the replay below catches any other choice)
                            need_md.append(wheels[0])
        need_md = sorted(set(need_md), key=lambda f: f.filename)
        print(f"{len(projects)} projects, reading METADATA of {len(need_md)} wheels")
        with ThreadPoolExecutor(args.workers) as pool:
            md = dict(
                zip((f.filename for f in need_md), pool.map(wheel_metadata, need_md), strict=True)
            )

        real: dict[str, bytes] = {}
        if real_files:
            print(f"downloading {len(real_files)} real files")
            with ThreadPoolExecutor(args.workers) as pool:
                real = dict(
                    zip(
                        (f.filename for f in real_files),
                        pool.map(download_real, real_files),
                        strict=True,
                    )
                )
        by_filename = {f.filename: f for files in listed.values() for f in files}
        uv_version = run([find_uv(), "--version"]).stdout.split()[1]
        record = {
            "schema_version": SCHEMA_VERSION,
            "requirements": [str(r) for r in reqs],
            "recorded_from": args.index_url,
            "uv": uv_version,
            "platform": GLIBC_PLATFORM,
            "runs": runs,
        }
        for attempt in range(1, 51):
            write_index(out, listed, md, record, real)
            print(f"replay {attempt}: offline against the recorded index, empty uv cache")
            missing: set[str] = set()
            mismatches = []
            for r in runs:
                replay = compile_run(
                    [Requirement(t) for t in r["requirements"]] if "requirements" in r else reqs,
                    str(r["python"]),
                    str(r["arch"]),
                    (out / "simple").as_uri(),
                    True,
                    Path(scratch) / f"uv-replay-{attempt}-{r['python']}-{r['arch']}",
                    **variant,
                )
                if same_outcome(r, replay):
                    continue
                # uv reads some wheel's metadata even when none fits the target (it only needs
                # the metadata to explain the failure); record the wheel it asked for
                found = MISSING_FILE.search(str(replay.get("error", "")))
                if found and found.group(1) in by_filename:
                    missing.add(found.group(1))
                else:
                    mismatches.append((r, replay))
            if mismatches or not missing:
                break
            todo = [by_filename[name] for name in sorted(missing)]
            print(f"  uv also reads {', '.join(sorted(missing))}")
            with ThreadPoolExecutor(args.workers) as pool:
                md.update(
                    zip((f.filename for f in todo), pool.map(wheel_metadata, todo), strict=True)
                )
        for r, replay in mismatches:
            print(f"MISMATCH for Python {r['python']} {r['arch']}:")
            print(f"  online:  {r}\n  offline: {replay}")
        ok = not mismatches and not missing
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"wrote {out} ({size / 2**20:.1f} MiB); replay {'matches' if ok else 'DIFFERS'}")
        return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (StreamsError, ServiceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 1))
