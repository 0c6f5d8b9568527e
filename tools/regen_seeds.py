"""Re-record a seed store of source infos (``--seed DIR``) at the current schema.

    .venv/bin/python tools/regen_seeds.py tests/data/specgen/vllm/buildinfo \\
        --lock tests/data/specgen/vllm/vllm.lock.toml [--index-url https://pypi.org/simple/]

Every entry of DIR is read again from its file: the file is found by its sha256 among the
sources of the given locks, fetched into the cache (checked against the sha256), read
(:func:`streams.sources.read_source_info`) and, for an sdist, its build backend is asked for
its build requirements (:func:`streams.sources.ask_backend`, no network while the hook
runs) with the static requirements installed from ``--index-url``.  A wheel entry of the
previous schema whose fields did not change meaning is carried over without downloading it
(wheels can be gigabytes).  Needs network access to the index and the files.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.lock import read_lock
from streams.solver.index import DistFile, IndexClient
from streams.sources import (
    BackendSettings,
    SourceFetch,
    SourceInfoStore,
    ask_backend,
    cached_source,
    read_source_info,
    verified,
)
from streams.sources.model import SCHEMA_VERSION, SourceInfo
from streams.sources.native import refine


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--lock", type=Path, action="append", required=True)
    ap.add_argument("--index-url", default="https://pypi.org/simple/")
    ap.add_argument("--python", default="3.14", help="X.Y to ask the backends on, if installed")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--again", action="store_true", help="re-read entries already current")
    ap.add_argument(
        "--wheels",
        action="store_true",
        help="re-read wheel entries over HTTP range requests (their listing, license files "
        "and bundled libraries; a few requests per wheel, not the whole file)",
    )
    ap.add_argument(
        "--license-files",
        action="store_true",
        help="read the license files of sdist entries recorded without any (downloads "
        "those sdists; everything else recorded is kept)",
    )
    args = ap.parse_args(argv)
    where: dict[str, tuple[str, str, SourceFetch]] = {}
    for lock_file in args.lock:
        for t in read_lock(lock_file).target:
            for p in t.package:
                for s in p.sources:
                    where[s.sha256] = (p.name, p.version, SourceFetch.of(s, p.name))
    store = SourceInfoStore(root=args.store)
    settings = BackendSettings(index_url=args.index_url, python=args.python)

    def one(entry: Path) -> str:
        sha = entry.stem
        data = json.loads(entry.read_text("utf-8"))
        if data.get("kind") == "wheel" and args.wheels and sha in where:
            return _reread_wheel(store, sha, where[sha])
        if data.get("kind") == "wheel":
            data["schema-version"] = SCHEMA_VERSION
            store.put(sha, SourceInfo.from_dict(data))
            return f"{sha[:12]} wheel carried over"
        if (
            data.get("kind") == "sdist"
            and args.license_files
            and not data.get("license-files")
            and sha in where
        ):
            name, version, fetch = where[sha]
            fresh = read_source_info(verified(cached_source, fetch), "sdist", name, version)
            kept = SourceInfo.from_dict(data)
            store.put(sha, replace(kept, license_files=fresh.license_files))
            return f"{name} {version}: license files {fresh.license_files}"
        unasked = data.get("kind") == "sdist" and (data.get("build") or {}).get("dynamic") is None
        if data.get("schema-version") == SCHEMA_VERSION and not args.again and not unasked:
            info = SourceInfo.from_dict(data)
            if info.build is not None:
                info = replace(info, build=refine(info.build))
            store.put(sha, info)
            return f"{sha[:12]} ({info.name}): already at schema {SCHEMA_VERSION}, refined"
        if sha not in where:
            return f"{sha[:12]} ({data.get('name')}): in no lock given, left as it is"
        name, version, fetch = where[sha]
        path = verified(cached_source, fetch)
        info = read_source_info(path, "sdist", name, version)
        if info.build is not None:
            answer = ask_backend(path, info.build, settings)
            if answer.error:
                print(f"{name} {version}: {answer.error}", file=sys.stderr)
            else:
                build = refine(
                    replace(info.build, dynamic=answer.requires, dynamic_python=answer.python)
                )
                info = replace(info, build=build)
        store.put(sha, info)
        b = info.build
        extra = f" + {', '.join(b.dynamic)}" if b and b.dynamic else ""
        native = f"native ({b.native_reason})" if b and b.native else "pure"
        return f"{name} {version}: {native}{extra}"

    entries = sorted(args.store.glob("*.json"))
    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(one, entries):
            print(line, flush=True)
    return 0


def _reread_wheel(store: SourceInfoStore, sha: str, found: tuple[str, str, SourceFetch]) -> str:
    """Read a wheel's info again over range requests (:meth:`IndexClient.read_wheel`)."""
    name, version, fetch = found
    filename = fetch.filename or fetch.url.rsplit("/", 1)[-1].split("#", 1)[0]
    file = DistFile(
        filename=filename,
        url=fetch.url,
        name=canonicalize_name(name),
        version=Version(version),
        kind="wheel",
        sha256=sha,
    )
    client = IndexClient("https://pypi.org/simple/")
    info = client.read_wheel(
        file, lambda zf: read_source_info(Path(filename), "wheel", name, version, opened=zf)
    )
    store.put(sha, info)
    libs = len(info.bundled or ())
    return f"{name} {version}: wheel re-read ({libs} shared libraries)"


if __name__ == "__main__":
    sys.exit(main())
