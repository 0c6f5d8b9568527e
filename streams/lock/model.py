"""The lock: what ``streams lock`` decided, per target, in a deterministic TOML file.

Shape (``schema-version = 1``; see ``docs/lock-format.md``)::

    schema-version = 1
    stream = "vllm"
    recipe = "vllm.toml"
    recipe-sha256 = "…"

    [[target]]
    name = "fedora-45-x86_64"
    python = "3.14"                  # the interpreter the stream runs on
    interpreter = "python3.14"       # its Fedora package
    interpreter-main = false         # whether it is the release's main Python
    base = "snapshot"                # where the base repos came from
    system = ["python3.14-3.14.6-1.fc45.noarch"]   # non-Python base packages pulled in
    warnings = []

    [[target.repo]]                  # the base repos it was solved against
    name = "fedora"  url = "…"  revision = "…"  checksum = "sha256:…"

    [[target.package]]               # one per distribution of the runtime view
    name = "torch"  version = "2.14.0"  origin = "bundle"
    rpm = "vllm-stream-python3-torch"  evr = "2.14"
    reason = "bundled: …"
    requires = ["filelock", …]       # applicable requirements, markers evaluated
    extras = []
    sources = [{ kind = "wheel", url = "…", sha256 = "…", filename = "…" }, …]

    [[target.edge]]                  # runtime requirement edges between distributions
    from = "vllm"  to = "torch"  requirement = "torch==2.14.0"  kind = "runtime"

Serialising, reading and writing live in :mod:`streams.lock.io`.
"""

from __future__ import annotations

from typing import Literal

from packaging.version import InvalidVersion, Version
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from streams.errors import LockError

SCHEMA_VERSION = 1

_CONFIG = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LockedSource(BaseModel):
    """An upstream file a bundled distribution is built (sdist) or repackaged (wheel) from."""

    model_config = _CONFIG
    kind: Literal["sdist", "wheel"]
    url: str
    sha256: str
    filename: str = ""


class LockedVendor(BaseModel):
    """The Rust crates an sdist builds, vendored by ``streams lock`` into a reproducible tarball
    (:mod:`streams.sources.vendor`), kept in the source cache by its sha256 and shipped as a
    Source of the spec, so the build needs no crate registry (Fedora's ``%cargo_prep -v``)."""

    model_config = _CONFIG
    filename: str
    """``NAME-VERSION-cargo-vendor.tar.xz``."""
    sha256: str
    sdist_sha256: str = Field(
        validation_alias=AliasChoices("sdist-sha256", "sdist_sha256"),
        serialization_alias="sdist-sha256",
    )
    """The sdist the crates were vendored from (a spec built from another file ignores it)."""
    manifests: tuple[str, ...]
    """The Cargo manifests vendored, relative to the sdist's top directory."""
    crates: tuple[str, ...] = ()
    """``NAME VERSION`` of every vendored crate, sorted."""
    registry: str = "crates-io"
    """``crates-io`` or ``directory`` (a local directory registry, ``STREAMS_CARGO_REGISTRY``)."""


class LockedBuildTool(BaseModel):
    """An RPM build requirement of a bundled sdist that is not a Python distribution: a
    compiler, a build tool or a library (``gcc``, ``cmake``, ``pkgconfig(zlib)``), with where
    it came from, in order of authority: the recipe's ``[packages.NAME] build-requires``,
    Fedora's own spec of the same distribution, or what streams inferred from the sdist."""

    model_config = _CONFIG
    rpm: str
    source: Literal["recipe", "fedora", "sdist"] = Field(
        validation_alias=AliasChoices("from", "source"), serialization_alias="from"
    )
    why: str = ""


class LockedLicense(BaseModel):
    """The license of what a bundled package ships, reviewed at lock time
    (:func:`streams.sources.licenses.find_license`): the spec's ``License:``, where each part
    came from, and what keeps Fedora (and so Fedora's Copr) from allowing it."""

    model_config = _CONFIG
    expression: str
    """SPDX: the declared license ``AND`` the licenses of the libraries bundled in the wheel."""
    declared_from: str = Field(
        default="",
        validation_alias=AliasChoices("declared-from", "declared_from"),
        serialization_alias="declared-from",
    )
    """``license-expression``, ``license``, ``classifiers``, ``license-file:PATH``,
    ``fedora-spec:SPEC``, ``recipe`` or ``unknown``."""
    evidence: tuple[str, ...] = ()
    """One line per part: the declared license's source, each bundled library and its facts."""
    problems: tuple[str, ...] = ()
    """Why Fedora does not allow it; empty: Fedora allows all of it."""
    binary: bool = False
    """Repackaged from a wheel with compiled code (not built from source)."""

    @property
    def fedora(self) -> bool:
        """Fedora allows everything in it."""
        return not self.problems


