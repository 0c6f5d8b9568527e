"""Where each build of a plan stands: persisted, resumable, thread-safe.

:class:`PlanState` keeps one record per (package, target) with its state (``pending``,
``building``, ``succeeded``, ``failed``, ``skipped``, ``orphaned``), the backend's build id,
the log paths, timestamps, attempts and, for ``skipped``, which dependency failed.  It is
written atomically after every change, so an interruption (Ctrl-C, a crash, a lost
connection) loses nothing, and ``--resume`` (:meth:`PlanState.resume`) keeps what succeeded,
turns failed, skipped, orphaned and pending records back into ``pending`` and leaves
``building`` ones for the backend to re-attach to.  A failure marks every transitive
dependant ``skipped`` at once (:meth:`PlanState.fail`).

A remote build of a skipped dependant that could not be cancelled in time (Copr and Koji
refuse to cancel what has ended) and succeeded anyway is ``orphaned``
(:meth:`PlanState.orphan`): it was built without the dependency that failed, so it counts as
not built, is never published, and ``--resume`` builds it again after the dependency.  A
record is ``building`` with no ``build_id`` while its submission is in flight: ``--resume``
asks the service whether the submission arrived before it submits again.

:meth:`PlanState.ready` is a small scheduler any backend can use (the local rpmbuild backend
included): the pending records whose dependencies all succeeded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypedDict

from streams.builders.plan import BuildPlan
from streams.errors import BuildError
from streams.infra.fsutil import atomic_write_text

State = Literal["pending", "building", "succeeded", "failed", "skipped", "orphaned"]
STATES: tuple[State, ...] = ("pending", "building", "succeeded", "failed", "skipped", "orphaned")
NOT_BUILT: tuple[State, ...] = ("failed", "orphaned", "skipped")
"""Final states that are not a usable build (``--resume`` builds them again)."""

STATE_SCHEMA_VERSION = 1


class RecordDict(TypedDict):
    state: State
    version: str
    build_id: str | None
    url: str | None
    logs: list[str]
    started: str | None
    ended: str | None
    attempts: int
    reason: str


class StateDict(TypedDict):
    schema_version: int
    stream: str
    backend: str
    packages: dict[str, dict[str, RecordDict]]


@dataclass(frozen=True, slots=True)
class Record:
    """Where one package stands on one target."""

    state: State = "pending"
    version: str = ""
    build_id: str | None = None
    """The backend's id: a Copr build id, a Koji task id, a mock chain run."""
    url: str | None = None
    """Where a packager can look: a Copr build page, a Koji task page, a result directory."""
    logs: tuple[str, ...] = ()
    started: str | None = None
    ended: str | None = None
    attempts: int = 0
    reason: str = ""
    """Why it failed or was skipped, one sentence."""

    def to_dict(self) -> RecordDict:
        return {
            "state": self.state,
            "version": self.version,
            "build_id": self.build_id,
            "url": self.url,
            "logs": list(self.logs),
            "started": self.started,
            "ended": self.ended,
            "attempts": self.attempts,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: RecordDict) -> Record:
        if data["state"] not in STATES:
            raise ValueError(f"unknown state {data['state']!r}")
        return cls(
            state=data["state"],
            version=str(data.get("version", "")),
            build_id=data.get("build_id"),
            url=data.get("url"),
            logs=tuple(data.get("logs", ())),
            started=data.get("started"),
            ended=data.get("ended"),
            attempts=int(data.get("attempts", 0)),
            reason=str(data.get("reason", "")),
        )

    @property
    def duration(self) -> float | None:
        """Seconds between start and end, if both are known."""
        if not self.started or not self.ended:
            return None
        return (
            datetime.fromisoformat(self.ended) - datetime.fromisoformat(self.started)
        ).total_seconds()


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of the final table: a package and where it stands on every target."""

    package: str
    rpm: str
    generation: int
    records: tuple[tuple[str, Record], ...]

    @property
    def state(self) -> State:
        """The worst state over the targets
        (failed > orphaned > skipped > building > pending > ok)."""
        states = {r.state for _, r in self.records}
        for s in ("failed", "orphaned", "skipped", "building", "pending"):
            if s in states:
                return s
        return "succeeded"

    @property
    def duration(self) -> float | None:
        ds = [r.duration for _, r in self.records if r.duration is not None]
        return max(ds) if ds else None

    def to_dict(self) -> dict[str, object]:
        return {
            "package": self.package,
            "rpm": self.rpm,
            "generation": self.generation,
            "state": self.state,
            "duration": self.duration,
            "targets": {t: dict(r.to_dict()) for t, r in self.records},
        }


def _merge(old: Sequence[str], new: Sequence[str | Path]) -> tuple[str, ...]:
    """``old`` then ``new`` without duplicates; the newest (most telling) log comes last."""
    fresh = [str(p) for p in new]
    return tuple(dict.fromkeys([*(p for p in old if p not in fresh), *fresh]))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PlanState:
    """Per (package, target) records of a plan, saved atomically to ``path`` on every change.

    Thread-safe: local builds running in parallel may update it from several threads.
    """

    def __init__(self, plan: BuildPlan, path: Path | None, *, backend: str) -> None:
        self.plan = plan
        self.path = path
        self.backend = backend
        self._lock = threading.RLock()
        self._records: dict[tuple[str, str], Record] = {
            (n.name, t): Record(version=v) for n in plan.nodes.values() for t, v in n.versions
        }

    # -- persistence -----------------------------------------------------------------------
    @classmethod
    def load(cls, plan: BuildPlan, path: Path, *, backend: str) -> PlanState:
        """The state saved at ``path`` for ``plan``; missing file: everything pending.

        Records of packages no longer in the plan are dropped; a record whose version changed
        (the lock moved on) starts again from ``pending``.
        """
        state = cls(plan, path, backend=backend)
        if not path.exists():
            return state
        try:
            data: StateDict = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema_version") != STATE_SCHEMA_VERSION:
                raise ValueError(f"schema_version {data.get('schema_version')!r}")
            for name, per_target in data["packages"].items():
                for target, raw in per_target.items():
                    key = (name, target)
                    if key not in state._records:
                        continue
                    rec = Record.from_dict(raw)
                    if rec.version != state._records[key].version:
                        continue
                    state._records[key] = rec
        except (ValueError, KeyError, TypeError) as exc:
            raise BuildError(
                f"{path}: unreadable build state ({exc})",
                backend=backend,
                hint=f"delete {path} to start the build from scratch",
            ) from exc
        return state

    def to_dict(self) -> StateDict:
        packages: dict[str, dict[str, RecordDict]] = {}
        for (name, target), rec in sorted(self._records.items()):
            packages.setdefault(name, {})[target] = rec.to_dict()
        return {
            "schema_version": STATE_SCHEMA_VERSION,
            "stream": self.plan.stream,
            "backend": self.backend,
            "packages": packages,
        }

    def save(self) -> None:
        if self.path is not None:
            with self._lock:
                atomic_write_text(self.path, json.dumps(self.to_dict(), indent=1) + "\n")

    # -- access ----------------------------------------------------------------------------
    def get(self, name: str, target: str) -> Record:
        return self._records[(name, target)]

    def records(self, name: str) -> list[tuple[str, Record]]:
        return [(t, self._records[(name, t)]) for t in self.plan.nodes[name].targets]

    def items(self) -> Iterator[tuple[tuple[str, str], Record]]:
        return iter(sorted(self._records.items()))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        for rec in self._records.values():
            out[rec.state] += 1
        return out

    def done(self) -> bool:
        """Nothing is pending or building."""
        return all(r.state not in ("pending", "building") for r in self._records.values())

    def ok(self) -> bool:
        return all(r.state == "succeeded" for r in self._records.values())

    def pending_targets(self, name: str) -> list[str]:
        return [t for t, r in self.records(name) if r.state == "pending"]

    # -- transitions -----------------------------------------------------------------------
    def _set(self, name: str, target: str, **changes: object) -> Record:
        with self._lock:
            rec = replace(self._records[(name, target)], **changes)  # type: ignore[arg-type]
            self._records[(name, target)] = rec
            return rec

    def _targets(self, name: str, target: str | None) -> list[str]:
        return list(self.plan.nodes[name].targets) if target is None else [target]

    def reset(self) -> None:
        """Forget everything (a fresh build without ``--resume``)."""
        with self._lock:
            for key, rec in self._records.items():
                self._records[key] = Record(version=rec.version)
            self.save()

    def resume(self) -> list[tuple[str, str]]:
        """Prepare a ``--resume``: succeeded stays, failed/skipped/orphaned become pending.

        Returns the ``building`` records (package, target), which the backend re-attaches to
        (Copr, Koji) or starts again (local, mock: the process that ran them is gone).
        """
        building = []
        with self._lock:
            for key, rec in self._records.items():
                if rec.state in NOT_BUILT:
                    self._records[key] = replace(rec, state="pending", reason="")
                elif rec.state == "building":
                    building.append(key)
            self.save()
        return sorted(building)

    def requeue(self, name: str, target: str, *, reason: str = "") -> None:
        """Put a ``building`` record back to ``pending`` (its process is gone: mock, local)."""
        with self._lock:
            self._set(name, target, state="pending", reason=reason)
            self.save()

    def start(
        self,
        name: str,
        target: str | None = None,
        *,
        build_id: str | None = None,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        """Mark ``name`` building (on ``target``, or all its targets)."""
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                self._set(
                    name,
                    t,
                    state="building",
                    build_id=build_id,
                    url=url,
                    logs=tuple(str(p) for p in logs) or rec.logs,
                    started=_now(),
                    ended=None,
                    attempts=rec.attempts + 1,
                    reason="",
                )
            self.save()

    def update(
        self,
        name: str,
        target: str | None = None,
        *,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
        build_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record a URL, more logs, the build id of a submission that was in flight, or a
        new reason, without changing the state."""
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(
                    name,
                    t,
                    url=url or rec.url,
                    logs=merged,
                    build_id=build_id or rec.build_id,
                    reason=rec.reason if reason is None else reason,
                )
            self.save()

    def succeed(
        self,
        name: str,
        target: str | None = None,
        *,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(
                    name,
                    t,
                    state="succeeded",
                    url=url or rec.url,
                    logs=merged,
                    ended=_now(),
                    started=rec.started or _now(),
                    reason="",
                )
            self.save()

    def fail(
        self,
        name: str,
        target: str | None = None,
        *,
        reason: str = "",
        url: str | None = None,
        logs: Sequence[str | Path] = (),
        orphan_built: bool = False,
    ) -> list[tuple[str, str]]:
        """Mark ``name`` failed and every transitive dependant ``skipped`` at once.

        Returns the (package, target) records that became skipped: backends that queued them
        elsewhere (Copr batches) cancel those builds.  Succeeded records are left alone,
        unless ``orphan_built``: a remote backend whose dependants may have run before the
        failure was seen (Copr starts the next batch once this one finished, whatever its
        results) turns them ``orphaned`` (returned too), as they were built without it.
        """
        skipped: list[tuple[str, str]] = []
        with self._lock:
            targets = self._targets(name, target)
            for t in targets:
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(
                    name,
                    t,
                    state="failed",
                    reason=reason or "build failed",
                    url=url or rec.url,
                    logs=merged,
                    ended=_now(),
                    started=rec.started or _now(),
                )
            for dep in self.plan.dependants(name):
                for t in targets:
                    key = (dep, t)
                    if key not in self._records:
                        continue
                    rec = self._records[key]
                    if rec.state == "succeeded" and orphan_built:
                        self._set(
                            dep,
                            t,
                            state="orphaned",
                            reason=f"built although dependency {name} failed on {t}: "
                            "built without it, not published",
                        )
                        skipped.append(key)
                        continue
                    if rec.state in ("succeeded", *NOT_BUILT):
                        continue
                    self._set(dep, t, state="skipped", reason=f"dependency {name} failed on {t}")
                    skipped.append(key)
            self.save()
        return skipped

    mark_failed = fail

    def orphan(
        self,
        name: str,
        target: str | None = None,
        *,
        reason: str,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        """Mark ``name`` orphaned: its remote build succeeded although a dependency had
        failed (the cancel came too late).  Not a usable build: never published, rebuilt by
        ``--resume`` once the dependency is."""
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                self._set(
                    name,
                    t,
                    state="orphaned",
                    reason=reason,
                    url=url or rec.url,
                    logs=_merge(rec.logs, logs),
                    ended=_now(),
                    started=rec.started or _now(),
                )
            self.save()

    def skip(self, name: str, target: str | None = None, *, reason: str) -> list[tuple[str, str]]:
        """Mark ``name`` skipped, and its pending or building dependants with it.

        Returns every record that became skipped (``name``'s included).
        """
        out: list[tuple[str, str]] = []
        with self._lock:
            targets = self._targets(name, target)
            for t in targets:
                if self._records[(name, t)].state != "succeeded":
                    self._set(name, t, state="skipped", reason=reason)
                    out.append((name, t))
            for dep in self.plan.dependants(name):
                for t in targets:
                    key = (dep, t)
                    if key in self._records and self._records[key].state in (
                        "pending",
                        "building",
                    ):
                        self._set(dep, t, state="skipped", reason=f"dependency {name} not built")
                        out.append(key)
            self.save()
        return out

    # -- scheduling ------------------------------------------------------------------------
    def ready(self, target: str | None = None) -> list[tuple[str, str]]:
        """Pending (package, target) records whose dependencies have all succeeded there.

        Members of one cycle become ready together (their mutual edges do not block).  In
        build order, so callers may start them as they come.
        """
        out: list[tuple[str, str]] = []
        with self._lock:
            for name in self.plan.order():
                for t in self._targets(name, None):
                    if target is not None and t != target:
                        continue
                    if self._records[(name, t)].state != "pending":
                        continue
                    if all(
                        self._records[(d, t)].state == "succeeded"
                        for d in self.plan.blocking_deps(name)
                        if (d, t) in self._records
                    ):
                        out.append((name, t))
        return out

    # -- reporting -------------------------------------------------------------------------
    def summary(self) -> list[SummaryRow]:
        """Rows for the final table, in build order."""
        return [
            SummaryRow(
                n,
                self.plan.nodes[n].rpm,
                self.plan.generation_of(n),
                tuple(self.records(n)),
            )
            for n in self.plan.order()
        ]
