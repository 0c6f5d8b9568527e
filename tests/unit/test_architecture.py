"""The dependency rule of docs/architecture.md, checked on the source.

* A module imports only from its own room or a lower one (the order is read from the
  ``Rooms, top to bottom:`` line of docs/architecture.md, so the doc and this test agree).
* No module outside ``streams/infra`` runs subprocesses itself: everything goes through
  :func:`streams.infra.proc.run`.
* No module imports another package's private (``_name``) module.
* Tooling (``tools/``, ``bench/``) never imports ``tests``.

Each checker is also run on a small synthetic tree, so a checker that cannot fail is caught.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "streams"
# Files shipped as data, not modules of the package: the install helper runs inside an RPM
# build (streams-install.py is copied into SOURCES) and may call what it likes.
NOT_MODULES = (PACKAGE / "specgen" / "templates",)
# Rooms that hold no code of a stage: the package's own __init__ (version) and its data.
NEUTRAL = {"__init__", "data"}
_SUBPROCESS_CALLS = {"system", "popen", "spawnl", "spawnv", "execv", "execvp", "execve"}


def room_order(doc: Path = ROOT / "docs" / "architecture.md") -> list[str]:
    """The rooms named on the doc's ``Rooms, top to bottom:`` line, highest first."""
    m = re.search(r"^Rooms, top to bottom: `([^`]+)`", doc.read_text(encoding="utf-8"), re.M)
    assert m, f"{doc} has no 'Rooms, top to bottom: `...`' line"
    return [r.strip() for r in m.group(1).split("→")]


def modules(package: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*.py")):
        if any(path.is_relative_to(d) for d in NOT_MODULES):
            continue
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports (absolute names), with the line, at any depth."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            yield name, node.lineno
            for alias in node.names:  # ``from streams import targets`` imports a module
                yield f"{name}.{alias.name}", node.lineno


def room_of(module: str, top: str) -> str | None:
    parts = module.split(".")
    if parts[0] != top or len(parts) < 2 or parts[1] in NEUTRAL:
        return None
    return "cli" if parts[1] == "__main__" else parts[1]


def layering_violations(package: Path, order: list[str]) -> list[str]:
    top = package.name
    out = []
    for module, path in modules(package):
        src = room_of(module, top)
        for name, line in imported(module, path):
            dst = room_of(name, top)
            if src is None or dst is None or dst == src or dst not in order:
                continue
            if src not in order:
                out.append(f"{path}:{line}: {module} is in no room of the rule")
            elif order.index(dst) < order.index(src):
                out.append(f"{path}:{line}: {module} ({src}) imports {name} ({dst}), a higher room")
    return out


def subprocess_violations(package: Path, allowed: str = "infra") -> list[str]:
    out = []
    for module, path in modules(package):
        if room_of(module, package.name) == allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            hit = None
            if isinstance(node, ast.Import) and any(
                a.name.split(".")[0] == "subprocess" for a in node.names
            ):
                hit = "imports subprocess"
            elif isinstance(node, ast.ImportFrom) and node.module == "subprocess":
                hit = "imports from subprocess"
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and node.attr in _SUBPROCESS_CALLS
            ):
                hit = f"calls os.{node.attr}"
            if hit:
                out.append(f"{path}:{node.lineno}: {module} {hit} (use streams.infra.proc.run)")
    return out


def private_import_violations(package: Path) -> list[str]:
    out = []
    for module, path in modules(package):
        for name, line in imported(module, path):
            parts = name.split(".")
            if parts[0] != package.name:
                continue
            private = next((i for i, p in enumerate(parts) if p.startswith("_")), None)
            if private is None or parts[private].startswith("__"):
                continue
            owner = ".".join(parts[:private])
            if module != owner and not module.startswith(owner + "."):
                out.append(f"{path}:{line}: {module} imports the private module {name}")
    return out


def tooling_imports_tests(dirs: list[Path]) -> list[str]:
    out = []
    for folder in dirs:
        for path in sorted(folder.rglob("*.py")):
            for name, line in imported(path.stem, path):
                if name == "tests" or name.startswith("tests."):
                    out.append(f"{path}:{line}: imports {name}")
    return out


# -- the project -----------------------------------------------------------------------------


def test_every_room_of_the_package_is_in_the_rule() -> None:
    order = room_order()
    rooms = {room_of(m, "streams") for m, _ in modules(PACKAGE)} - {None}
    assert rooms <= set(order), f"rooms missing from docs/architecture.md: {rooms - set(order)}"


def test_no_module_imports_a_higher_room() -> None:
    assert layering_violations(PACKAGE, room_order()) == []


def test_only_infra_runs_subprocesses() -> None:
    assert subprocess_violations(PACKAGE) == []


def test_no_module_imports_another_packages_private_module() -> None:
    assert private_import_violations(PACKAGE) == []


def test_tooling_never_imports_tests() -> None:
    assert tooling_imports_tests([ROOT / "tools", ROOT / "bench"]) == []


# -- the checkers catch what they are for ----------------------------------------------------


def _tree(tmp: Path, files: dict[str, str]) -> Path:
    pkg = tmp / "pkg"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return pkg


def test_checkers_flag_violations(tmp_path: Path) -> None:
    pkg = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "low/__init__.py": "def f():\n    from pkg.high import x\n",
            "low/_impl.py": "",
            "high/__init__.py": "from pkg.low import _impl\nfrom ..low import f\n",
            "high/run.py": "import subprocess\nimport os\nos.system('true')\n",
            "infra/__init__.py": "import subprocess\n",
        },
    )
    order = ["high", "low", "infra"]
    assert [v.split(": ", 1)[1] for v in layering_violations(pkg, order)] == [
        "pkg.low (low) imports pkg.high (high), a higher room",
        "pkg.low (low) imports pkg.high.x (high), a higher room",
    ]
    subs = subprocess_violations(pkg)
    assert len(subs) == 2 and all("pkg.high.run" in s for s in subs)
    assert [v.split(": ", 1)[1] for v in private_import_violations(pkg)] == [
        "pkg.high imports the private module pkg.low._impl"
    ]
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "t.py").write_text("from tests.helpers import x\n", encoding="utf-8")
    assert len(tooling_imports_tests([tools])) == 2
