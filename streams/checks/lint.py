"""``streams lint``: rpmlint with Fedora's configuration on a stream's specs and RPMs.

rpmlint is the PyPI ``rpmlint`` installed with streams, run as a subprocess (through
:func:`streams.infra.proc.run`) with only Fedora's configuration: the ``configs/Fedora/*.toml``
files of rpmlint's sdist, embedded under ``streams/data/rpmlint/fedora/`` by
``tools/fetch_rpmlint_config.py`` (version and sha256 in ``fedora-source.toml``), the files
Fedora's own rpmlint package installs into ``/etc/xdg/rpmlint/``.  Configuration found on the
machine (``$XDG_CONFIG_DIRS/rpmlint``, ``~/.config/rpmlint``) is not read, so a lint gives the
same answer everywhere.

rpmlint's output is parsed into :class:`Finding` records, one per message.  A few of rpmlint's
errors are what a stream is by design (its prefix under ``/opt``, scripts run by the prefix's
interpreter); :func:`stream_rules` names them, each with its reason, and the report counts them
as *accepted* instead of failing on them.  Everything else rpmlint calls an error is an error.
Warnings never fail a lint; ``docs/specgen.md`` ("rpmlint") explains the ones that remain.
"""

from __future__ import annotations

import re
import sys
import sysconfig
import tomllib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from streams.errors import CommandError, ToolMissingError, UsageError
from streams.infra.proc import Completed, run

SCHEMA_VERSION = 1

Severity = Literal["E", "W", "I"]

# rpmlint's exit codes (rpmlint/lint.py): 0 clean, 64 errors found, 66 badness threshold
# exceeded; 1-4 are its own failures (bad arguments, unreadable package, bad configuration).
_LINT_EXIT_CODES = frozenset({0, 64, 66})

# One message: "NAME.ARCH: E: check-name detail", "NAME.spec:12: W: check-name detail".
_LINE = re.compile(
    r"^(?P<origin>\S+?)(?::(?P<line>\d+))?: (?P<severity>[EWI]): "
    r"(?P<check>\S+)(?: (?P<detail>.*))?$"
)
_VERSION = re.compile(r"^rpmlint: (?P<version>\S+)$")


def fedora_config_dir() -> Path:
    """The embedded Fedora configuration directory (``streams/data/rpmlint/fedora``)."""
    return Path(str(resources.files("streams.data").joinpath("rpmlint", "fedora")))


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """Where the embedded configuration came from (``fedora-source.toml``)."""

    version: str
    sdist: str
    sdist_sha256: str
    files: dict[str, str]


def fedora_config_source() -> ConfigSource:
    """The rpmlint version and sdist the embedded Fedora configuration was taken from."""
    data = tomllib.loads((fedora_config_dir().parent / "fedora-source.toml").read_text())
    return ConfigSource(
        data["version"], data["sdist"], data["sdist_sha256"], dict(data.get("files", {}))
    )


def fedora_valid_licenses() -> tuple[str, ...]:
    """``ValidLicenses`` of Fedora's rpmlint configuration (``licenses.toml``), in its order.

    These are the short names of rpmlint's Fedora list, which predates Fedora's move to SPDX
    expressions (https://docs.fedoraproject.org/en-US/legal/license-field/); Fedora's own
    rpmlint takes its list from ``rpmlint-fedora-license-data`` instead, which is not on PyPI.
    """
    data = tomllib.loads((fedora_config_dir() / "licenses.toml").read_text())
    return tuple(str(x) for x in data.get("ValidLicenses", ()))


# -- findings ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One rpmlint message."""

    origin: str
    """What rpmlint named: ``NAME.spec``, ``NAME.ARCH`` for an RPM, ``NAME.src``, ``(none)``."""
    severity: Severity
    check: str
    detail: str = ""
    line: int | None = None
    accepted: str | None = None
    """The :class:`Rule` (its name) under which streams accepts this error, or None."""

    @property
    def is_error(self) -> bool:
        return self.severity == "E" and self.accepted is None

    def render(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line is not None else self.origin
        text = f"{where}: {self.severity}: {self.check}"
        return f"{text} {self.detail}" if self.detail else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "line": self.line,
            "severity": self.severity,
            "check": self.check,
            "detail": self.detail,
            "accepted": self.accepted,
        }


def parse_output(text: str) -> list[Finding]:
    """rpmlint's messages in ``text`` (its stdout and stderr), in order; other lines ignored."""
    out: list[Finding] = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if m is None:
            continue
        sev: Severity = m["severity"]  # type: ignore[assignment]
        out.append(
            Finding(
                origin=m["origin"],
                severity=sev,
                check=m["check"],
                detail=(m["detail"] or "").strip(),
                line=int(m["line"]) if m["line"] else None,
            )
        )
    return out


