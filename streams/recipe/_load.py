"""Loading recipes: TOML parsing, validation, and problems with file:line:column.

Every problem of a file is collected -- TOML syntax, wrong types, unknown keys, bad values and
the checks that compare fields -- and raised together as one :class:`RecipeError`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

import streams
from streams import targets as _targets
from streams.errors import Problem, RecipeError, UsageError
from streams.recipe._locate import KeyPath, Position, SourceMap, locate
from streams.recipe._models import (
    DIST_PLACEHOLDER,
    PYTHON_RE,
    Recipe,
    closest,
    toml_type,
)

_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# tomllib's messages end in "(at line L, column C)" or "(at end of document)" (CPython
# Lib/tomllib/_parser.py, suffixed_err()).
_TOML_POS_RE = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)

_ARRAY_EXAMPLES: dict[str, str] = {
    "targets": '["fedora-45-x86_64"]',
    "exports": '["vllm"]',
    "bundle": '["torch"]',
    "fedora": '["numpy"]',
    "abi-coupled": '["torch", "numpy"]',
    "build-requires": '["cmake", "gcc-c++"]',
    "extras": '["audio"]',
}

_EXAMPLES: dict[str, str] = {
    "name": '"vllm"',
    "summary": '"one line saying what the stream is"',
    "license": '"MIT"',
    "targets": '["fedora-44-x86_64", "fedora-45-x86_64"]',
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """One recipe file after loading: the recipe (if valid), its problems, its source map."""

    path: Path
    recipe: Recipe | None
    problems: tuple[Problem, ...]
    source_map: SourceMap

    def position(self, path: KeyPath) -> Position | None:
        return self.source_map.find(path)


@dataclass(frozen=True, slots=True)
class Report:
    """The result of checking several recipes: the valid ones and every problem found."""

    recipes: tuple[Recipe, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# -- paths ----------------------------------------------------------------------------------------


def shipped_recipes_dir() -> Path:
    """The recipes shipped with streams: in a checkout, ``recipes/`` next to the package."""
    return Path(streams.__file__).resolve().parent.parent / "recipes"


def _relative(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it (shorter messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def recipe_dirs() -> tuple[Path, ...]:
    """Where recipe names are looked up, in order: ``./recipes``, then the shipped recipes."""
    local = Path("recipes")
    shipped = shipped_recipes_dir()
    if local.resolve() == shipped:
        return (local,)
    return (local, _relative(shipped))


def find_recipe(name_or_path: str) -> Path:
    """Resolve a recipe argument: an existing path or a ``*.toml`` path as given, else
    ``./recipes/NAME.toml``, else the shipped ``NAME.toml``.  Raises UsageError otherwise."""
    path = Path(name_or_path)
    if path.exists() or name_or_path.endswith(".toml") or "/" in name_or_path:
        return path
    looked = [d / f"{name_or_path}.toml" for d in recipe_dirs()]
    for candidate in looked:
        if candidate.is_file():
            return candidate
    available = sorted({p.stem for d in recipe_dirs() if d.is_dir() for p in d.glob("*.toml")})
    hint = f"looked for {', '.join(str(p) for p in looked)}"
    if available:
        guess = closest(name_or_path, available)
        hint += f"; {'did you mean ' + repr(guess) + '? ' if guess else ''}"
        hint += f"available: {', '.join(available)}"
    hint += f"; create one with `streams new {name_or_path}`"
    raise UsageError(f"no recipe named {name_or_path!r}", hint=hint)


# -- loading --------------------------------------------------------------------------------------


def load_recipe(path: Path) -> Recipe:
    """Load and validate one recipe; raise :class:`RecipeError` with all its problems."""
    loaded = load(path)
    if loaded.problems or loaded.recipe is None:
        raise RecipeError(loaded.problems)
    return loaded.recipe


def load(path: Path, *, display: str | None = None) -> Loaded:
    """Load one recipe file and collect its problems (never raises for bad input)."""
    file = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _failed(
            path,
            file,
            "recipe file does not exist",
            "check the path, or use a recipe name such as 'vllm' (see `streams validate --help`)",
        )
    except OSError as exc:
        return _failed(path, file, f"cannot read recipe: {exc.strerror}", None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _failed(path, file, "recipe is not valid UTF-8", "TOML files are UTF-8", line)
    smap = locate(text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Loaded(path, None, (_toml_problem(file, text, str(exc), smap),), smap)

    problems: list[Problem] = []
    recipe: Recipe | None = None
    try:
        # TOML keys are kebab-case only: the Python names (abi_coupled) are for code.
        recipe = Recipe.model_validate(raw, by_alias=True, by_name=False)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose only items were rejected also fails its length check; the item errors
        # already say what is wrong, so drop the length error.
        item_parents = {tuple(e["loc"][:-1]) for e in errors if e["type"] != "too_short"}
        errors = [
            e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in item_parents)
        ]
        # A misspelled required key is reported once, as the misspelling ("did you mean"),
        # not also as a missing key.
        misspelt = {
            (tuple(e["loc"][:-1]), closest(str(e["loc"][-1]), [str(m["loc"][-1])]))
            for e in errors
            if e["type"] == "extra_forbidden"
            for m in errors
            if m["type"] == "missing" and m["loc"][:-1] == e["loc"][:-1]
        }
        errors = [
            e
            for e in errors
            if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), e["loc"][-1]) in misspelt)
        ]
        problems += [_pydantic_problem(file, raw, smap, err) for err in errors]
    problems += _semantic_problems(file, raw, smap)
    problems += _spec_problems(path, file, raw, smap)
    problems = _dedupe(problems)
    if problems:
        return Loaded(path, None, tuple(problems), smap)
    assert recipe is not None
    recipe._attach(path, hashlib.sha256(data).hexdigest())
    return Loaded(path, recipe, (), smap)


def _failed(
    path: Path, file: str, message: str, hint: str | None, line: int | None = None
) -> Loaded:
    return Loaded(path, None, (Problem(file, line, None, "", message, hint),), SourceMap())


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0, p.path))


def render_path(path: Sequence[str | int]) -> str:
    """``stream.targets[1]``, ``packages."foo bar".url``: a key path as a packager writes it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE_KEY_RE.match(part) else json.dumps(part)
            out += f".{key}" if out else key
    return out


