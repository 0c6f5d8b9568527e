"""Re-read the ``description`` of every entry of a seed store (``--seed DIR``), offline.

    .venv/bin/python tools/refresh_seed_descriptions.py tests/data/specgen/vllm/buildinfo \\
        --lock tests/data/specgen/vllm/vllm.lock.toml --index tests/data/index/vllm

A seed entry keeps the description it was read with; after a change to how descriptions are
made (:mod:`streams.sources.description`) only the ``description`` field changes, so this
rewrites that field alone and leaves the rest of each entry (build info, licenses, ...)
untouched.  The text is read from, in order:

1. the source file itself, when the source cache holds it (checked against the sha256 the
   lock records; :func:`streams.sources.cached_source` in offline mode, nothing is
   downloaded), through :func:`streams.sources.read_source_info`, as ``streams lock`` reads it;
2. a recorded index's PEP 658 ``FILE.metadata`` (``--index DIR/files``): the wheel's own
   ``METADATA`` (PEP 658: "the core metadata file ... exactly as it is in the distribution").

Entries whose source is in neither, or in no given lock, are left as they are and listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from packaging.metadata import parse_email

from streams.errors import StreamsError
from streams.lock import read_lock
from streams.sources import SourceFetch, cached_source, read_source_info, verified
from streams.sources.description import plain_description
from streams.sources.model import MAX_DESCRIPTION


def _from_metadata(path: Path) -> str:
    raw, _ = parse_email(path.read_bytes())
    text = str(raw.get("description") or "")
    return plain_description(
        text, str(raw.get("description_content_type") or ""), limit=MAX_DESCRIPTION
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--lock", type=Path, action="append", required=True)
    ap.add_argument("--index", type=Path, help="a recorded index (tools/record_index.py)")
    args = ap.parse_args(argv)
    where: dict[str, tuple[str, str, SourceFetch]] = {}
    for lock_file in args.lock:
        for t in read_lock(lock_file).target:
            for p in t.package:
                for s in p.sources:
                    where[s.sha256] = (p.name, p.version, SourceFetch.of(s, p.name))
    changed = same = 0
    left: list[str] = []
    for entry in sorted(args.store.glob("*.json")):
        data = json.loads(entry.read_text("utf-8"))
        sha = entry.stem
        if sha not in where:
            left.append(f"{data.get('name')} ({sha[:12]}): in no lock given")
            continue
        name, version, fetch = where[sha]
        text: str | None = None
        try:
            path = verified(lambda f: cached_source(f, offline=True), fetch)
            text = read_source_info(path, fetch.kind, name, version).description
        except StreamsError:
            meta = args.index / "files" / f"{fetch.filename}.metadata" if args.index else None
            if meta is not None and meta.is_file():
                text = _from_metadata(meta)
        if text is None:
            left.append(f"{name} {version}: {fetch.filename} is not in the cache or the index")
            continue
        if text == data.get("description"):
            same += 1
            continue
        data["description"] = text
        entry.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
        changed += 1
    print(f"{changed} descriptions rewritten, {same} unchanged, {len(left)} left as they are")
    for line in left:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
