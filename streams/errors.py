"""The single exception hierarchy of streams.

Every error a user can cause or meet derives from :class:`StreamsError`.  The CLI turns them into
a message and an exit code (see ``docs/reference/exit-codes.md``); anything else is an internal
error.  Errors carry data, not only text, so ``--json`` can emit them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Exit codes (docs/reference/exit-codes.md is generated from this module).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_UNSATISFIABLE = 3
EXIT_BUILD_FAILED = 4
EXIT_SERVICE = 5
EXIT_INTERNAL = 70


class StreamsError(Exception):
    """Base of every expected failure.  ``exit_code`` is what the CLI exits with."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form for ``--json`` output."""
        data: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        return data

    def render(self) -> str:
        """Human-readable form, possibly several lines."""
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class UsageError(StreamsError):
    """Bad command-line input that click itself cannot catch (unknown target, bad --repo)."""

    exit_code = EXIT_BAD_INPUT


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file: where it is, what is wrong, what would be valid."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None

    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        text = f"{self.location()}: {self.path + ': ' if self.path else ''}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class RecipeError(StreamsError):
    """A recipe (or several) is invalid.  Carries every problem found, not only the first."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        files = sorted({p.file for p in self.problems})
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in {', '.join(files)}")

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


class LockError(StreamsError):
    """A lock file is missing, unreadable, or out of date with its recipe."""

    exit_code = EXIT_BAD_INPUT


class RepoError(StreamsError):
    """Base repository metadata could not be loaded (corrupt, missing, checksum mismatch)."""


@dataclass(frozen=True, slots=True)
class Cause:
    """One structured cause of an unsatisfiable resolution."""

    message: str
    requirement: str | None = None
    parent: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class ResolutionError(StreamsError):
    """The requirements cannot be satisfied; ``causes`` says why, one sentence each."""

    exit_code = EXIT_UNSATISFIABLE

    def __init__(
        self, message: str, causes: Sequence[Cause] = (), *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.causes = tuple(causes)

    def render(self) -> str:
        lines = [self.message]
        lines += [f"  - {c.message}" for c in self.causes]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["causes"] = [
            {"message": c.message, "requirement": c.requirement, "parent": c.parent, **c.data}
            for c in self.causes
        ]
        return data


class PolicyError(StreamsError):
    """The closure breaks the recipe's ``[policy]``: a license Fedora does not allow, or a
    prebuilt binary where everything must be built from source.  ``packages`` lists each
    offending package with why and the dependency path that pulls it in."""

    exit_code = EXIT_UNSATISFIABLE

    def __init__(
        self, message: str, packages: Sequence[dict[str, Any]] = (), *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.packages = tuple(packages)

    def render(self) -> str:
        lines = [self.message]
        for p in self.packages:
            lines.append(f"  - {p['name']} {p['version']}: {p['expression']}")
            lines += [f"      {why}" for why in p["problems"]]
            lines.append(f"      pulled in by: {' -> '.join(p['path'])}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["packages"] = [dict(p) for p in self.packages]
        return data


class SpecGenError(StreamsError):
    """A spec file could not be generated."""


class SourceError(SpecGenError):
    """A source file (sdist or wheel) cannot be fetched, verified or read.

    A kind of :class:`SpecGenError`: without its source a package's spec cannot be written.
    """


class BuildError(StreamsError):
    """A build failed: which backend, which package, where the log is, the tail of its output."""

    exit_code = EXIT_BUILD_FAILED

    def __init__(
        self,
        message: str,
        *,
        backend: str | None = None,
        nevra: str | None = None,
        log_path: Path | None = None,
        output_tail: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.backend = backend
        self.nevra = nevra
        self.log_path = log_path
        self.output_tail = output_tail

    def render(self) -> str:
        lines = [self.message]
        if self.log_path:
            lines.append(f"  log: {self.log_path}")
        if self.output_tail:
            lines += ["  " + ln for ln in self.output_tail.rstrip().splitlines()[-10:]]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class CommandError(StreamsError):
    """An external command failed (see :mod:`streams.infra.proc`)."""

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str],
        returncode: int,
        output_tail: str = "",
        log_path: Path | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.argv = tuple(argv)
        self.returncode = returncode
        self.output_tail = output_tail
        self.log_path = log_path

    def render(self) -> str:
        lines = [self.message]
        if self.output_tail:
            lines += ["  " + ln for ln in self.output_tail.rstrip().splitlines()[-10:]]
        if self.log_path:
            lines.append(f"  log: {self.log_path}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ToolMissingError(StreamsError):
    """A required system tool (rpmbuild, createrepo_c, dot, uv) is not installed."""

    exit_code = EXIT_FAILURE


class PublishError(StreamsError):
    """Publishing a repository failed."""


class CheckFailed(StreamsError):
    """One or more checks of ``streams check`` failed."""


class ServiceError(StreamsError):
    """A remote service (PyPI, a Fedora mirror, Copr, Koji) is unavailable or answered an error."""

    exit_code = EXIT_SERVICE

    def __init__(
        self,
        message: str,
        *,
        service: str,
        url: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.service = service
        self.url = url
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update({"service": self.service, "url": self.url, "status": self.status})
        return data


class VersionError(StreamsError, ValueError):
    """A version, specifier or requirement cannot be parsed or converted to RPM form.

    Fedora's own generator fails the build (exit 65) on the same inputs; ``text`` is the
    offending input as written.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, text: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.text = text

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["text"] = self.text
        return data
