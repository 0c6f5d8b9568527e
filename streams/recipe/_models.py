"""Pydantic models of the recipe format (``docs/recipes.md``).

Field docstrings become the documentation and the JSON Schema descriptions
(``use_attribute_docstrings``).  Keys are kebab-case in TOML (``abi-coupled``) through aliases.
Validators here check one field at a time and raise :func:`bad` errors that carry a hint; checks
that compare several fields live in :mod:`streams.recipe._checks`, so that every problem of a
file is reported at once even when some fields have the wrong type.
"""

from __future__ import annotations

import difflib
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError

from streams import targets as _targets
from streams.errors import UsageError

MODEL_CONFIG = ConfigDict(
    extra="forbid",
    frozen=True,
    use_attribute_docstrings=True,
    populate_by_name=True,
)

DEFAULT_INDEX = "https://pypi.org/simple/"
DEFAULT_PREFIX_ROOT = "/opt/streams"

# Directories a stream prefix may not live under: the FHS trees that base Fedora packages own
# (https://refspecs.linuxfoundation.org/FHS_3.0/fhs-3.0.html) plus the kernel's virtual file
# systems.  A stream under them could collide with, or be shadowed by, base packages.
FORBIDDEN_PREFIX_ROOTS: tuple[str, ...] = (
    "/usr",
    "/etc",
    "/var",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/boot",
    "/dev",
    "/proc",
    "/sys",
    "/run",
    "/tmp",
    "/root",
    "/home",
    "/mnt",
    "/media",
    "/afs",
)

