#!/usr/bin/env python3
"""Survey ``streams adopt`` over Fedora's own ``python-*`` specs.

    .venv/bin/python tools/adopt_survey.py --git-dir /work/.mirror/major+fedora-rpm-specs/repo
    .venv/bin/python tools/adopt_survey.py --specs-dir tests/data/adopt      # a local sample

Which specs (:func:`select_specs`, deterministic): of every ``specs/python-*.spec`` at the
mirror commit (default: the rawhide snapshot's), ordered by the SHA-256 of their name, the
first ``--count // 2`` that build C extensions (a ``BuildRequires: gcc``/``gcc-c++``), then
the first that have a ``%bcond``, then any, until ``--count`` are picked.

Each spec is converted (:func:`streams.specgen.adopt.adopt_spec`, stream ``survey``, every
Python requirement taken as bundled: the hardest case for the firewall) and checked, with the
stream's include in ``%_sourcedir``:

* ``rpmspec -P`` parses it;
* every path of its ``%files`` sections, macros expanded, is under the prefix (relative
  ``%doc``/``%license`` files go to ``%_defaultdocdir``/``%_defaultlicensedir``, which the
  include moves under the prefix too); ``%files -f`` lists are written by streams-install.py
  under the prefix and are not seen here;
* ``rpmspec -q --provides``: every provide is the stream's (``survey-stream-...``).

Debian's rpm has none of Fedora's buildroot macros: the ones the preambles use (``%fedora``,
``%dist``, the forge macros...) are defined as ``tools/make_spec_facts.py`` does, and rpm
4.20's declarative ``BuildSystem:`` lines are commented out (``for_rpm_418``).  The numbers
are in docs/adopt.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.errors import CommandError, StreamsError  # noqa: E402
from streams.infra import proc  # noqa: E402
from streams.specgen.adopt import adopt_spec, macros_filename, macros_text  # noqa: E402
from tools.snapshots.snapshot import get_snapshot  # noqa: E402
from tools.snapshots.specfacts import fedora_macros, for_rpm_418, read_specs  # noqa: E402

STREAM = "survey"
PREFIX = f"/opt/streams/{STREAM}"
_C = re.compile(r"^BuildRequires:\s*.*\b(gcc|gcc-c\+\+)\b", re.MULTILINE)
_BCOND = re.compile(r"^%bcond", re.MULTILINE)
_DEP_WORD = re.compile(
    r"python3dist\(([A-Za-z0-9_.-]+)|%\{py3_dist ([^}]+)\}"
    r"|python(?:3|%\{python3_pkgversion\})-([A-Za-z0-9_.-]+)"
)
_DIRECTIVE = re.compile(
    r"^%(dir|doc|license|config|ghost|verify|exclude|lang|caps|attr|defattr|docdir|readme|"
    r"artifact|missingok)\b(\([^)]*\))?\s*"
)


@dataclass
class Result:
    spec: str
    c_extension: bool
    bcond: bool
    converted: bool = False
    parsed: bool = False
    files_ok: bool = False
    provides_ok: bool = False
    outside: list[str] = field(default_factory=list)
    foreign_provides: list[str] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.converted and self.parsed and self.files_ok and self.provides_ok


def _order(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def classify(text: str) -> tuple[bool, bool]:
    """(builds a C extension, has a %bcond)."""
    return bool(_C.search(text)), bool(_BCOND.search(text))


def select_specs(texts: dict[str, str], count: int) -> list[str]:
    """The rule of the module docstring, over ``{spec name: text}``."""
    names = sorted((n for n in texts if n.startswith("python-")), key=_order)
    flags = {n: classify(texts[n]) for n in names}
    picked = [n for n in names if flags[n][0]][: count // 2]
    picked += [n for n in names if flags[n][1] and n not in picked][: count - len(picked)]
    picked += [n for n in names if n not in picked][: count - len(picked)]
    return sorted(picked, key=_order)


def python_deps(text: str) -> set[str]:
    """Every distribution the spec names as a Python dependency (taken as bundled)."""
    out: set[str] = set()
    for m in _DEP_WORD.finditer(text):
        for group in m.groups():
            if group:
                out.update(group.split())
    return {d for d in out if "%" not in d}


def _defines(fedora: int, python: str) -> list[str]:
    from tools.snapshots.snapshot import SnapshotInfo

    info = SnapshotInfo("survey", fedora, python, "2026-01-01", "0" * 40)
    argv: list[str] = []
    for name, body in fedora_macros(info).items():
        if name.startswith(("py", "python", "__python", "_topdir")):
            continue  # the include's are what a stream build uses
        # (autosetup and autopatch stay no-ops: rpm 4.19's new options fail on Debian's 4.18;
        # %prep is not what is checked here)
        argv += ["--define", f"{name} {body}"]
    return argv


def files_outside(expanded: str, prefix: str) -> list[str]:
    """Absolute paths of the ``%files`` sections of an expanded spec that are not under
    ``prefix``."""
    out: list[str] = []
    in_files = False
    for raw in expanded.splitlines():
        line = raw.strip()
        if line.startswith("%files"):
            in_files = True
            continue
        if re.match(
            r"^%(package|description|changelog|pre|post|preun|postun|pretrans|"
            r"posttrans|trigger\w*|filetriggerin|filetriggerun|verifyscript)\b",
            line,
        ):
            in_files = False
            continue
        if not in_files or not line or line.startswith("#"):
            continue
        while True:
            m = _DIRECTIVE.match(line)
            if not m:
                break
            line = line[m.end() :]
        for path in line.split():
            if path.startswith("/") and not (path == prefix or path.startswith(prefix + "/")):
                out.append(path)
    return out


def _rpm_error(exc: CommandError) -> str:
    lines = (exc.output_tail or "").splitlines()
    errors = [ln.strip() for ln in lines if "error:" in ln] or [ln.strip() for ln in lines[-2:]]
    return " / ".join(errors)[:300] or exc.message[:300]


def survey_one(name: str, text: str, work: Path, defines: list[str], python: str) -> Result:
    c_ext, bcond = classify(text)
    res = Result(name, c_ext, bcond)
    dist = name.removeprefix("python-").removesuffix(".spec")
    text = for_rpm_418(text)
    try:
        adopted = adopt_spec(
            text,
            stream=STREAM,
            dist=dist,
            bundled=python_deps(text),
            origin=f"Fedora's {name}",
        )
    except StreamsError as exc:
        res.error = f"convert: {exc.message}"
        return res
    except Exception as exc:  # a bug in the conversion or in specfile: counted, not fatal
        res.error = f"convert: {type(exc).__name__}: {exc}"[:300]
        return res
    res.converted = True
    res.notes = list(adopted.notes)
    src = work / dist
    src.mkdir(parents=True, exist_ok=True)
    (src / macros_filename(STREAM, dist)).write_text(
        macros_text(
            stream=STREAM,
            dist=dist,
            prefix=PREFIX,
            python_version=python,
            interpreter=f"/usr/bin/python{python}",
        ),
        encoding="utf-8",
    )
    spec = src / name
    spec.write_text(adopted.text, encoding="utf-8")
    base = ["rpmspec", *defines, "--define", f"_sourcedir {src}", "--define", f"_topdir {src}"]
    try:
        expanded = proc.run([*base, "-P", spec], what=f"rpmspec -P {name}", timeout=120).stdout
    except CommandError as exc:
        res.error = "rpmspec -P: " + _rpm_error(exc)
        return res
    res.parsed = True
    res.outside = files_outside(expanded, PREFIX)
    res.files_ok = not res.outside
    try:
        provides = proc.run(
            [*base, "-q", "--provides", spec], what=f"rpmspec -q {name}", timeout=120
        ).stdout
    except CommandError as exc:
        res.error = "rpmspec -q --provides: " + _rpm_error(exc)
        return res
    res.foreign_provides = [
        p.strip() for p in provides.splitlines() if p.strip() and not p.startswith(STREAM + "-")
    ]
    res.provides_ok = not res.foreign_provides
    return res


def survey(texts: dict[str, str], *, fedora: int, python: str) -> list[Result]:
    defines = _defines(fedora, python)
    with tempfile.TemporaryDirectory(prefix="adopt-survey-") as tmp:
        return [survey_one(n, texts[n], Path(tmp), defines, python) for n in sorted(texts)]


def summary(results: list[Result]) -> dict[str, object]:
    def n(pred: object) -> int:
        return sum(1 for r in results if pred(r))  # type: ignore[operator]

    reasons = Counter(r.error.split(":", 1)[0] for r in results if r.error)
    return {
        "specs": len(results),
        "c_extension": n(lambda r: r.c_extension),
        "bcond": n(lambda r: r.bcond),
        "converted": n(lambda r: r.converted),
        "parsed": n(lambda r: r.parsed),
        "files_under_prefix": n(lambda r: r.files_ok),
        "provides_namespaced": n(lambda r: r.provides_ok),
        "all_checks": n(lambda r: r.ok),
        # the stream's package stayed a subpackage (needs a hand edit before streams build)
        "main_package_not_source": n(lambda r: any("stays a subpackage" in x for x in r.notes)),
        "failures_by_step": dict(sorted(reasons.items())),
    }


@click.command()
@click.option("--git-dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--commit", default=None, help="Mirror commit (default: the rawhide snapshot's).")
@click.option(
    "--specs-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Survey the python-*.spec files of this directory instead of the mirror.",
)
@click.option("--count", default=60, show_default=True)
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def main(
    git_dir: Path | None,
    commit: str | None,
    specs_dir: Path | None,
    count: int,
    json_out: Path | None,
) -> None:
    """Convert and check COUNT of Fedora's python-* specs; print the numbers."""
    info = get_snapshot("rawhide")
    if specs_dir is not None:
        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(specs_dir.glob("*.spec"))}
    elif git_dir is not None:
        commit = commit or info.mirror_commit
        listed = proc.run(
            ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", commit, "specs/"],
            what="git ls-tree",
        ).stdout.split()
        names = [p.removeprefix("specs/") for p in listed if p.startswith("specs/python-")]
        with tempfile.TemporaryDirectory() as tmp:
            paths = read_specs(git_dir, commit, names, Path(tmp))
            every = {n: p.read_text(encoding="utf-8", errors="replace") for n, p in paths.items()}
        texts = {n: every[n] for n in select_specs(every, count)}
    else:
        raise click.UsageError("pass --git-dir (the mirror) or --specs-dir")
    results = survey(texts, fedora=info.fedora, python=info.python)
    numbers = summary(results)
    click.echo(json.dumps(numbers, indent=2))
    for r in results:
        if not r.ok:
            detail = r.error or (
                f"outside the prefix: {' '.join(r.outside[:3])}"
                if r.outside
                else f"foreign provides: {' '.join(r.foreign_provides[:3])}"
            )
            click.echo(f"FAIL {r.spec}: {detail}")
    if json_out:
        json_out.write_text(
            json.dumps(
                {"commit": commit, "summary": numbers, "results": [asdict(r) for r in results]},
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