# -- what a stream accepts by design ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """An rpmlint error a stream accepts by design, and why."""

    name: str
    check: str
    reason: str
    matches: Callable[[Finding], bool]


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def stream_rules(stream: str, prefix: str, owned_specs: Collection[str] = ()) -> tuple[Rule, ...]:
    """The errors accepted for stream ``stream`` installed under ``prefix``.

    Each is narrow: a file outside the prefix, a script run by another interpreter or a
    package of another stream still fails.  ``owned_specs``: the file names of the
    packager-owned specs (the ones that load the stream's include, docs/adopt.md).
    """
    pkg_prefix = f"{stream}-stream"

    def ours(f: Finding) -> bool:
        return f.origin.split(":")[0].startswith(pkg_prefix)

    def in_opt(f: Finding) -> bool:
        path = f.detail.split(" ")[0]
        # the prefix, what it holds, and the directories above it that the stream owns
        return ours(f) and (_under(path, prefix) or _under(prefix, path))

    interpreters = re.compile(re.escape(prefix) + r"/bin/python3(?:\.\d+)?")

    def prefix_interpreter(f: Finding) -> bool:
        parts = f.detail.split(" ")
        return (
            ours(f)
            and len(parts) >= 2
            and _under(parts[0], prefix)
            and interpreters.fullmatch(parts[1]) is not None
        )

    return (
        Rule(
            "prefix-under-opt",
            "dir-or-file-in-opt",
            f"the stream installs under its own prefix {prefix}, beside Fedora's packages "
            "instead of replacing them: that is what a stream is (the Filesystem Hierarchy "
            "Standard keeps /opt for add-on software, which Fedora's own packages must not use)",
            lambda f: f.check == "dir-or-file-in-opt" and in_opt(f),
        ),
        Rule(
            "prefix-interpreter",
            "wrong-script-interpreter",
            f"scripts run the stream's interpreter {prefix}/bin/python3 so that the stream's "
            "own packages are imported first; rpmlint accepts only interpreters in the "
            "system's bin and lib directories",
            lambda f: f.check == "wrong-script-interpreter" and prefix_interpreter(f),
        ),
        Rule(
            "empty-module",
            "zero-length",
            "an empty Python module under the prefix is a module (poetry's "
            "console/events/console_events.py): importing it works, removing it would break "
            "imports; rpmlint exempts only __init__.py, py.typed and REQUESTED",
            lambda f: (
                f.check == "zero-length"
                and ours(f)
                and _under(f.detail.split(" ")[0], prefix)
                and f.detail.split(" ")[0].endswith(".py")
            ),
        ),
        Rule(
            "owned-spec-include",
            "use-of-RPM_SOURCE_DIR",
            "a packager-owned spec loads the stream's macros with %{load:%{_sourcedir}/...} "
            "before its first tag, as Fedora's python-rpm-macros.spec loads its own: "
            "%{SOURCEn} is defined only once the Source tags are read (docs/adopt.md)",
            lambda f: f.check == "use-of-RPM_SOURCE_DIR" and f.origin in owned_specs,
        ),
        Rule(
            "spelling",
            "spelling-error",
            "rpmlint's en_US spell check of Summary and %description flags names of "
            "distributions, modules and paths and upstream's own spelling; review the words, "
            "they do not fail the lint",
            lambda f: f.check == "spelling-error" and ours(f),
        ),
    )


def accept(findings: Iterable[Finding], rules: Sequence[Rule]) -> list[Finding]:
    """``findings`` with each error a rule accepts marked with that rule's name."""
    out: list[Finding] = []
    for f in findings:
        if f.severity == "E":
            rule = next((r for r in rules if r.matches(f)), None)
            if rule is not None:
                f = Finding(f.origin, f.severity, f.check, f.detail, f.line, rule.name)
        out.append(f)
    return out


# -- running rpmlint -----------------------------------------------------------------------------


def rpmlint_executable() -> str:
    """The ``rpmlint`` script of this Python environment (the PyPI package streams depends on).

    Not the first ``rpmlint`` on PATH: a distribution's rpmlint may be another version.
    """
    candidates = [
        Path(sysconfig.get_path("scripts")) / "rpmlint",
        Path(sys.executable).parent / "rpmlint",
    ]
    for c in candidates:
        if c.is_file():
            return str(c)
    raise ToolMissingError(
        "rpmlint is not installed in this Python environment "
        f"({', '.join(str(c.parent) for c in candidates)})",
        hint="pip install 'rpmlint==" + fedora_config_source().version + "' (scripts/setup.sh "
        "installs it with streams)",
    )


Runner = Callable[[Sequence[str]], Completed]


def _default_runner(argv: Sequence[str]) -> Completed:
    # CONFIG_DISABLE_AUTOLOADING: rpmlint's switch to skip $XDG_CONFIG_DIRS (rpmlint/config.py)
    return run(argv, check=False, env={"CONFIG_DISABLE_AUTOLOADING": "1"}, what="rpmlint")