# RPM package names: rpm accepts [A-Za-z0-9._+-] (rpm's build/parsePreamble.c checks names with
# rpmCharCheck against ".-_+%{}"); we further require lowercase and a leading letter because the
# name becomes the prefix of every package of the stream (NAME-stream-python3-DIST).
STREAM_NAME_RE = re.compile(r"^[a-z][a-z0-9._+-]*$")
# PEP 508 names (https://packaging.python.org/en/latest/specifications/name-normalization/).
DIST_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
COMMAND_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
PYTHON_RE = re.compile(r"^3\.\d{1,2}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PREFIX_CHARS_RE = re.compile(r"^[A-Za-z0-9._+/-]+$")
# One RPM dependency: a name with an optional version comparison, or a rich dependency in
# parentheses (https://rpm-software-management.github.io/rpm/manual/boolean_dependencies.html).
RPM_DEP_RE = re.compile(r"^(\(.+\)|[A-Za-z0-9_.+/()-]+(\s+(<|>|<=|>=|=)\s+[A-Za-z0-9_.+:~^-]+)?)$")

SPECIFIER_EXAMPLE = '">=2.0,<3" or "==2.14.0"'
# Stands for the distribution's name in hints; the loader substitutes the key it was written under.
DIST_PLACEHOLDER = "DIST"


def bad(message: str, hint: str | None = None) -> PydanticCustomError:
    """A validation error whose message and hint reach the packager unchanged."""
    return PydanticCustomError("recipe", "{message}", {"message": message, "hint": hint})


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice closest to ``word`` (for "did you mean ...?"), if any is close enough."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# -- single-value checks ------------------------------------------------------------------------


def check_stream_name(value: str) -> str:
    if not STREAM_NAME_RE.match(value) or len(value) > 64:
        suggestion = re.sub(r"[^a-z0-9._+-]+", "-", value.lower()).strip("-._+")
        hint = (
            "lowercase letters, digits and . _ + -, starting with a letter, at most 64 characters"
            " (the name prefixes every package: NAME-stream, NAME-stream-runtime)"
        )
        if suggestion and STREAM_NAME_RE.match(suggestion):
            hint += f"; e.g. {suggestion!r}"
        raise bad(f"invalid stream name {value!r}", hint)
    if value.endswith("-stream"):
        raise bad(
            f"stream name {value!r} ends in '-stream'",
            f"packages are already called NAME-stream; use {value.removesuffix('-stream')!r}",
        )
    return value


# rpm's changelog line "* DATE NAME <EMAIL> - VERSION-RELEASE" (Fedora's Packaging Guidelines,
# "Changelogs"): a name, then an address in angle brackets; nothing rpm could expand.
PACKAGER_RE = re.compile(r"^[^<>%\s][^<>%\n]*? <[^<>@%\s]+@[^<>@%\s]+>$")


def check_packager(value: str) -> str:
    if not PACKAGER_RE.match(value):
        raise bad(
            f"invalid packager {value!r}",
            'a name and an e-mail address in angle brackets, e.g. "Jane Doe <jane@example.org>"'
            " (no %, as in rpm's %changelog lines)",
        )
    return value


def check_dist_name(value: str) -> str:
    if not DIST_NAME_RE.match(value):
        hint = "a PyPI distribution name: letters, digits, '.', '_' and '-', e.g. 'torch'"
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*[\[<>=!~;@]", value)
        if m:
            hint = f"write only the name here ({m.group(1)!r}); versions belong in [requires]"
        raise bad(f"invalid distribution name {value!r}", hint)
    return value


def check_target(value: str) -> str:
    if value == _targets.HOST:
        raise bad(
            "'host' cannot be a recipe target",
            "host is a command-line-only target (streams lock --target host); list Fedora "
            "targets here, e.g. 'fedora-45-x86_64'",
        )
    if value not in _targets.TARGETS:
        names = _targets.target_names()
        guess = closest(value, names)
        hint = f"did you mean {guess!r}? " if guess else ""
        hint += f"valid targets: {', '.join(names)}"
        raise bad(f"unknown target {value!r}", hint)
    return value


def check_specifier(value: str, dist: str | None = None) -> str:
    """Validate a PEP 440 specifier set; ``""`` and ``"*"`` mean any version."""
    text = value.strip()
    if text in ("", "*"):
        return ""
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        pass
    else:
        return text
    name = dist or DIST_PLACEHOLDER
    hint = f"a PEP 440 version specifier, e.g. {name} = {SPECIFIER_EXAMPLE}"
    if re.match(r"^\d", text):
        hint = f'an exact version needs "==": {name} = "=={text}"'
    elif text.startswith("=") and not text.startswith("=="):
        hint = f'use "==" for an exact version: {name} = "={text}"'
    elif text.startswith("^"):
        hint = f"PEP 440 has no '^' (that is Poetry/npm); write {name} = \">={text[1:]},<...\""
    elif text.startswith("~") and not text.startswith("~="):
        hint = f"PEP 440 spells it '~=': {name} = \"~={text[1:]}\""
    elif re.match(r"^[A-Za-z]", text):
        try:
            req = Requirement(text)
        except InvalidRequirement:
            pass
        else:
            hint = (
                f"the key is already the distribution; write only the specifier: "
                f'{canonicalize_name(req.name)} = "{req.specifier}"'
            )
    elif text.endswith((",", "<", ">", "=", "!")) or ",," in text:
        hint = f"the specifier is incomplete; e.g. {name} = {SPECIFIER_EXAMPLE}"
    raise bad(f"invalid version specifier {value!r}", hint)


def check_prefix(value: str) -> str:
    example = f"{DEFAULT_PREFIX_ROOT}/NAME"
    if not value.startswith("/"):
        raise bad(f"prefix {value!r} is relative", f"an absolute path, e.g. {example}")
    parts = value.split("/")
    if ".." in parts:
        raise bad(f"prefix {value!r} contains '..'", f"a normalised absolute path, e.g. {example}")
    if not PREFIX_CHARS_RE.match(value):
        raise bad(
            f"prefix {value!r} has characters that are not safe in RPM spec files",
            f"letters, digits and . _ + - / only, e.g. {example}",
        )
    if len(value) > 79:
        # every %description names the prefix on a line of its own; rpmlint's Fedora
        # configuration (MaxLineLength 80) makes a longer line an error
        raise bad(
            f"prefix {value!r} is {len(value)} characters long",
            f"at most 79 characters, e.g. {example}",
        )
    normal = posixpath.normpath(value)
    if normal.startswith("//"):
        normal = normal[1:]
    if normal != value:
        raise bad(f"prefix {value!r} is not normalised", f"write {normal!r}")
    for root in FORBIDDEN_PREFIX_ROOTS:
        if value == root or value.startswith(root + "/"):
            raise bad(
                f"prefix {value!r} is under {root}, which base Fedora packages own",
                f"a directory the stream owns alone, e.g. {example} (or /srv/..., /app/...)",
            )
    if value.count("/") < 2:
        raise bad(
            f"prefix {value!r} is a top-level directory",
            "the runtime package owns the whole prefix; use a directory of its own, "
            f"e.g. {example}",
        )
    return value


def check_url(value: str, *, schemes: tuple[str, ...] = ("https", "http", "file")) -> str:
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(\S+)$", value)
    if not m or m.group(1).lower() not in schemes:
        raise bad(
            f"invalid URL {value!r}",
            f"an absolute URL with scheme {' / '.join(s + '://' for s in schemes)}",
        )
    return value


def check_sha256(value: str) -> str:
    if SHA256_RE.match(value):
        return value
    if SHA256_RE.match(value.lower()):
        raise bad("sha256 must be lowercase hex", f"write {value.lower()!r}")
    stripped = value.removeprefix("sha256:")
    if stripped != value and SHA256_RE.match(stripped):
        raise bad("sha256 has a 'sha256:' prefix", f"write only the digest: {stripped!r}")
    raise bad(
        f"sha256 must be 64 hexadecimal characters (got {len(value)})",
        "the output of `sha256sum FILE`, e.g. 'e3b0c442...b855' written out in full",
    )


def check_rpm_dep(value: str) -> str:
    if "%" in value or "\n" in value or "," in value or not RPM_DEP_RE.match(value.strip()):
        raise bad(
            f"invalid RPM dependency {value!r}",
            'one dependency per list item, e.g. "cmake", "gcc-c++", "cmake >= 3.20" '
            'or "pkgconfig(openssl)"; no macros or commas',
        )
    return value.strip()


def check_command(value: str) -> str:
    if not COMMAND_RE.match(value):
        raise bad(
            f"invalid command name {value!r}",
            "a console script name as installed in PREFIX/bin, e.g. 'vllm' (no '/' or spaces)",
        )
    return value


def check_python(value: str) -> str:
    if not PYTHON_RE.match(value):
        raise bad(
            f"invalid Python version {value!r}",
            'MAJOR.MINOR as a string, e.g. "3.14" (the python3.14 package)',
        )
    return value


def _unique(kind: str) -> Any:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        seen: dict[str, str] = {}
        for v in values:
            key = canonicalize_name(v) if kind == "distribution" else v
            if key in seen:
                raise bad(
                    f"{kind} {v!r} is listed twice"
                    + (f" (as {seen[key]!r} and {v!r})" if seen[key] != v else ""),
                    "list each one once",
                )
            seen[key] = v
        return values

    return AfterValidator(check)


_ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_VARIANT_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def check_env_name(value: str) -> str:
    if not _ENV_NAME_RE.match(value):
        raise bad(
            f"invalid environment variable name {value!r}",
            "capitals, digits and '_', not starting with a digit, e.g. VLLM_TARGET_DEVICE",
        )
    return value


def check_env_value(value: str) -> str:
    if "\n" in value or "\r" in value or "\0" in value:
        raise bad("an environment value must be one line", "remove the line break")
    return value


def check_variant_name(value: str) -> str:
    if not _VARIANT_RE.match(value) or len(value) > 20:
        raise bad(
            f"invalid variant name {value!r}",
            'lowercase letters and digits, words joined by "-", at most 20 characters, '
            'e.g. "cpu", "rocm", "cuda"',
        )
    return value


_LICENSE_REF = re.compile(r"^(DocumentRef-[A-Za-z0-9.+-]+:)?LicenseRef-[A-Za-z0-9.+-]+$")


def check_spdx(value: str) -> str:
    """An SPDX license expression (SPDX 2.3 Annex D) of ids the SPDX list has, or
    ``LicenseRef-...`` ones; parsed by license-expression, not by a pattern."""
    from license_expression import ExpressionError, get_spdx_licensing

    licensing = get_spdx_licensing()
    try:
        parsed = licensing.parse(value, validate=False, strict=True)
    except ExpressionError as exc:
        raise bad(f"invalid SPDX license expression {value!r} ({exc})", _SPDX_HINT) from None
    if parsed is None:
        raise bad("empty license expression", _SPDX_HINT)
    unknown = [k for k in licensing.unknown_license_keys(parsed) if not _LICENSE_REF.match(k)]
    if unknown:
        raise bad(f"{', '.join(unknown)}: not on the SPDX license list", _SPDX_HINT)
    return value


_SPDX_HINT = (
    'an SPDX expression, e.g. "MIT", "Apache-2.0 OR MIT", "BSD-3-Clause AND Zlib" '
    "(ids from https://spdx.org/licenses/, or LicenseRef-NAME)"
)

DistName = Annotated[str, AfterValidator(check_dist_name)]
SpdxExpression = Annotated[str, AfterValidator(check_spdx)]
TargetName = Annotated[str, AfterValidator(check_target)]
Command = Annotated[str, AfterValidator(check_command)]
PythonVersion = Annotated[str, AfterValidator(check_python)]
RpmDep = Annotated[str, AfterValidator(check_rpm_dep)]
Url = Annotated[str, AfterValidator(check_url)]


def check_spec_path(value: str) -> str:
    """A spec file named relative to the recipe (whether it exists is checked on load)."""
    if posixpath.isabs(value) or not value.endswith(".spec") or "\\" in value:
        raise bad(
            f"spec {value!r} is not a relative path to a .spec file",
            'a path relative to the recipe, e.g. "specs/torch.spec"',
        )
    return value


SpecPath = Annotated[str, AfterValidator(check_spec_path)]
Sha256 = Annotated[str, AfterValidator(check_sha256)]
DistList = Annotated[tuple[DistName, ...], _unique("distribution")]
EnvName = Annotated[str, AfterValidator(check_env_name)]
EnvValue = Annotated[str, AfterValidator(check_env_value)]
VariantName = Annotated[str, AfterValidator(check_variant_name)]


# -- sections -----------------------------------------------------------------------------------


class StreamSection(BaseModel):
    """``[stream]``: what the stream is called, where it installs, which targets it builds for."""

    model_config = MODEL_CONFIG

    name: Annotated[str, AfterValidator(check_stream_name)]
    """Stream id: lowercase, RPM-name-safe.  Prefixes every package (``NAME-stream``,
    ``NAME-stream-runtime``, ``NAME-stream-python3-DIST``) and names the default prefix."""

    summary: Annotated[str, Field(min_length=1, max_length=200)]
    """One-line summary, used as the Summary of the ``NAME-stream`` metapackage."""

    license: Annotated[str, Field(min_length=1)]
    """SPDX license expression of the recipe's own files (e.g. ``MIT``), not of the bundled code."""

    targets: Annotated[tuple[TargetName, ...], Field(min_length=1), _unique("target")]
    """Fedora targets to build for, e.g. ``["fedora-44-x86_64", "fedora-45-x86_64"]``.
    ``host`` is a command-line-only target and not allowed here."""

    prefix: Annotated[str, AfterValidator(check_prefix)] | None = None
    """Install root of the stream.  Default ``/opt/streams/NAME``.  Absolute, normalised, not
    under ``/usr``, ``/etc``, ``/var`` or another tree base packages own, and not shared with
    another stream, at most 79 characters (each package's ``%description`` names it on a line of
    its own).  Image-mode hosts where ``/opt`` is a link into ``/var`` need another root."""

    exports: Annotated[tuple[Command, ...], _unique("command")] = ()
    """Console scripts of the stream linked into ``/usr/bin``, e.g. ``["vllm"]``."""

    packager: Annotated[str, AfterValidator(check_packager)] | None = None
    """Who the ``%changelog`` entries of the specs name, ``"Name <email>"``.  Default:
    ``$RPM_PACKAGER``, else git's ``user.name`` and ``user.email``, else
    ``streams <streams@localhost>``.  Recorded in the lock when a package changes."""

    python: dict[TargetName, PythonVersion] = Field(default_factory=dict)
    """Per-target interpreter, e.g. ``{ "fedora-45-x86_64" = "3.14" }``.  A target not listed
    uses its main Python (``/usr/bin/python3``).  Any other version must be one of Fedora's
    alternative interpreters on that target (package ``python3.X``); Fedora's ``python3-*``
    packages are built for the main Python only, so on such a target everything is bundled."""


def _requirement_input(value: Any) -> Any:
    """Accept ``"==1.0"`` as shorthand for ``{ version = "==1.0" }``."""
    if isinstance(value, str):
        return {"version": value}
    if isinstance(value, dict):
        return value
    raise bad(
        f"expected a version specifier string or a table, got {toml_type(value)} {value!r}",
        'e.g. torch = ">=2.0,<3", or torch = { version = ">=2.0", extras = ["cuda"] }',
    )


class RequirementSpec(BaseModel):
    """One entry of ``[requires]``: a version specifier, optional extras and an optional marker."""

    model_config = MODEL_CONFIG

    version: str = ""
    """PEP 440 specifier set, e.g. ``"==0.33.0"`` or ``">=2,<3"``; empty for any version."""

    extras: Annotated[tuple[str, ...], _unique("extra")] = ()
    """Extras to install with the distribution, e.g. ``["audio"]``."""

    markers: str | None = None
    """PEP 508 environment marker, e.g. ``"platform_machine == 'x86_64'"``."""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return check_specifier(value)

    @field_validator("extras")
    @classmethod
    def _extras(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for extra in value:
            if not DIST_NAME_RE.match(extra):
                raise bad(f"invalid extra {extra!r}", "letters, digits, '.', '_' and '-'")
        return value

    @field_validator("markers")
    @classmethod
    def _markers(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            Marker(value)
        except InvalidMarker as exc:
            raise bad(
                f"invalid environment marker {value!r}",
                "PEP 508 marker syntax, e.g. \"python_version >= '3.12'\"; "
                + str(exc).splitlines()[0],
            ) from None
        return value

    def to_requirement(self, name: str) -> Requirement:
        """The packaging ``Requirement`` this entry stands for."""
        text: str = canonicalize_name(name)
        if self.extras:
            text += "[" + ",".join(sorted(self.extras)) + "]"
        text += self.version
        if self.markers:
            text += f"; {self.markers}"
        return Requirement(text)


RequirementValue = Annotated[
    RequirementSpec,
    BeforeValidator(_requirement_input, json_schema_input_type=str | RequirementSpec),
]


class PolicySection(BaseModel):
    """``[policy]``: where distributions come from when both Fedora and a bundle would do."""

    model_config = MODEL_CONFIG

    prefer: Literal["fedora", "bundle"] = "fedora"
    """``fedora`` reuses Fedora packages wherever the closure stays consistent; ``bundle``
    bundles everything not listed in ``fedora``."""

    bundle: DistList = ()
    """Distributions always bundled, even when Fedora has a compatible version."""

    fedora: DistList = ()
    """Distributions that must come from Fedora; locking fails if that is impossible."""

    abi_coupled: DistList = Field((), alias="abi-coupled")
    """Distributions with a binary ABI (numpy, torch): if one is bundled, Fedora packages built
    against it are bundled too, so no extension module loads against the wrong copy."""

    licenses: Literal["fedora", "any"] = "fedora"
    """``fedora``: locking fails (exit 3) when a bundled package's license, or a library inside
    its wheel, is one Fedora does not allow, or is unknown; ``any``: reported, not refused (the
    stream cannot go to Fedora's Copr then)."""

    binaries: Literal["build", "allow"] = "build"
    """``build``: everything compiled is built from source; a ``source = "wheel"`` entry whose
    wheel has compiled code is refused at lock time (pure-Python wheels stay allowed);
    ``allow``: prebuilt binary wheels may be repackaged."""


class PackageSettings(BaseModel):
    """``[packages.NAME]``: how one distribution is built when it is bundled."""

    model_config = MODEL_CONFIG

    source: Literal["sdist", "wheel"] = "sdist"
    """``sdist`` builds from source; ``wheel`` repackages the binary wheel from the index."""

    build_requires: Annotated[tuple[RpmDep, ...], _unique("build requirement")] = Field(
        (), alias="build-requires"
    )
    """RPM BuildRequires of its build, e.g. ``["cmake", "gcc-c++", "pkgconfig(openssl)"]``:
    first in the lock's ``build-tools``, before Fedora's spec and what streams infers; a
    compiler listed here (gcc, gcc-c++, clang, rust, cargo) makes the package arch-specific."""

    ignore_build_requires: DistList = Field((), alias="ignore-build-requires")
    """PyPI build requirements to drop (e.g. ``ninja`` when the RPM ``ninja-build`` is used)."""

    url: Url | None = None
    """Source archive URL for a distribution whose source is not on the index (needs ``sha256``)."""

    sha256: Sha256 | None = None
    """SHA-256 of the file at ``url`` (64 lowercase hex characters, as ``sha256sum`` prints)."""

    license: SpdxExpression | None = None
    """SPDX license expression of the package as the packager reviewed it (its license files
    read): replaces what its metadata declares; the libraries bundled in its wheel are still
    added."""

    spec: SpecPath | None = None
    """A packager-owned spec used instead of the generated one, relative to the recipe, e.g.
    ``"specs/torch.spec"`` (start one from Fedora's with ``streams adopt``): it loads the
    stream's macros from the include specgen writes beside it (docs/adopt.md)."""

    env: dict[EnvName, EnvValue] = Field(default_factory=dict)
    """Environment variables exported before its build (``%build``), e.g.
    ``{ VLLM_TARGET_DEVICE = "cpu" }``: what upstream's build reads to choose an accelerator.
    Names are shell identifiers in capitals; values are one line."""


class IndexSection(BaseModel):
    """``[index]``: where distributions are looked up (PEP 503/691 simple API)."""

    model_config = MODEL_CONFIG

    url: Url = DEFAULT_INDEX
    """Base URL of the simple index, e.g. ``https://pypi.org/simple/``."""

    extra_urls: Annotated[tuple[Url, ...], _unique("URL")] = Field((), alias="extra-urls")
    """Further simple indexes searched after ``url``."""


class CoprSection(BaseModel):
    """``[copr]``: the Copr project ``streams build --backend copr`` builds in (contracts §1)."""

    model_config = MODEL_CONFIG

    instance: Url | None = None
    """The Copr instance the stream is built in, e.g. ``https://copr.example.org``; default
    Fedora's (``https://copr.fedorainfracloud.org``), which takes only what Fedora's licensing
    rules allow.  Naming another instance is the packager's statement that its rules apply."""

    owner: Annotated[str, Field(pattern=r"^@?[A-Za-z0-9_.-]+$")] | None = None
    """Copr user or ``@group``; default: the user of ``~/.config/copr``."""

    project: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+-]+$")] | None = None
    """Copr project name; default ``NAME-stream``."""

    description: str | None = None
    """Project description shown on the Copr page."""

    instructions: str | None = None
    """Installation instructions shown on the Copr page."""

    homepage: Url | None = None
    """Project homepage."""

    contact: str | None = None
    """Contact (email or URL) for the project."""

    enable_net: StrictBool = Field(False, alias="enable-net")
    """Allow network access during builds (off by default: builds must be hermetic)."""

    additional_repos: tuple[str, ...] = Field((), alias="additional-repos")
    """Extra repositories for the buildroot (baseurls or ``copr://owner/project``)."""

    bootstrap: Literal["default", "on", "off", "image"] | None = None
    """mock bootstrap chroot mode."""

    isolation: Literal["default", "simple", "nspawn"] | None = None
    """mock isolation mode."""


class VariantSection(BaseModel):
    """``[variants.NAME]``: one accelerator build of the stream (``cpu``, ``rocm``, ``cuda``).

    A variant is the recipe with its own settings laid over the top-level ones: a section set
    here replaces the keys it sets, and keeps the others.  Each variant is locked, built and
    published as a stream of its own, ``NAME-VARIANT`` (its packages ``NAME-VARIANT-stream-*``,
    its prefix ``/opt/streams/NAME-VARIANT``), so variants install side by side; their
    ``NAME-stream`` metapackages, which link the exported commands into ``/usr/bin``, provide
    ``NAME-stream-accelerator = VARIANT`` and conflict with one another (``docs/variants.md``)."""

    model_config = MODEL_CONFIG

    description: Annotated[str, Field(min_length=1, max_length=200)]
    """The hardware it serves, e.g. ``"x86_64 and aarch64 CPUs, no accelerator"``: the
    metapackage's description and the Copr project's say it."""

    name: Annotated[str, AfterValidator(check_stream_name)] | None = None
    """The variant's stream name (RPM names, default prefix, Copr project); default
    ``NAME-VARIANT``.  Setting it to the recipe's own name keeps the package names a stream
    shipped before it had variants, so installed systems update in place."""

    prefix: Annotated[str, AfterValidator(check_prefix)] | None = None
    """Install root; default ``/opt/streams/`` followed by the variant's stream name."""

    targets: Annotated[tuple[TargetName, ...], _unique("target")] = ()
    """The targets this variant is built for, some of ``[stream] targets`` (default: all):
    a variant that reuses Fedora's torch only where Fedora's torch is for the stream's Python."""

    requires: dict[DistName, RequirementValue] = Field(default_factory=dict)
    """Top-level requirements replaced or added, as in ``[requires]``."""

    constraints: dict[DistName, RequirementValue] = Field(default_factory=dict)
    """Pins added to the resolution without making the distribution a top-level requirement
    (uv ``--constraint``): ``torch = "==2.14.0"``."""

    exclude: DistList = ()
    """Distributions the variant's build does not need and the resolution drops wherever they
    are required (uv ``--override`` with a never-true marker), e.g. the NVIDIA runtime wheels
    torch's PyPI metadata requires, for a torch built from source without CUDA."""

    index: IndexSection | None = None
    """Package indexes of the variant (PyTorch's per-accelerator indexes, for one)."""

    policy: PolicySection | None = None
    """Policy keys the variant sets (``licenses``, ``binaries``, ``bundle``...)."""

    packages: dict[DistName, PackageSettings] = Field(default_factory=dict)
    """``[packages.NAME]`` keys the variant sets, per distribution."""

    copr: CoprSection | None = None
    """Copr keys the variant sets; the project defaults to the variant's ``NAME-stream``."""


def _overlay(base: BaseModel, over: BaseModel | None) -> Any:
    """``base`` with the fields ``over`` set explicitly (pydantic's ``model_fields_set``)."""
    if over is None:
        return base
    return base.model_copy(update={k: getattr(over, k) for k in over.model_fields_set})


class Recipe(BaseModel):
    """A stream recipe: what to build, for which Fedora targets, and how."""

    model_config = MODEL_CONFIG

    stream: StreamSection
    """The stream itself."""

    requires: Annotated[dict[DistName, RequirementValue], Field(min_length=1)]
    """Top-level requirements, one per distribution: ``vllm = "==0.33.0"`` or a table
    ``{ version = "...", extras = [...], markers = "..." }``.  Resolved per target."""

    policy: PolicySection = Field(default_factory=PolicySection)
    """Reuse and bundling policy."""

    packages: dict[DistName, PackageSettings] = Field(default_factory=dict)
    """Per-distribution build settings, ``[packages.NAME]``."""

    index: IndexSection = Field(default_factory=IndexSection)
    """Package index."""

    copr: CoprSection = Field(default_factory=CoprSection)
    """Copr project settings."""

    variants: dict[VariantName, VariantSection] = Field(default_factory=dict)
    """Accelerator variants, ``[variants.NAME]``; none: the recipe is one stream."""

    _path: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)
    _variant: str = PrivateAttr(default="")
    _variant_of: str = PrivateAttr(default="")
    _variant_info: VariantSection | None = PrivateAttr(default=None)

    # -- identity --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.stream.name

    @property
    def path(self) -> Path | None:
        """The file the recipe was loaded from (None when built in memory)."""
        return self._path

    @property
    def sha256(self) -> str:
        """SHA-256 of the recipe file's bytes (the lock records it); of the canonical JSON
        form when the recipe was not loaded from a file."""
        if self._sha256 is not None:
            return self._sha256
        return hashlib.sha256(self.model_dump_json(by_alias=True).encode()).hexdigest()

    def _attach(self, path: Path, digest: str) -> None:
        self._path = path
        self._sha256 = digest

    # -- variants --------------------------------------------------------------------------
    @property
    def variant_name(self) -> str:
        """The variant this recipe is (``Recipe.variant``), ``""`` for a whole recipe."""
        return self._variant

    @property
    def family(self) -> str:
        """The recipe's own stream name, which all its variants share
        (``NAME-stream-accelerator``)."""
        return self._variant_of or self.stream.name

    @property
    def variant_section(self) -> VariantSection | None:
        return self._variant_info

    @property
    def constraints(self) -> tuple[Requirement, ...]:
        """The variant's added pins (uv constraints), sorted by name."""
        info = self._variant_info
        if info is None:
            return ()
        return tuple(v.to_requirement(k) for k, v in sorted(info.constraints.items()))

    @property
    def excluded(self) -> frozenset[NormalizedName]:
        """Distributions the variant drops from the resolution."""
        info = self._variant_info
        return frozenset(canonicalize_name(n) for n in info.exclude) if info else frozenset()

    def variant(self, name: str) -> Recipe:
        """The recipe of variant ``name``: its settings over the top-level ones, its own stream
        name and prefix, no variants of its own.  Same file, same sha256."""
        info = self.variants.get(name)
        if info is None:
            if not self.variants:
                raise UsageError(
                    f"{self.stream.name} has no variants",
                    hint="drop --variant, or add [variants.NAME]",
                )
            raise UsageError(
                f"{self.stream.name} has no variant {name!r}",
                hint=f"variants: {', '.join(self.variants)}",
            )
        stream_name = info.name or f"{self.stream.name}-{name}"
        stream = self.stream.model_copy(
            update={
                "name": stream_name,
                "prefix": info.prefix or _variant_prefix(self, stream_name),
                "targets": info.targets or self.stream.targets,
            }
        )
        requires = {canonicalize_name(k): v for k, v in self.requires.items()}
        requires.update({canonicalize_name(k): v for k, v in info.requires.items()})
        packages = {canonicalize_name(k): v for k, v in self.packages.items()}
        for k, v in info.packages.items():
            key = canonicalize_name(k)
            packages[key] = _overlay(packages.get(key, PackageSettings()), v)
        copr = _overlay(self.copr, info.copr)
        if "description" not in (info.copr.model_fields_set if info.copr else set()):
            copr = copr.model_copy(update={"description": _copr_description(self, info)})
        out = self.model_copy(
            update={
                "stream": stream,
                "requires": dict(sorted(requires.items())),
                "policy": _overlay(self.policy, info.policy),
                "packages": packages,
                "index": _overlay(self.index, info.index),
                "copr": copr,
                "variants": {},
            }
        )
        if self._path is not None and self._sha256 is not None:
            out._attach(self._path, self._sha256)
        out._variant, out._variant_of, out._variant_info = name, self.stream.name, info
        return out

    # -- derived values --------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """The install root: ``stream.prefix`` or ``/opt/streams/NAME``."""
        return self.stream.prefix or f"{DEFAULT_PREFIX_ROOT}/{self.stream.name}"

    @property
    def metapackage(self) -> str:
        """``NAME-stream``: requires the app and the runtime, exports the commands."""
        return f"{self.stream.name}-stream"

    @property
    def runtime_package(self) -> str:
        """``NAME-stream-runtime``: owns the prefix and its ``pyvenv.cfg``."""
        return f"{self.stream.name}-stream-runtime"

    def python_for(self, target_name: str) -> str | None:
        """The Python version chosen for ``target_name``, or None for the target's main one."""
        return self.stream.python.get(target_name)

    def interpreter_for(self, target_name: str) -> _targets.Interpreter:
        """The interpreter the stream uses on ``target_name`` (main unless ``python`` says)."""
        return _targets.get_target(target_name).interpreter(self.python_for(target_name))

    @property
    def normalized_requires(self) -> dict[NormalizedName, Requirement]:
        """``[requires]`` as packaging Requirements keyed by PEP 503 name, sorted by name."""
        reqs = {canonicalize_name(k): v.to_requirement(k) for k, v in self.requires.items()}
        return dict(sorted(reqs.items()))

    @property
    def application(self) -> NormalizedName | None:
        """The top-level requirement that is the application, whose locked version the
        stream's runtime and metapackage carry (so ``dnf upgrade`` follows it): the one named
        like the stream (or its family, for a variant), else the first one ``[requires]``
        lists -- not the first by name: a recipe that also requires a library, to bound it,
        must not give the stream that library's version."""
        names = [canonicalize_name(k) for k in self.requires]
        for own in (self.family, self.name):
            if canonicalize_name(own) in names:
                return canonicalize_name(own)
        return names[0] if names else None

    def package_settings(self, dist: str) -> PackageSettings:
        """``[packages.DIST]`` (matched after normalisation), or the defaults."""
        want = canonicalize_name(dist)
        for key, settings in self.packages.items():
            if canonicalize_name(key) == want:
                return settings
        return PackageSettings()


def _variant_prefix(recipe: Recipe, stream_name: str) -> str:
    """A variant's default prefix: beside the recipe's own (its parent directory)."""
    root = posixpath.dirname(recipe.prefix) if recipe.stream.prefix else DEFAULT_PREFIX_ROOT
    return f"{root}/{stream_name}"


def _copr_description(recipe: Recipe, info: VariantSection) -> str:
    base = recipe.copr.description or recipe.stream.summary
    return f"{base} Variant for: {info.description}"


def toml_type(value: Any) -> str:
    """The TOML name of a parsed value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return "date/time"


def normalized(name: str) -> NormalizedName:
    return canonicalize_name(name)
