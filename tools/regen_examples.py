"""Regenerate every committed output of ``examples/vllm/``, or check that none has drifted.

Usage (from the repository root)::

    .venv/bin/python tools/regen_examples.py           # rewrite examples/vllm/ outputs
    .venv/bin/python tools/regen_examples.py --check   # compare, print a diff, exit 1 on drift

Every command of the walkthrough (``examples/vllm/README.md``) is listed once, in
``CAPTURES`` below, exactly as the README spells it.  The script runs them offline, in a
scratch directory laid out like a checkout (``recipes/vllm.toml`` copied, ``tests/``
linked), with its own empty cache, config and state directories, so nothing depends on the
user's caches or on ``~/.config/copr``.  What the commands print is written to
``examples/vllm/output/``; the files they write (the lock, a few specs, the graph) are
copied next to it.  The README's ``<!-- BEGIN generated:... -->`` blocks are refilled from
the lock and the outputs, and every ``streams ...`` line in the README's code blocks must be
one of the commands run here (or say ``# not run here``).

Filters, so that outputs do not depend on the machine:

* the scratch directory's path is replaced by ``.`` (``file://`` URLs by ``file://$PWD``),
  the checkout's path by ``.``;
* ``SOURCE_DATE_EPOCH`` is unset, so specgen uses its fixed changelog date (2000-01-01);
* stdout is a pipe, so the CLI renders tables 200 columns wide and never shows progress;
  trailing blanks of every line are dropped;
* the SVG graph embeds the Graphviz version and its layout depends on it: ``--check``
  compares the SVG only when the local ``dot`` has the version recorded in the committed
  file (the DOT source, which is ours, is always compared byte for byte).
* the report's screenshot (``output/report.png``, headless Chromium) is checked for being
  there, not byte for byte: its pixels depend on Chromium and the fonts (the page itself,
  ``output/report.html``, is compared byte for byte).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "vllm"
REGEN_COMMAND = ".venv/bin/python tools/regen_examples.py"

INDEX = "tests/data/index/vllm/simple"
INDEX_CPU = "tests/data/index/vllm-cpu/simple"
SEEDS = "tests/data/specgen/vllm/buildinfo"
F44 = "fedora-44-x86_64"
F45 = "fedora-45-x86_64"
SPECS44 = f"specgen/vllm/{F44}/SPECS"


@dataclass(frozen=True, slots=True)
class Capture:
    """One walkthrough command: its stdout (and stderr) go to ``output``.

    ``files`` maps a file the command writes (relative to the scratch checkout) to where it is
    committed (relative to ``examples/vllm/``).  ``header`` prefixes the capture with the
    ``$ command`` line; off for outputs that must stay valid in their own format (DOT).
    ``exit_code`` is the status the command must end with (recorded in the capture when it
    is not 0).
    """

    output: str | None
    command: str
    files: Mapping[str, str] = field(default_factory=dict)
    header: bool = True
    exit_code: int = 0


#: One lock command per variant, each against the index recorded for its closure; the second
#: keeps what the first wrote and adds its own closure.
LOCKS = (
    Capture(
        "output/lock-summary.txt",
        f"streams lock vllm --variant cuda --offline --index-url {INDEX} --seed {SEEDS}",
    ),
    Capture(
        "output/lock-summary-cpu.txt",
        f"streams lock vllm --variant cpu --offline --index-url {INDEX_CPU} --seed {SEEDS}",
        files={"recipes/vllm.lock.toml": "vllm.lock.toml"},
    ),
)
SPECS_CPU44 = f"specgen/vllm-cpu/{F44}/SPECS"
REPORT = "output/report.html"
#: The report's screenshot (headless Chromium, tools/devkit/chromium.py): the cuda closure on
#: fedora-44 with torchvision selected (a bundled wheel whose NVIDIA libraries Fedora does not
#: allow); compared only for being there, its pixels depend on Chromium and the fonts.
REPORT_PNG = "output/report.png"
REPORT_VIEW = f"cuda/{F44}:torchvision"
COMMITTED_CPU_SPECS = ("vllm-cpu-stream", "vllm-cpu-stream-python3-vllm")

#: The specs committed for reading: the metapackage, the runtime, two repackaged wheels, a
#: pure-Python sdist and an sdist with a C extension.
COMMITTED_SPECS = (
    "vllm-stream",
    "vllm-stream-runtime",
    "vllm-stream-python3-torch",
    "vllm-stream-python3-vllm",
    "vllm-stream-python3-astor",
    "vllm-stream-python3-multidict",
)

CAPTURES: tuple[Capture, ...] = (
    Capture("output/validate.txt", "streams validate vllm"),
    Capture(
        "output/base-query-fedora-44.txt",
        f"streams base query --target {F44} 'python3dist(torch)' 'python3dist(numpy)'",
    ),
    Capture(
        "output/base-query-fedora-45.txt",
        f"streams base query --target {F45} 'python3dist(torch)' 'python3dist(numpy)' "
        "'python3.14dist(numpy)'",
        exit_code=1,
    ),
    Capture("output/show-fedora-44.txt", f"streams show vllm --target {F44}"),
    Capture("output/show-fedora-45.txt", f"streams show vllm --target {F45}"),
    Capture("output/why-torch.txt", f"streams why vllm torch --target {F44}"),
    Capture("output/why-torchvision.txt", f"streams why vllm torchvision --target {F44}"),
    Capture("output/why-numpy-fedora-44.txt", f"streams why vllm numpy --target {F44}"),
    Capture("output/why-numpy-fedora-45.txt", f"streams why vllm numpy --target {F45}"),
    Capture(
        "output/graph-fedora-44.dot",
        f"streams graph vllm --target {F44} --format dot",
        header=False,
    ),
    Capture(
        None,
        f"streams graph vllm --target {F44} --format svg -o vllm-fedora-44.svg",
        files={"vllm-fedora-44.svg": "output/graph-fedora-44.svg"},
    ),
    Capture(
        "output/specs-fedora-44.txt",
        f"streams specgen vllm --target {F44} --seed {SEEDS} --no-sources",
        files={f"{SPECS44}/{n}.spec": f"output/specs/{n}.spec" for n in COMMITTED_SPECS},
    ),
    Capture(
        "output/specs-fedora-45.txt",
        f"streams specgen vllm --target {F45} --seed {SEEDS} --no-sources",
    ),
    Capture("output/show-cpu-fedora-44.txt", f"streams show vllm --variant cpu --target {F44}"),
    Capture("output/why-torch-cpu.txt", f"streams why vllm torch --variant cpu --target {F44}"),
    Capture(
        "output/licenses-cpu.txt",
        f"streams show vllm --variant cpu --target {F44} --licenses",
    ),
    Capture(
        "output/specs-cpu-fedora-44.txt",
        f"streams specgen vllm --variant cpu --target {F44} --seed {SEEDS} --no-sources",
        files={f"{SPECS_CPU44}/{n}.spec": f"output/specs/{n}.spec" for n in COMMITTED_CPU_SPECS},
    ),
    Capture(
        "output/copr-dry-run-cpu.txt", "streams build vllm --variant cpu --backend copr --dry-run"
    ),
    Capture(
        "output/manifest-containerfile-cpu.txt",
        "streams manifest vllm --variant cpu --format containerfile "
        "--repo-url https://example.org/vllm-cpu-stream/fedora-44-x86_64/",
    ),
    Capture(
        None,
        f"streams report vllm --drift --offline --index-url {INDEX} "
        f"--index-url cpu={INDEX_CPU} -o report.html",
        files={"report.html": REPORT},
    ),
    Capture(
        "output/outdated.txt",
        f"streams outdated vllm --variant cuda --offline --index-url {INDEX}",
        exit_code=1,
    ),
    Capture(
        "output/sbom-fedora-44.txt",
        f"streams sbom vllm --variant cuda --target {F44} -o sbom.cdx.json",
        files={"sbom.cdx.json": "output/sbom-fedora-44.cdx.json"},
    ),
    Capture("output/copr-dry-run.txt", "streams build vllm --backend copr --dry-run"),
    Capture("output/mock-dry-run.txt", "streams build vllm --backend mock --dry-run"),
    Capture(
        "output/koji-dry-run.txt",
        "streams build vllm --backend koji --koji-hub https://koji.example.org/kojihub --dry-run",
    ),
    Capture(
        "output/manifest-containerfile.txt",
        "streams manifest vllm --format containerfile "
        "--repo-url https://example.org/vllm-stream/fedora-44-x86_64/",
    ),
)

ALL_CAPTURES = (CAPTURES[0], *LOCKS, *CAPTURES[1:])

SVG = "output/graph-fedora-44.svg"
_GRAPHVIZ_VERSION = re.compile(r"graphviz version ([^\s(]+)")


class RegenError(Exception):
    """A walkthrough command failed or the README is inconsistent."""


def streams_argv() -> list[str]:
    """The ``streams`` console script beside this interpreter (the venv's)."""
    script = Path(sys.executable).parent / "streams"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from streams.cli import main; main()"]


def scratch_env(work: Path) -> dict[str, str]:
    """An environment that makes the commands independent of the user's machine state."""
    drop = ("STREAMS_", "COPR_", "KOJI_", "UV_", "XDG_", "PIP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("SOURCE_DATE_EPOCH", None)
    env.update(
        HOME=str(work / "home"),
        XDG_CACHE_HOME=str(work / "home" / ".cache"),
        XDG_CONFIG_HOME=str(work / "home" / ".config"),
        XDG_STATE_HOME=str(work / "home" / ".state"),
        STREAMS_CACHE_DIR=str(work / "cache"),
        LC_ALL="C.UTF-8",
        TZ="UTC",
        COLUMNS="200",
        NO_COLOR="1",
    )
    return env


def make_scratch(work: Path) -> Path:
    """A directory that looks like a checkout to the commands: recipes/ copied, tests/ linked."""
    checkout = work / "checkout"
    (checkout / "recipes").mkdir(parents=True)
    shutil.copy2(ROOT / "recipes" / "vllm.toml", checkout / "recipes" / "vllm.toml")
    (checkout / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    (work / "home").mkdir()
    return checkout


def normalize(text: str, checkout: Path) -> str:
    """Replace machine-specific paths (see the module docstring)."""
    for base in sorted({str(checkout), str(checkout.resolve())}, key=len, reverse=True):
        text = text.replace(f"file://{base}", "file://$PWD")
        text = text.replace(base, ".")
    text = text.replace(str(ROOT), ".")
    # rich pads table lines to the console width: trailing blanks carry nothing
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def run_capture(cap: Capture, checkout: Path, env: Mapping[str, str]) -> dict[str, bytes]:
    """Run one command in the scratch checkout; return the committed files it yields."""
    argv = shlex.split(cap.command)
    if argv[0] != "streams":
        raise RegenError(f"not a streams command: {cap.command}")
    proc = subprocess.run(
        # -q: no progress lines on stderr (they carry timings; a capture must be reproducible)
        [*streams_argv(), "-q", *argv[1:]],
        cwd=checkout,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != cap.exit_code:
        raise RegenError(
            f"`{cap.command}` exited {proc.returncode}, not {cap.exit_code}:\n"
            f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    out: dict[str, bytes] = {}
    if cap.output is not None:
        text = normalize(proc.stdout, checkout)
        if proc.stderr:
            text += "--- stderr ---\n" + normalize(proc.stderr, checkout)
        if cap.exit_code:
            text += f"[exit status {cap.exit_code}]\n"
        if cap.header:
            text = f"$ {cap.command}\n{text}"
        out[cap.output] = text.encode()
    for produced, committed in cap.files.items():
        path = checkout / produced
        if not path.is_file():
            raise RegenError(f"`{cap.command}` did not write {produced}")
        data = path.read_bytes()
        if committed.endswith((".toml", ".spec", ".svg", ".txt", ".html")):
            data = normalize(data.decode(), checkout).encode()
        out[committed] = data
    return out


def run_all(work: Path) -> dict[str, bytes]:
    """Run every walkthrough command; the lock first, the rest (reading it) in parallel."""
    checkout = make_scratch(work)
    env = scratch_env(work)
    files = run_capture(CAPTURES[0], checkout, env)
    for lock in LOCKS:
        files.update(run_capture(lock, checkout, env))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        for result in pool.map(lambda c: run_capture(c, checkout, env), CAPTURES[1:]):
            files.update(result)
    return files


# --- README: generated blocks and the command check ------------------------------------------

_BLOCK = re.compile(
    r"(<!-- BEGIN generated:(?P<key>[^ ]+) -->\n)(?P<body>.*?)(<!-- END generated:(?P=key) -->)",
    re.DOTALL,
)


def _targets(lock_text: bytes) -> list[dict[str, object]]:
    data = tomllib.loads(lock_text.decode())
    targets = data["target"]
    assert isinstance(targets, list)
    return targets


def _cuda44(lock_text: bytes) -> dict[str, object]:
    """The cuda variant's fedora-44 closure (the one the README's NVIDIA sections read)."""
    return next(t for t in _targets(lock_text) if t.get("variant") == "cuda" and t["name"] == F44)


def _packages(target: Mapping[str, object]) -> list[dict[str, object]]:
    pkgs = target.get("package", [])
    assert isinstance(pkgs, list)
    return pkgs


def numbers_table(lock_text: bytes) -> str:
    """The per-target numbers of the lock, as a Markdown table."""
    rows = [
        "| variant | target | Python | closure (runtime) | reused from Fedora | bundled "
        "| build-only bundles | lock warnings |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in _targets(lock_text):
        pkgs = _packages(t)
        runtime = [p for p in pkgs if not p.get("build-only", False)]
        reused = sum(1 for p in runtime if p["origin"] == "fedora")
        bundled = sum(1 for p in runtime if p["origin"] == "bundle")
        build_only = sum(1 for p in pkgs if p.get("build-only", False))
        warnings = t.get("warnings", [])
        assert isinstance(warnings, list)
        rows.append(
            f"| {t.get('variant', '')} | `{t['name']}` | {t['python']} (`{t['interpreter']}`) "
            f"| {len(runtime)} | {reused} "
            f"| {bundled} | {build_only} | {len(warnings)} |"
        )
    return "\n".join(rows) + "\n"


def spec_licenses(specgen_output: bytes) -> dict[str, str]:
    """RPM name -> License, from ``streams specgen``'s listing (two columns, indented)."""
    licenses: dict[str, str] = {}
    for line in specgen_output.decode().splitlines():
        m = re.fullmatch(r"  (\S+)\s{2,}(\S.*)", line)
        if m and m.group(1).startswith("vllm-stream"):
            licenses[m.group(1)] = m.group(2)
    return licenses


def nvidia_list(lock_text: bytes, specgen_output: bytes) -> str:
    """The NVIDIA/CUDA distributions bundled for cuda on fedora-44: version, source, License."""
    first = _cuda44(lock_text)
    licenses = spec_licenses(specgen_output)
    lines = [
        "| distribution | version | files in the lock | License in the generated spec |",
        "|---|---|---|---|",
    ]
    for p in _packages(first):
        name = str(p["name"])
        if not (name.startswith(("nvidia-", "cuda-")) and p["origin"] == "bundle"):
            continue
        sources = p.get("sources", [])
        assert isinstance(sources, list)
        kinds = sorted({str(s["kind"]) for s in sources})
        lic = licenses.get(str(p["rpm"]), "?")
        lines.append(f"| {name} | {p['version']} | {' or '.join(kinds) or '-'} | `{lic}` |")
    return "\n".join(lines) + "\n"


#: Distributions whose rows the README quotes from the lock, one per kind of decision.
SAMPLE = ("vllm", "torch", "triton", "torchvision", "numpy", "aiohttp", "anyio", "pydantic")


def sample_table(lock_text: bytes) -> str:
    """A few rows of the lock, every target, as a Markdown table (``streams show``'s columns)."""
    lines = [
        "| variant | target | name | version | origin | rpm | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in _targets(lock_text):
        by_name = {str(p["name"]): p for p in _packages(t)}
        for name in SAMPLE:
            p = by_name.get(name)
            if p is None:
                continue
            reason = str(p["reason"]).replace("|", "\\|")
            lines.append(
                f"| {t.get('variant', '')} | {t['name']} | {name} | {p['version']} | {p['origin']} "
                f"| {p['rpm']} {p['evr']} "
                f"| {reason} |"
            )
    return "\n".join(lines) + "\n"


def warnings_list(lock_text: bytes) -> str:
    """The cuda fedora-44 closure's lock warnings (relaxed build pins), as a Markdown list."""
    first = _cuda44(lock_text)
    warnings = first.get("warnings", [])
    assert isinstance(warnings, list)
    return "".join(f"- {w}\n" for w in warnings)


def render_block(key: str, files: Mapping[str, bytes]) -> str:
    """The body of one ``<!-- BEGIN generated:KEY -->`` block."""
    lock = files["vllm.lock.toml"]
    if key == "numbers":
        return numbers_table(lock)
    if key == "nvidia":
        return nvidia_list(lock, files["output/specs-fedora-44.txt"])
    if key == "sample":
        return sample_table(lock)
    if key == "warnings-fedora-44":
        return warnings_list(lock)
    if key.startswith("repo:"):
        # repo:PATH, a file of the checkout quoted whole (the recipe)
        path = key.removeprefix("repo:")
        lang = {".toml": "toml", ".py": "python"}.get(Path(path).suffix, "text")
        return f"```{lang}\n" + (ROOT / path).read_text() + "```\n"
    if key.startswith("file:"):
        # file:PATH or file:PATH:N (the first N lines)
        _, path, *rest = key.split(":")
        if path not in files:
            raise RegenError(f"README block {key}: no output {path}")
        lines = files[path].decode().splitlines(keepends=True)
        if rest:
            n = int(rest[0])
            lines = lines[:n] + (
                [f"[... {len(lines) - n} more lines in {path}]\n"] if len(lines) > n else []
            )
        return "```text\n" + "".join(lines) + "```\n"
    raise RegenError(f"README: unknown generated block {key!r}")


def fill_readme(readme: str, files: Mapping[str, bytes]) -> str:
    """The README with every generated block refilled."""
    return _BLOCK.sub(
        lambda m: m.group(1) + render_block(m.group("key"), files) + m.group(4), readme
    )


def readme_commands(readme: str) -> list[str]:
    """``streams ...`` command lines of the README's fenced code blocks (continuations joined)."""
    commands: list[str] = []
    in_code = False
    pending = ""
    for raw in readme.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            pending = ""
            continue
        if not in_code:
            continue
        if pending:
            pending += " " + line.rstrip("\\").strip()
        elif line.startswith(("streams ", "$ streams ")):
            pending = line.removeprefix("$ ").rstrip("\\").strip()
        else:
            continue
        if not line.endswith("\\"):
            commands.append(pending)
            pending = ""
    return commands


def check_readme_commands(readme: str) -> list[str]:
    """Problems: README commands that the script does not run (and are not marked so)."""
    run = {" ".join(shlex.split(c.command)) for c in ALL_CAPTURES}
    problems = []
    for cmd in readme_commands(readme):
        if "# not run here" in cmd:
            continue
        try:
            normalized = " ".join(shlex.split(cmd, comments=True))
        except ValueError as exc:
            problems.append(f"README command cannot be parsed ({exc}): {cmd}")
            continue
        if normalized not in run:
            problems.append(
                f"README command is not run by {REGEN_COMMAND}: {cmd}\n"
                "  (add it to CAPTURES, or end the line with `# not run here: WHY`)"
            )
    return problems


def generate(work: Path) -> dict[str, bytes]:
    """Every file under examples/vllm/ that this script owns, keyed by relative path."""
    files = run_all(work)
    readme = (EXAMPLE / "README.md").read_text()
    problems = check_readme_commands(readme)
    if problems:
        raise RegenError("\n".join(problems))
    files["README.md"] = fill_readme(readme, files).encode()
    files[REPORT_PNG] = report_screenshot(files[REPORT], work)
    return files


def report_screenshot(html: bytes, work: Path) -> bytes:
    """A 1280x900 PNG of the report in headless Chromium; without Chromium, the committed one
    (said on stderr)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.devkit.chromium import Chromium, find_chromium

    if find_chromium() is None:
        committed = EXAMPLE / REPORT_PNG
        print(f"warning: no chromium: {REPORT_PNG} kept as committed", file=sys.stderr)
        return committed.read_bytes() if committed.is_file() else b""
    page_file = work / "report-shot.html"
    page_file.write_bytes(html)
    with Chromium(width=1280, height=900) as browser:
        page = browser.open(page_file.as_uri() + "#" + REPORT_VIEW)
        page.evaluate("window.scrollTo(0, 0)")
        png = page.screenshot(work / "report.png")
        if page.errors:
            raise RegenError(f"the report shows errors in Chromium: {page.errors}")
    return png


# --- compare and write ------------------------------------------------------------------------


def graphviz_version(svg: bytes) -> str | None:
    m = _GRAPHVIZ_VERSION.search(svg[:400].decode(errors="replace"))
    return m.group(1) if m else None


def owned_files(base: Path) -> set[str]:
    """Committed files this script owns: README.md, the lock and everything under output/."""
    owned = {p for p in ("README.md", "vllm.lock.toml") if (base / p).is_file()}
    out = base / "output"
    if out.is_dir():
        owned |= {str(p.relative_to(base)) for p in out.rglob("*") if p.is_file()}
    return owned


def compare(files: Mapping[str, bytes], base: Path, *, max_lines: int = 60) -> list[str]:
    """Differences between generated ``files`` and what is committed under ``base``.

    Returns one message per drifted file (a unified diff, cut at ``max_lines``); empty when
    nothing drifted.  The SVG is compared only with the same Graphviz version (see above).
    """
    problems: list[str] = []
    for rel in sorted(set(files) | owned_files(base)):
        path = base / rel
        if rel not in files:
            problems.append(f"{rel}: committed but no longer generated (stale)")
            continue
        if not path.is_file():
            problems.append(f"{rel}: generated but not committed")
            continue
        old, new = path.read_bytes(), files[rel]
        if old == new:
            continue
        if rel == SVG and graphviz_version(old) != graphviz_version(new):
            continue
        if rel == REPORT_PNG:
            continue  # pixels depend on Chromium's version and the fonts
        diff = list(
            difflib.unified_diff(
                old.decode(errors="replace").splitlines(),
                new.decode(errors="replace").splitlines(),
                f"committed/{rel}",
                f"generated/{rel}",
                lineterm="",
            )
        )
        shown = diff[:max_lines] + (
            [f"... ({len(diff) - max_lines} more diff lines)"] if len(diff) > max_lines else []
        )
        problems.append(f"{rel} drifted:\n" + "\n".join(shown))
    return problems


def write(files: Mapping[str, bytes], base: Path) -> list[str]:
    """Write ``files`` under ``base``, removing owned files no longer generated."""
    changed = []
    for rel in sorted(owned_files(base) - set(files)):
        (base / rel).unlink()
        changed.append(f"removed {rel}")
    for rel, data in sorted(files.items()):
        path = base / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        changed.append(f"wrote {rel}")
    return changed


def main(argv: Iterable[str] | None = None, echo: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; exit 1 on drift"
    )
    parser.add_argument(
        "--keep", type=Path, help="run in this directory and keep it (default: a temporary one)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=False)
            files = generate(args.keep)
        else:
            with tempfile.TemporaryDirectory(prefix="streams-examples-") as tmp:
                files = generate(Path(tmp))
    except RegenError as exc:
        echo(f"error: {exc}")
        return 2
    if args.check:
        problems = compare(files, EXAMPLE)
        for p in problems:
            echo(p)
        if problems:
            echo(f"examples/vllm/ drifted from what the commands print; run: {REGEN_COMMAND}")
            return 1
        echo(f"examples/vllm/: {len(files)} files up to date")
        return 0
    for line in write(files, EXAMPLE):
        echo(line)
    echo(f"examples/vllm/: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