def _problem(file: str, smap: SourceMap, path: KeyPath, message: str, hint: str | None) -> Problem:
    # a key that is missing altogether (a whole table) is reported at the top of the file
    pos = smap.find(path) or Position(1, 1)
    return Problem(file, pos.line, pos.column, render_path(path), message, hint)


# -- TOML syntax ----------------------------------------------------------------------------------


_TOML_HINTS: tuple[tuple[str, str], ...] = (
    ("Cannot overwrite a value", "each key may appear only once in a table; remove or merge one"),
    ("Cannot declare", "each [table] header may appear only once; merge the two tables"),
    ("Unterminated string", "close the string with the quote it starts with"),
    ("Invalid value", 'strings need quotes (name = "vllm"), arrays [ ], inline tables { }'),
    ("Expected '=' after a key", 'a key is followed by "="; keys with spaces or dots need quotes'),
    ("Expected ']' at the end of a table", "close the table header: [stream]"),
    ("Expected newline or end of document", "one key = value per line; quote string values"),
    ("Invalid statement", "each line is key = value, a [table] header or a # comment"),
)


def _key_on_line(smap: SourceMap, line: int, col: int | None) -> KeyPath:
    """The last key path defined on ``line`` at or before ``col`` (the scanner is lenient, so
    it has usually seen the statement tomllib rejected)."""
    on_line = [
        (pos.column, len(path), path)
        for path, pos in smap.positions.items()
        if pos.line == line and (col is None or pos.column <= col)
    ]
    best: KeyPath = max(on_line)[2] if on_line else ()
    return best


