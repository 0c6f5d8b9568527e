"""The result types of ``streams check`` and the description of a published stream."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from streams.checks.rpms import RpmInfo

SCHEMA_VERSION = 1

Status = Literal["passed", "failed", "skipped"]

CHECK_NAMES: tuple[str, ...] = (
    "firewall",
    "coupling",
    "conflicts",
    "installability",
    "install-and-run",
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: passed or not, the evidence either way, or why it was skipped."""

    name: str
    passed: bool
    evidence: tuple[str, ...] = ()
    skipped: str | None = None
    """Why the check did not run (then ``passed`` is False and ``status`` is "skipped")."""

    @property
    def status(self) -> Status:
        if self.skipped is not None:
            return "skipped"
        return "passed" if self.passed else "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "passed": self.passed,
            "evidence": list(self.evidence),
            "skipped": self.skipped,
        }


def skipped(name: str, reason: str, evidence: tuple[str, ...] = ()) -> CheckResult:
    return CheckResult(name, False, evidence, reason)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every check of one stream, in :data:`CHECK_NAMES` order."""

    stream: str
    repo_dir: Path
    with_streams: tuple[str, ...]
    checks: tuple[CheckResult, ...]

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "failed")

    @property
    def ok(self) -> bool:
        """No check failed (skipped ones do not count; see ``strict``)."""
        return not self.failed

    def get(self, name: str) -> CheckResult:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "stream": self.stream,
            "repo_dir": str(self.repo_dir),
            "with": list(self.with_streams),
            "ok": self.ok,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class StreamRepo:
    """A published stream: its name, repository directory and install prefix.

    ``prefix`` None means "find it": the directory holding the runtime's ``pyvenv.cfg``.
    ``exports`` None means any ``/usr/bin`` link into the prefix counts as an export.
    """

    name: str
    repo_dir: Path
    prefix: str | None = None
    exports: tuple[str, ...] | None = None

    @property
    def metapackage(self) -> str:
        return f"{self.name}-stream"


@dataclass(frozen=True, slots=True)
class LoadedStream:
    """A stream with its RPM headers read and its prefix known."""

    repo: StreamRepo
    prefix: str
    rpms: tuple[RpmInfo, ...] = field(repr=False)

    @property
    def name(self) -> str:
        return self.repo.name


_PYVENV = re.compile(r"^(?P<prefix>/.+)/pyvenv\.cfg$")


def find_prefix(rpms: tuple[RpmInfo, ...] | list[RpmInfo]) -> str | None:
    """The prefix of a stream: the directory of its ``pyvenv.cfg`` (runtime package first)."""
    ordered = sorted(rpms, key=lambda r: (not r.name.endswith("-stream-runtime"), r.nevra))
    for info in ordered:
        for f in info.files:
            m = _PYVENV.match(f.path)
            if m:
                return m["prefix"]
    return None