@dataclass(frozen=True, slots=True)
class LintRun:
    """One rpmlint run: what it checked, its version and its parsed messages."""

    paths: tuple[Path, ...]
    version: str
    findings: tuple[Finding, ...]
    output: str


def run_rpmlint(
    paths: Sequence[Path],
    *,
    config_dir: Path | None = None,
    runner: Runner | None = None,
) -> LintRun:
    """rpmlint with Fedora's configuration on ``paths`` (specs, RPMs, SRPMs)."""
    if not paths:
        raise UsageError("rpmlint: nothing to check")
    argv = [
        rpmlint_executable() if runner is None else "rpmlint",
        "--config",
        str(config_dir or fedora_config_dir()),
        *(str(p) for p in paths),
    ]
    res = (runner or _default_runner)(argv)
    text = res.stdout + ("\n" + res.stderr if res.stderr else "")
    if res.returncode not in _LINT_EXIT_CODES:
        tail = "\n".join(text.rstrip().splitlines()[-20:])
        raise CommandError(
            f"rpmlint failed with exit code {res.returncode}",
            argv=list(argv),
            returncode=res.returncode,
            output_tail=tail,
        )
    version = next(
        (m["version"] for m in map(_VERSION.match, text.splitlines()) if m is not None), "?"
    )
    return LintRun(tuple(paths), version, tuple(parse_output(text)), text)


# -- a stream's report -----------------------------------------------------------------------------


Part = Literal["specs", "srpms", "rpms"]
PARTS: tuple[Part, ...] = ("specs", "srpms", "rpms")


@dataclass(frozen=True, slots=True)
class LintReport:
    """rpmlint on one stream's target: every finding, with the accepted ones marked."""

    stream: str
    target: str
    rpmlint_version: str
    checked: dict[str, tuple[Path, ...]]
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...] = field(default=())

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "W")

    @property
    def accepted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted is not None)

    def by_origin(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.origin, []).append(f)
        return dict(sorted(out.items()))

    def classes(self, findings: Iterable[Finding]) -> list[tuple[str, int]]:
        """``(check, count)`` of ``findings``, most frequent first."""
        return Counter(f.check for f in findings).most_common()

    def summary(self) -> str:
        n = sum(len(v) for v in self.checked.values())
        checked = ", ".join(f"{len(v)} {k}" for k, v in self.checked.items() if v)
        acc = self.accepted
        text = (
            f"rpmlint {self.rpmlint_version} (Fedora configuration) on {n} files "
            f"({checked}): {len(self.errors)} errors, {len(self.warnings)} warnings"
        )
        if acc:
            text += f", {len(acc)} errors accepted by design"
        return text

    def to_dict(self) -> dict[str, Any]:
        reasons = {r.name: {"check": r.check, "reason": r.reason} for r in self.rules}
        return {
            "schema_version": SCHEMA_VERSION,
            "stream": self.stream,
            "target": self.target,
            "rpmlint": self.rpmlint_version,
            "checked": {k: [str(p) for p in v] for k, v in self.checked.items()},
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "accepted": len(self.accepted),
            "rules": reasons,
            "findings": [f.to_dict() for f in self.findings],
        }


def lint_files(
    stream: str,
    target: str,
    prefix: str,
    files: Mapping[str, Sequence[Path]],
    *,
    runner: Runner | None = None,
    config_dir: Path | None = None,
) -> LintReport:
    """rpmlint on ``files`` (by part: specs, srpms, rpms) of ``stream``, in one run."""
    checked = {k: tuple(sorted(v)) for k, v in files.items()}
    everything = [p for v in checked.values() for p in v]
    if not everything:
        raise UsageError(
            f"nothing to lint for {stream} ({target}): no spec files or RPMs",
            hint="run streams specgen RECIPE (specs) or streams build RECIPE (RPMs) first",
        )
    result = run_rpmlint(everything, config_dir=config_dir, runner=runner)
    # a packager-owned spec has its include beside it (streams specgen writes both)
    owned = {p.name for p in checked.get("specs", ()) if p.with_suffix(".macros").is_file()}
    rules = stream_rules(stream, prefix, owned)
    return LintReport(
        stream=stream,
        target=target,
        rpmlint_version=result.version,
        checked=checked,
        findings=tuple(accept(result.findings, rules)),
        rules=rules,
    )


def stream_files(specs_dir: Path, srpms_dir: Path, rpms_dir: Path) -> dict[str, list[Path]]:
    """The spec files, source RPMs and binary RPMs a stream's workspace holds for a target."""
    return {
        "specs": sorted((specs_dir / "SPECS").glob("*.spec")) if specs_dir.is_dir() else [],
        "srpms": sorted(srpms_dir.rglob("*.src.rpm")) if srpms_dir.is_dir() else [],
        "rpms": sorted(p for p in rpms_dir.rglob("*.rpm") if not p.name.endswith(".src.rpm"))
        if rpms_dir.is_dir()
        else [],
    }