def _toml_problem(file: str, text: str, error: str, smap: SourceMap) -> Problem:
    m = _TOML_POS_RE.match(error)
    message = m.group("msg") if m else error
    line: int | None
    col: int | None
    if m and m.group("line"):
        line, col = int(m.group("line")), int(m.group("col"))
    else:
        line, col = text.count("\n") + (0 if text.endswith("\n") else 1), None
    path = ""
    if message.startswith(("Cannot overwrite", "Cannot declare")) and smap.duplicates:
        dup_path, pos = smap.duplicates[0]
        path = render_path(dup_path)
        first = smap.positions.get(dup_path)
        message = f"{path or 'key'} is defined twice" + (
            f" (first on line {first.line})" if first else ""
        )
        line, col = pos.line, pos.column
    elif line is not None:
        path = render_path(_key_on_line(smap, line, col))
    hint = next((h for prefix, h in _TOML_HINTS if message.startswith(prefix)), None)
    if message.endswith("defined twice") or "defined twice (" in message:
        hint = "each key and table may appear only once; remove or merge one"
    return Problem(
        file, line, col, path, f"TOML syntax error: {message}", hint or "see https://toml.io"
    )


# -- pydantic errors ------------------------------------------------------------------------------


def _get(raw: Any, path: Sequence[str | int]) -> Any:
    cur = raw
    for part in path:
        in_table = isinstance(cur, dict) and isinstance(part, str) and part in cur
        in_array = isinstance(cur, list) and isinstance(part, int) and part < len(cur)
        if not (in_table or in_array):
            return None
        cur = cur[part]
    return cur


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is None:
            return tp
        args = [a for a in get_args(tp) if a is not type(None)]
        if origin in (dict, tuple, list):
            return tp
        if not args:
            return tp
        # Annotated[X, ...] -> X; X | None -> X
        tp = args[0]