class LockedRepo(BaseModel):
    """A base repository the target was solved against."""

    model_config = _CONFIG
    name: str
    url: str
    revision: str = ""
    checksum: str = ""


class Revision(BaseModel):
    """Which build of a spec this is: its ``Release`` and its latest ``%changelog`` entry.

    ``digest`` is the sha256 of everything the lock says that goes into the spec (see
    :mod:`streams.lock.revisions`); a re-lock that changes it writes a new entry and raises
    ``release``, so the new RPM upgrades the old one.
    """

    model_config = _CONFIG
    release: int = Field(default=1, ge=1)
    digest: str = ""
    date: str = ""
    """``YYYY-MM-DD`` (UTC) of the change: the changelog date, stable across specgen runs."""
    packager: str = ""
    """``Name <email>`` of the changelog entry."""
    text: str = ""
    """What changed, e.g. ``Update to 2.14.0``."""


class LockedObsolete(BaseModel):
    """A package the stream built before and no longer bundles (it left the stream or moved to
    Fedora's copy): the runtime obsoletes every build of it up to ``evr``."""

    model_config = _CONFIG
    name: str
    """The RPM name, ``NAME-stream-python3-DIST``."""
    evr: str
    """The last version-release the stream built, without the dist tag: ``1.0-3``."""


class LockedPackage(BaseModel):
    """One distribution of the runtime view: reused from Fedora or bundled."""

    model_config = _CONFIG
    name: str
    version: str
    origin: Literal["fedora", "bundle"]
    rpm: str
    evr: str
    reason: str
    repo: str = ""
    requires: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    sources: tuple[LockedSource, ...] = ()
    build_requires: tuple[str, ...] = Field(
        default=(),
        validation_alias=AliasChoices("build-requires", "build_requires"),
        serialization_alias="build-requires",
    )
    """PEP 508 build requirements of the sdist: ``[build-system] requires`` and what the
    backend's ``get_requires_for_build_wheel`` asks, read at lock time."""
    build_only: bool = Field(
        default=False,
        validation_alias=AliasChoices("build-only", "build_only"),
        serialization_alias="build-only",
    )
    """Bundled only because another bundle needs it to build; not part of the runtime view."""
    build_tools: tuple[LockedBuildTool, ...] = Field(
        default=(),
        validation_alias=AliasChoices("build-tools", "build_tools"),
        serialization_alias="build-tools",
    )
    """RPM ``BuildRequires`` beyond the Python ones (compilers, tools, libraries), sorted."""
    vendor: LockedVendor | None = None
    """The sdist's Rust crates, vendored (only for sdists that build crates)."""
    revision: Revision = Revision()
    """Release and changelog of a bundled package's spec (unused for reused ones)."""
    license: LockedLicense | None = None
    """The license review of a bundled package (None: reused, or sources not read)."""

    @model_validator(mode="after")
    def _bundled_versions_are_pep440(self) -> LockedPackage:
        # Bundled versions come from the upstream pins and reach specs as RPM versions; a
        # reused package's version is Fedora's, converted back from RPM, and may not parse.
        if self.origin == "bundle":
            try:
                Version(self.version)
            except InvalidVersion as exc:
                raise ValueError(
                    f"bundled {self.name} has version {self.version!r}: {exc}"
                ) from exc
        return self


class LockedEdge(BaseModel):
    """A requirement edge: ``source`` needs ``target`` at run time or to build."""

    model_config = _CONFIG
    source: str = Field(validation_alias=AliasChoices("from", "source"), serialization_alias="from")
    target: str = Field(validation_alias=AliasChoices("to", "target"), serialization_alias="to")
    requirement: str = ""
    kind: Literal["runtime", "build"] = "runtime"


FEDORA_COPR = "https://copr.fedorainfracloud.org"
"""Fedora's Copr, whose builds must meet Fedora's licensing rules ("Fedora's license approval
standards apply to everything that is made available by the Fedora Project ... Copr
repositories", https://docs.fedoraproject.org/en-US/legal/license-approval/ )."""


class LockedPolicy(BaseModel):
    """``[policy] licenses`` and ``binaries`` as the lock was checked against them."""

    model_config = _CONFIG
    licenses: Literal["fedora", "any"] = "fedora"
    binaries: Literal["build", "allow"] = "build"


