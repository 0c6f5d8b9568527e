"""The one choke point for subprocesses.

Every external command (rpmbuild, createrepo_c, uv, rpmspec, mock, dot...) goes through
:func:`run`: it logs the command line, optionally captures the whole output into a per-job log
file, and raises :class:`~streams.errors.CommandError` carrying the exit code and the output tail,
so a failure message names what ran and where the full log is.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.errors import CommandError, ToolMissingError

log = logging.getLogger(__name__)

TAIL_LINES = 30


@dataclass(frozen=True, slots=True)
class Completed:
    """The result of a command that ran to completion."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def which(tool: str, *, hint: str | None = None) -> str:
    """Absolute path of ``tool`` on PATH, or a :class:`ToolMissingError` saying how to get it."""
    path = shutil.which(tool)
    if path is None:
        raise ToolMissingError(
            f"{tool!r} is not installed or not on PATH",
            hint=hint or "run scripts/setup.sh, or install it with dnf/apt-get",
        )
    return path


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    log_file: Path | None = None,
    check: bool = True,
    timeout: float | None = None,
    what: str | None = None,
) -> Completed:
    """Run ``argv`` and return its output.

    ``env`` entries are added to the current environment.  With ``log_file``, stdout and stderr
    go to that file (appended, the command line first) and the returned strings hold only the
    last lines.  With ``check`` (default) a non-zero exit raises :class:`CommandError` whose
    message starts with ``what`` (default: the program name).
    """
    args = [os.fspath(a) for a in argv]
    cmdline = shlex.join(args)
    log.debug("run: %s%s", cmdline, f" (cwd {cwd})" if cwd else "")
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            with log_file.open("a", encoding="utf-8") as fh:
                fh.write(f"$ {cmdline}\n")
                fh.flush()
                proc = subprocess.run(
                    args,
                    cwd=cwd,
                    env=full_env,
                    input=input,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            out = _tail(log_file.read_text(encoding="utf-8", errors="replace"))
            result = Completed(tuple(args), proc.returncode, out, "")
        else:
            proc = subprocess.run(
                args,
                cwd=cwd,
                env=full_env,
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            result = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    except FileNotFoundError as exc:
        raise ToolMissingError(
            f"{args[0]!r} is not installed or not on PATH",
            hint="run scripts/setup.sh, or install it with dnf/apt-get",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandError(
            f"{what or Path(args[0]).name} timed out after {timeout}s",
            argv=args,
            returncode=-1,
            log_path=log_file,
        ) from exc
    if check and result.returncode != 0:
        tail = _tail(result.stdout + ("\n" + result.stderr if result.stderr else ""))
        raise CommandError(
            f"{what or Path(args[0]).name} failed with exit code {result.returncode}: {cmdline}",
            argv=args,
            returncode=result.returncode,
            output_tail=tail,
            log_path=log_file,
        )
    return result
