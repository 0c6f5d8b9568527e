"""The lock file on disk: deterministic TOML, atomic writes, validated reads.

The same lock gives byte-identical output: every collection is sorted and nothing
time-dependent is written.  Writes are atomic (a crash never leaves half a lock).  A file that
is not a lock of this schema version is refused with a message that names it and says how to
regenerate it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from pydantic import ValidationError

from streams.errors import LockError, UsageError
from streams.infra.fsutil import atomic_write_text
from streams.lock.model import SCHEMA_VERSION, Lock

if TYPE_CHECKING:
    from streams.recipe import Recipe


def _normalised(lock: Lock) -> dict[str, Any]:
    """The lock as plain data with every collection in a canonical order."""
    data = lock.model_dump(by_alias=True, mode="json")
    for t in data["target"]:
        t["system"] = sorted(t["system"])
        t["repo"] = sorted(t["repo"], key=lambda r: r["name"])
        t["package"] = sorted(t["package"], key=lambda p: p["name"])
        for p in t["package"]:
            p["requires"] = sorted(p["requires"])
            p["extras"] = sorted(p["extras"])
            p["build-requires"] = sorted(p["build-requires"])
            p["build-tools"] = sorted(p["build-tools"], key=lambda b: b["rpm"])
            p["sources"] = sorted(p["sources"], key=lambda s: (s["kind"], s["filename"], s["url"]))
            if p.get("vendor") is None:
                p.pop("vendor", None)  # TOML has no null: only sdists that build crates have one
            if p.get("license") is None:
                p.pop("license", None)  # reused packages, and locks whose sources were not read
            if p["origin"] != "bundle":
                del p["revision"]  # no spec of its own
        t["edge"] = sorted(
            t["edge"], key=lambda e: (e["kind"], e["from"], e["to"], e["requirement"])
        )
        t["obsoletes"] = sorted(t["obsoletes"], key=lambda o: o["name"])
        for key in ("variant", "stream", "destination", "policy"):
            if not t.get(key):
                t.pop(key, None)  # a recipe without variants: targets as before variants
    data["target"] = sorted(data["target"], key=lambda t: (t.get("variant", ""), t["name"]))
    if data.get("policy") is None:
        data.pop("policy", None)
    if not data.get("destination"):
        data.pop("destination", None)
    return data


def dumps(lock: Lock) -> str:
    """Serialise deterministically (same lock, same bytes)."""
    header = (
        "# This file is written by `streams lock`; do not edit it by hand.\n"
        "# It records, per target, which Python distributions are reused from Fedora and\n"
        "# which are bundled into the stream, and why.\n"
    )
    return header + tomli_w.dumps(_normalised(lock), multiline_strings=False, indent=4)


def write_lock(path: Path, lock: Lock) -> None:
    """Write ``lock`` to ``path`` atomically."""
    atomic_write_text(path, dumps(lock))


def read_lock(path: Path) -> Lock:
    """Read and validate a lock file; errors name the file and say how to regenerate it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise LockError(
            f"{path}: no lock file", hint=f"run: streams lock {_stream_hint(path)}"
        ) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LockError(
            f"{path}: not a valid lock file ({exc})",
            hint=f"regenerate it: streams lock {_stream_hint(path)}",
        ) from exc
    version = data.get("schema-version")
    if version != SCHEMA_VERSION:
        raise LockError(
            f"{path}: lock schema-version {version!r}, this streams reads {SCHEMA_VERSION}",
            hint=f"regenerate it: streams lock {_stream_hint(path)}",
        )
    try:
        return Lock.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise LockError(
            f"{path}: invalid lock at {where}: {first['msg']}",
            hint=f"regenerate it: streams lock {_stream_hint(path)}",
        ) from exc


def lock_path(recipe_path: Path) -> Path:
    """Where the lock of a recipe lives: next to it, ``NAME.lock.toml``."""
    return recipe_path.with_name(recipe_path.stem + ".lock.toml")


def _stream_hint(path: Path) -> str:
    return path.name.removesuffix(".lock.toml")


def load_lock_for(recipe: Recipe, path: Path | None = None) -> tuple[Lock, Path, bool]:
    """The recipe's lock, its path, and whether the recipe changed since it was written."""
    if recipe.path is None:
        raise LockError("the recipe has no file path; cannot find its lock")
    where = path or lock_path(recipe.path)
    lock = read_lock(where)
    return lock, where, lock.recipe_sha256 != recipe.sha256


def require_lock(recipe: Recipe, path: Path | None = None, *, hint: str | None = None) -> Lock:
    """The lock of ``recipe`` (at ``path``, default beside it), which must be of its stream.

    A missing lock is a :class:`LockError` whose hint is ``hint`` (default: how to make it);
    a lock of another stream is a :class:`UsageError`.
    """
    if recipe.path is None:
        raise LockError("the recipe has no file path; cannot find its lock")
    where = path or lock_path(recipe.path)
    if not where.is_file():
        raise LockError(
            f"{recipe.name} has no lock ({where} does not exist)",
            hint=hint or f"run: streams lock {recipe.name}",
        )
    lock = read_lock(where)
    if lock.stream != recipe.name:
        raise UsageError(
            f"the lock is for stream {lock.stream!r}, the recipe is {recipe.name!r}",
            hint=f"run: streams lock {recipe.name}",
        )
    return lock
