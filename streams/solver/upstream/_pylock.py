"""Stage 2: uv's ``pylock.toml`` (PEP 751) parsed into packages and their files."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from packaging.utils import (
    NormalizedName,
    canonicalize_name,
)
from packaging.version import InvalidVersion, Version

from streams.errors import (
    ServiceError,
    StreamsError,
)
from streams.solver.model import SourceFile

UPSTREAM_MAP = "upstream.json"
"""Name of the optional file beside a file index's project page that gives the real upstream
URL of each file the page lists (the recorded indexes under ``tests/data/index`` use it)."""


@dataclass(frozen=True, slots=True)
class PylockPackage:
    """One ``[[packages]]`` entry of uv's pylock.toml (PEP 751), as far as we use it."""

    name: NormalizedName
    version: Version
    sources: tuple[SourceFile, ...]
    marker: str | None = None


def _filename(url: str) -> str:
    return unquote(urlparse(url).path.rsplit("/", 1)[-1])


def _source(kind: str, entry: Mapping[str, Any], base: Path) -> SourceFile:
    url = entry.get("url")
    if url is None and "path" in entry:  # PEP 751: a local file, relative to the lock
        url = (base / str(entry["path"])).resolve().as_uri()
    url = str(url or "")
    hashes = entry.get("hashes") or {}
    size = entry.get("size")
    name = str(entry.get("name") or _filename(url))
    return SourceFile(
        kind="sdist" if kind == "sdist" else "wheel",
        url=url,
        sha256=str(hashes.get("sha256", "")),
        filename=name,
        size=int(size) if isinstance(size, int) else None,
    )


def parse_pylock(text: str, *, base: Path = Path()) -> list[PylockPackage]:
    """The packages of a PEP 751 lock, in file order.

    Raises StreamsError when the text is not a lock uv could have written (a uv change).
    """
    try:
        doc = tomllib.loads(text)
        out: list[PylockPackage] = []
        for pkg in doc.get("packages", []):
            sources: list[SourceFile] = []
            if "sdist" in pkg:
                sources.append(_source("sdist", pkg["sdist"], base))
            sources += [_source("wheel", w, base) for w in pkg.get("wheels", [])]
            out.append(
                PylockPackage(
                    name=canonicalize_name(pkg["name"]),
                    version=Version(pkg["version"]),
                    sources=tuple(sources),
                    marker=pkg.get("marker"),
                )
            )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, InvalidVersion) as exc:
        raise StreamsError(
            f"cannot read the pylock.toml uv wrote: {exc}",
            hint="the installed uv may write a newer lock format; report it with `uv --version`",
        ) from exc
    return out


def upstream_files(index_root: Path, name: str) -> dict[str, dict[str, Any]]:
    path = index_root / name / UPSTREAM_MAP
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(
            f"{path} is not a valid upstream map: {exc}",
            service=f"file index {index_root}",
            url=path.as_uri(),
        ) from exc
    return files


def upstream_sources(
    sources: Iterable[SourceFile], upstream: Mapping[str, Mapping[str, Any]]
) -> tuple[SourceFile, ...]:
    """Sources with local file URLs replaced by the upstream URL recorded for that file name."""
    out: list[SourceFile] = []
    for s in sources:
        real = upstream.get(s.filename)
        if real is None or not s.url.startswith("file:"):
            out.append(s)
            continue
        size = real.get("size")
        out.append(
            SourceFile(
                kind=s.kind,
                url=str(real["url"]),
                sha256=str(real.get("sha256") or s.sha256),
                filename=s.filename,
                size=int(size) if isinstance(size, int) else s.size,
            )
        )
    return tuple(out)


def with_upstream_urls(
    packages: Sequence[PylockPackage], roots: Sequence[Path | None]
) -> list[PylockPackage]:
    local = [r for r in roots if r is not None]
    if not local:
        return list(packages)
    out: list[PylockPackage] = []
    for p in packages:
        sources = p.sources
        for root in local:
            upstream = upstream_files(root, p.name)
            if upstream:
                sources = upstream_sources(sources, upstream)
                break
        out.append(PylockPackage(p.name, p.version, sources, p.marker))
    return out