def _model_at(path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class whose keys live at ``path`` (for "did you mean" and "valid keys")."""
    tp: Any = Recipe
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next(
                (f for n, f in tp.model_fields.items() if part in (n, f.alias)),
                None,
            )
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) in (tuple, list):
            tp = get_args(tp)[0]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _where(path: Sequence[str | int]) -> str:
    return "the top level" if not path else f"[{render_path(path)}]"


def _pydantic_problem(file: str, raw: Any, smap: SourceMap, err: ErrorDetails) -> Problem:
    loc: list[str | int] = [p for p in err["loc"] if p != "[key]"]
    is_key = "[key]" in err["loc"]
    # requires shorthand: `torch = ">=2"` is validated as { version = ">=2" }
    shorthand = len(loc) == 3 and loc[0] == "requires" and loc[2] == "version"
    if shorthand and isinstance(_get(raw, loc[:2]), str):
        loc = loc[:2]
    path = tuple(loc)
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = err.get("input")
    key = str(loc[-1]) if loc else ""
    message = err["msg"]
    hint: str | None = None

    if kind == "recipe":
        message = str(ctx.get("message", message))
        hint = ctx.get("hint")
        if hint:
            dist = str(loc[1]) if len(loc) > 1 and loc[0] == "requires" else "torch"
            hint = hint.replace(f"{DIST_PLACEHOLDER} =", f"{dist} =")
    elif kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        valid = _keys(model) if model else []
        what = "table" if isinstance(value, dict) else "key"
        message = f"unknown {what} {key!r} in {_where(loc[:-1])}"
        guess = closest(key, valid) or closest(key.replace("_", "-"), valid)
        if guess:
            hint = f"did you mean {guess!r}?"
        elif valid:
            hint = f"valid keys: {', '.join(valid)}"
        if not loc[:-1] and guess is None:
            hint = "valid tables: " + ", ".join(f"[{k}]" for k in valid)
    elif kind == "missing":
        if len(loc) == 1:
            message = f"missing [{key}] table"
            hint = f"add a [{key}] table (see docs/recipes.md)"
        else:
            message = f"missing required key {key!r} in {_where(loc[:-1])}"
            hint = f"add {key} = {_EXAMPLES.get(key, '...')}"
    elif kind in ("too_short", "string_too_short"):
        message = f"{key} must not be empty"
        hint = {
            "targets": 'list at least one target, e.g. targets = ["fedora-45-x86_64"]',
            "requires": 'add at least one distribution under [requires], e.g. vllm = "==0.33.0"',
        }.get(key, f"give {key} a value")
    elif kind == "string_too_long":
        message = f"{key} is too long (at most {ctx.get('max_length')} characters)"
        hint = "shorten it"
    elif kind == "string_type":
        message = f"expected a string, got {toml_type(value)} {_show(value)}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            hint = f'put it in quotes: {key} = "{value}"'
        else:
            hint = 'a quoted string, e.g. "..."'
    elif kind in ("tuple_type", "list_type"):
        message = f"expected an array, got {toml_type(value)} {_show(value)}"
        if isinstance(value, str):
            hint = f"write an array: {key} = [{json.dumps(value)}]"
        else:
            example = _ARRAY_EXAMPLES.get(key, '["..."]')
            hint = f"an array of strings, e.g. {key} = {example}"
    elif kind == "bool_type":
        message = f"expected true or false, got {toml_type(value)} {_show(value)}"
        hint = f"{key} = true or {key} = false (no quotes)"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"expected a table, got {toml_type(value)} {_show(value)}"
        hint = (
            f"write a [{render_path(loc)}] table with key = value lines, or an inline table"
            " { key = value }"
        )
    elif kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        message = f"invalid value {_show(value)}"
        choices = re.findall(r"'([^']*)'", expected)
        guess = closest(str(value), choices) if isinstance(value, str) else None
        hint = (f"did you mean {guess!r}? " if guess else "") + f"valid values: {expected}"
    elif kind == "string_pattern_mismatch":
        message = f"invalid value {_show(value)}"
        hint = f"must match {ctx.get('pattern')}"
    if is_key and kind != "recipe":
        message = f"invalid key {key!r}: {message}"
    return _problem(file, smap, path, message, hint)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- checks across fields -------------------------------------------------------------------------


def _semantic_problems(file: str, raw: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """Checks that compare several fields.  They run on the raw TOML data, defensively, so
    they report even when other parts of the file have the wrong type."""
    out: list[Problem] = []

    def line_of(path: KeyPath) -> str:
        pos = smap.find(path)
        return f"line {pos.line}" if pos else "elsewhere"

    # 1. the same distribution spelled twice ([requires] and [packages])
    for table in ("requires", "packages"):
        entries = raw.get(table)
        if not isinstance(entries, dict):
            continue
        first: dict[str, str] = {}
        for name in entries:
            canon = canonicalize_name(name)
            if canon in first:
                other = first[canon]
                out.append(
                    _problem(
                        file,
                        smap,
                        (table, name),
                        f"{name!r} and {other!r} ({line_of((table, other))}) are the same "
                        f"distribution ({canon})",
                        "names are compared after PEP 503 normalisation (case, '-', '_' and '.'"
                        " are the same); keep one entry",
                    )
                )
            else:
                first[canon] = name

    # 2. a distribution both always bundled and always from Fedora
    policy = raw.get("policy")
    if isinstance(policy, dict):
        bundle, fedora = policy.get("bundle"), policy.get("fedora")
        if isinstance(bundle, list) and isinstance(fedora, list):
            bundled = {canonicalize_name(b): i for i, b in enumerate(bundle) if isinstance(b, str)}
            for i, name in enumerate(fedora):
                if isinstance(name, str) and canonicalize_name(name) in bundled:
                    bundle_line = line_of(("policy", "bundle", bundled[canonicalize_name(name)]))
                    out.append(
                        _problem(
                            file,
                            smap,
                            ("policy", "fedora", i),
                            f"{name!r} is in both policy.bundle ({bundle_line}) and policy.fedora",
                            "a distribution is either always bundled or always taken from "
                            "Fedora; remove it from one of the lists",
                        )
                    )

    # 3. per-target interpreters
    stream = raw.get("stream")
    alternative: dict[str, str] = {}
    if isinstance(stream, dict) and isinstance(stream.get("python"), dict):
        listed = stream.get("targets")
        target_list = (
            [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else None
        )
        for tname, version in stream["python"].items():
            target = _targets.TARGETS.get(tname)
            if target is None:
                continue  # the model reports unknown targets
            if target_list is not None and tname not in target_list:
                out.append(
                    _problem(
                        file,
                        smap,
                        ("stream", "python", tname),
                        f"python is set for {tname!r}, which is not in stream.targets",
                        f"add {tname!r} to targets, or remove this entry (targets: "
                        f"{', '.join(target_list) or 'none'})",
                    )
                )
                continue
            if not isinstance(version, str) or not PYTHON_RE.match(version):
                continue  # the model reports the type or format
            interps = target.interpreters()
            if version not in {i.version for i in interps}:
                choices = ", ".join(i.version + (" (main)" if i.main else "") for i in interps)
                out.append(
                    _problem(
                        file,
                        smap,
                        ("stream", "python", tname),
                        f"{tname} has no Python {version}",
                        f"interpreters Fedora builds for {tname}: {choices}",
                    )
                )
            elif version != target.python:
                alternative[tname] = version

    # 4. "must come from Fedora" cannot hold where the stream runs on a non-main Python
    if alternative and isinstance(policy, dict) and isinstance(policy.get("fedora"), list):
        where = ", ".join(f"{t} (Python {v})" for t, v in sorted(alternative.items()))
        for i, name in enumerate(policy["fedora"]):
            if isinstance(name, str):
                out.append(
                    _problem(
                        file,
                        smap,
                        ("policy", "fedora", i),
                        f"{name!r} cannot come from Fedora on {where}: Fedora builds its "
                        "python3-* packages for the main Python only",
                        "remove it from policy.fedora, or drop the python entry to use the "
                        "target's main Python",
                    )
                )

    # 5. a source override needs both url and sha256
    packages = raw.get("packages")
    if isinstance(packages, dict):
        for dist, settings in packages.items():
            if not isinstance(settings, dict):
                continue
            has_url, has_sum = "url" in settings, "sha256" in settings
            if has_url and not has_sum:
                out.append(
                    _problem(
                        file,
                        smap,
                        ("packages", dist, "url"),
                        "url without sha256",
                        'add sha256 = "<64 hex digits>" (run `sha256sum` on the file) so the '
                        "download is verified",
                    )
                )
            elif has_sum and not has_url:
                out.append(
                    _problem(
                        file,
                        smap,
                        ("packages", dist, "sha256"),
                        "sha256 without url",
                        "sha256 checks the file at url: add url, or remove sha256",
                    )
                )

    # 6. two variants, or a variant and the recipe, with the same stream name (RPM names)
    variants = raw.get("variants")
    if isinstance(variants, dict) and isinstance(stream, dict):
        own = stream.get("name")
        names: dict[str, str] = {}
        for vname, vsec in variants.items():
            if not isinstance(vsec, dict):
                continue
            sname = vsec.get("name", f"{own}-{vname}")
            if not isinstance(sname, str):
                continue
            if sname in names:
                out.append(
                    _problem(
                        file,
                        smap,
                        ("variants", vname, "name") if "name" in vsec else ("variants", vname),
                        f"variants {names[sname]!r} and {vname!r} are both stream {sname!r}",
                        "each variant needs its own stream name (its RPM names and prefix); "
                        "at most one may keep the recipe's own name",
                    )
                )
            names[sname] = vname
            listed = stream.get("targets")
            wanted = vsec.get("targets")
            if isinstance(listed, list) and isinstance(wanted, list):
                for i, t in enumerate(wanted):
                    if isinstance(t, str) and t not in listed:
                        out.append(
                            _problem(
                                file,
                                smap,
                                ("variants", vname, "targets", i),
                                f"variant {vname!r} targets {t!r}, which is not in stream.targets",
                                "a variant builds for some of the stream's targets: "
                                + ", ".join(str(x) for x in listed),
                            )
                        )
    return out


def _spec_problems(path: Path, file: str, raw: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """``[packages.X] spec``: the packager-owned spec must be a file beside the recipe."""
    out: list[Problem] = []
    packages = raw.get("packages")
    if not isinstance(packages, dict):
        return out
    for dist, settings in packages.items():
        spec = settings.get("spec") if isinstance(settings, dict) else None
        if not isinstance(spec, str) or not spec.endswith(".spec") or spec.startswith("/"):
            continue  # the model reports the type or the form
        where = path.parent / spec
        if not where.is_file():
            out.append(
                _problem(
                    file,
                    smap,
                    ("packages", dist, "spec"),
                    f"spec file {spec} does not exist (looked for {where})",
                    "a path relative to the recipe's directory; to start one from Fedora's "
                    f"spec, remove this line, run `streams adopt {path.stem} {dist} --from "
                    f"fedora-NN -o {spec}` and add it again",
                )
            )
    return out


# -- several recipes ------------------------------------------------------------------------------


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def known_recipe_paths() -> list[Path]:
    """Recipe files in ``./recipes`` and the shipped recipes (for collision checks)."""
    seen: dict[Path, Path] = {}
    for d in recipe_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                seen.setdefault(p.resolve(), p)
    return list(seen.values())


def check_recipes(paths: Iterable[Path], *, others: Iterable[Path] | None = None) -> Report:
    """Load every recipe in ``paths`` and report all problems of all files at once.

    Besides each file's own problems, stream names and prefixes must be unique among the given
    recipes, and a prefix must not overlap the prefix of another stream in ``others`` (default:
    ``./recipes`` and the shipped recipes).  A known recipe of the *same* stream name is not a
    collision: a local recipe overrides the shipped one of that name.
    """
    given = [load(p) for p in paths]
    problems = [pr for ld in given for pr in ld.problems]
    good = [ld for ld in given if ld.recipe is not None]
    given_files = {ld.path.resolve() for ld in given}
    known = [
        ld
        for ld in (load(p) for p in (known_recipe_paths() if others is None else others))
        if ld.recipe is not None and ld.path.resolve() not in given_files
    ]

    def where(ld: Loaded, path: KeyPath) -> str:
        pos = ld.position(path)
        return f"{ld.path}:{pos.line}" if pos else str(ld.path)

    def key_of(ld: Loaded) -> KeyPath:
        assert ld.recipe is not None
        return ("stream", "prefix") if ld.recipe.stream.prefix else ("stream", "name")

    bad_files: set[Path] = set()
    for i, ld in enumerate(good):
        r = ld.recipe
        assert r is not None
        file = str(ld.path)
        for earlier in good[:i]:
            e = earlier.recipe
            assert e is not None
            if e.name == r.name:
                problems.append(
                    _problem(
                        file,
                        ld.source_map,
                        ("stream", "name"),
                        f"stream name {r.name!r} is also used by "
                        f"{where(earlier, ('stream', 'name'))}",
                        "stream names must be unique: they name the packages (NAME-stream) and "
                        "the default prefix",
                    )
                )
                bad_files.add(ld.path)
            elif _overlaps(e.prefix, r.prefix):
                problems.append(
                    _problem(
                        file,
                        ld.source_map,
                        key_of(ld),
                        f"prefix {r.prefix} collides with stream {e.name!r} "
                        f"({where(earlier, key_of(earlier))}, prefix {e.prefix})",
                        f'each stream needs its own prefix, e.g. prefix = "/opt/streams/{r.name}"',
                    )
                )
                bad_files.add(ld.path)
        for other in known:
            o = other.recipe
            assert o is not None
            if o.name != r.name and _overlaps(o.prefix, r.prefix):
                problems.append(
                    _problem(
                        file,
                        ld.source_map,
                        key_of(ld),
                        f"prefix {r.prefix} collides with stream {o.name!r} "
                        f"({where(other, key_of(other))}, prefix {o.prefix})",
                        f'each stream needs its own prefix, e.g. prefix = "/opt/streams/{r.name}"',
                    )
                )
                bad_files.add(ld.path)
    recipes = tuple(ld.recipe for ld in good if ld.recipe is not None and ld.path not in bad_files)
    return Report(recipes, tuple(problems))


def validate_recipes(paths: Iterable[Path]) -> list[Recipe]:
    """Load all recipes; raise one :class:`RecipeError` with every problem of every file."""
    report = check_recipes(paths)
    if report.problems:
        raise RecipeError(report.problems)
    return list(report.recipes)