class LockedTarget(BaseModel):
    """Everything decided for one target (of one variant, when the recipe has variants)."""

    model_config = _CONFIG
    name: str
    variant: str = ""
    """The recipe's ``[variants.NAME]`` this closure is of; ``""``: the recipe has none."""
    stream: str = ""
    """The variant's stream name (``NAME-VARIANT``, its RPM names); ``""`` without variants."""
    destination: str = ""
    """The variant's Copr instance (as :attr:`Lock.destination`), set with :attr:`variant`."""
    policy: LockedPolicy | None = None
    """The variant's license and binaries policy, set with :attr:`variant`."""
    python: str
    interpreter: str
    interpreter_main: bool = Field(
        validation_alias=AliasChoices("interpreter-main", "interpreter_main"),
        serialization_alias="interpreter-main",
    )
    base: str = "snapshot"
    system: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    repo: tuple[LockedRepo, ...] = ()
    package: tuple[LockedPackage, ...] = ()
    edge: tuple[LockedEdge, ...] = ()
    revision: Revision = Revision()
    """Release and changelog of the runtime and metapackage specs (one for both: the
    metapackage requires the runtime of its own version-release)."""
    obsoletes: tuple[LockedObsolete, ...] = ()
    """Packages of earlier locks that are no longer bundled, carried from lock to lock."""

    def packages(self) -> dict[str, LockedPackage]:
        return {p.name: p for p in self.package}

    def bundled(self) -> list[LockedPackage]:
        return [p for p in self.package if p.origin == "bundle"]

    def reused(self) -> list[LockedPackage]:
        return [p for p in self.package if p.origin == "fedora"]


class Lock(BaseModel):
    """A whole lock file."""

    model_config = _CONFIG
    schema_version: int = Field(
        default=SCHEMA_VERSION,
        validation_alias=AliasChoices("schema-version", "schema_version"),
        serialization_alias="schema-version",
    )
    stream: str
    recipe: str
    recipe_sha256: str = Field(
        validation_alias=AliasChoices("recipe-sha256", "recipe_sha256"),
        serialization_alias="recipe-sha256",
    )
    locked_at: str = Field(
        default="",
        validation_alias=AliasChoices("locked-at", "locked_at"),
        serialization_alias="locked-at",
    )
    """``YYYY-MM-DD`` of the latest change of any revision (not of every run: the same inputs
    give the same bytes)."""
    packager: str = ""
    """Who made the latest change (``Name <email>``): the recipe's ``[stream] packager``, else
    ``$RPM_PACKAGER``, else git's user.name and user.email."""
    destination: str = ""
    """The Copr instance the stream is destined for: the recipe's ``[copr] instance``, else
    Fedora's Copr (:data:`FEDORA_COPR`), bound by Fedora's licensing rules."""
    policy: LockedPolicy | None = None
    """The recipe's license and binaries policy the lock was checked against."""
    target: tuple[LockedTarget, ...] = ()

    def get_target(self, name: str, variant: str = "") -> LockedTarget:
        for t in self.target:
            if t.name == name and t.variant == variant:
                return t
        have = ", ".join(_label(t) for t in self.target) or "none"
        want = f"{name} (variant {variant})" if variant else name
        flag = f" --variant {variant}" if variant else ""
        raise LockError(
            f"the lock has no target {want!r} (it has: {have})",
            hint=f"run: streams lock {self.stream} --target {name}{flag}",
        )

    def with_target(self, new: LockedTarget) -> Lock:
        """A copy with ``new`` replacing the target of the same name and variant (or added)."""
        others = [t for t in self.target if _tkey(t) != _tkey(new)]
        return self.model_copy(update={"target": tuple(sorted([*others, new], key=_tkey))})

    @property
    def variants(self) -> tuple[str, ...]:
        """The variants the lock has closures of, in order; ``()`` when it has none."""
        return tuple(dict.fromkeys(t.variant for t in self.target if t.variant))

    def for_variant(self, variant: str) -> Lock:
        """The lock of one variant as a stream of its own: its targets (without the variant
        fields), its stream name, destination and policy.  ``""``: the targets of no variant.
        What reads a lock (specgen, builders, checks, manifests) reads this view."""
        mine = [t for t in self.target if t.variant == variant]
        if not variant:
            return self.model_copy(update={"target": tuple(mine)})
        first = mine[0] if mine else None
        return self.model_copy(
            update={
                "stream": first.stream if first and first.stream else self.stream,
                "destination": first.destination if first else self.destination,
                "policy": first.policy if first and first.policy else self.policy,
                "target": tuple(
                    t.model_copy(
                        update={"variant": "", "stream": "", "destination": "", "policy": None}
                    )
                    for t in mine
                ),
            }
        )


def _label(t: LockedTarget) -> str:
    return f"{t.name}/{t.variant}" if t.variant else t.name


def _tkey(t: LockedTarget) -> tuple[str, str]:
    return (t.variant, t.name)
