"""The software bill of materials of one locked target: CycloneDX 1.6 JSON or SPDX 2.3 JSON.

Everything comes from the lock (:class:`~streams.lock.LockedTarget`), read through
:func:`collect` into a neutral :class:`Sbom`, which :func:`cyclonedx_json` renders with the
CycloneDX project's library (``cyclonedx-python-lib``) and :func:`spdx_json` with the SPDX
project's (``spdx-tools``); neither format is written by hand.

- one component per distribution of the target: the runtime view (``scope: required``) and
  the build-only bundles (``scope: excluded``: CycloneDX 1.6 §``component.scope``, "excluded:
  components that are excluded provide the ability to document component usage for test and
  other non-runtime purposes", https://cyclonedx.org/docs/1.6/json/#components_items_scope);
- its package URL, made with ``packageurl-python`` after the purl spec
  (https://github.com/package-url/purl-spec, ``types/`` rpm and pypi): a bundled distribution
  is ``pkg:pypi/NAME@VERSION`` (the name PEP 503-normalised, as the pypi type requires); a
  reused one is Fedora's RPM, ``pkg:rpm/fedora/RPMNAME@VERSION-RELEASE?arch=ARCH&distro=
  fedora-NN`` ("the namespace is the vendor ... the version is the combined version and
  release of an RPM ... epoch is a qualifier ... arch is the qualifiers key for a package
  architecture"), ``epoch=`` when Fedora's EVR has one, ``arch=`` when the base repository it
  was solved against can tell it (:func:`reused_arches`; the lock itself records no arch);
- the files the lock records for it (source URL and sha256, externalReferences of type
  ``distribution``), the file the stream builds or repackages as the component's hash;
- its license: a bundled package's reviewed SPDX expression (the declared license AND the
  licenses of the libraries bundled in its wheel, :class:`~streams.lock.LockedLicense`), a
  reused package's ``License:`` from Fedora's spec (:mod:`streams.solver.fedora_specs`);
- the third-party libraries a bundled wheel carries (the license review's evidence, one line
  per library, :mod:`streams.sources.bundled`), as nested components;
- the stream's RPM name (property ``streams:rpm``), origin, and the lock's reason;
- the lock's edges (runtime and build) as the dependency graph; the stream itself (its runtime
  package's version: the first top-level requirement's, as specgen sets it) is the metadata
  component and depends on the top-level requirements.

The same lock gives the same bytes: the serial number is a name-based UUID (RFC 4122 §4.3,
version 5) of the lock's target, the timestamp is the lock's date.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from packageurl import PackageURL
from packaging.utils import canonicalize_name

import streams
from streams.errors import RepoError, SpecGenError, UsageError
from streams.infra.fsutil import atomic_write_text
from streams.lock import Lock, LockedPackage, LockedSource, LockedTarget
from streams.recipe import Recipe
from streams.solver.fedora_specs import target_spec_facts
from streams.solver.versions import rpm_version_tag
from streams.sources import choose_source
from streams.sources.bundled import library_table
from streams.specgen.naming import runtime_package
from streams.targets import Target, get_target

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from spdx_tools.spdx.model.document import Document as SpdxDocument

__all__ = [
    "FORMATS",
    "Library",
    "Sbom",
    "SbomPackage",
    "collect",
    "cyclonedx_bom",
    "cyclonedx_json",
    "libraries_from_evidence",
    "render",
    "reused_arches",
    "spdx_document",
    "spdx_json",
    "write_sbom",
]

FORMATS = ("cyclonedx", "spdx")
Format = Literal["cyclonedx", "spdx"]

PROPERTY = "streams:"
"""Prefix of this tool's CycloneDX properties (the CycloneDX property taxonomy asks for a
namespace of one's own: https://github.com/CycloneDX/cyclonedx-property-taxonomy)."""

FEDORA_SUPPLIER = ("Fedora Project", "https://fedoraproject.org/")

_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "streams:sbom-serial-number")
"""The namespace of the name-based serial numbers (any fixed UUID; this one is ours)."""


@dataclass(frozen=True, slots=True)
class Library:
    """A third-party library a bundled wheel carries (one shared object file)."""

    path: str
    """Member path in the wheel (``torch/lib/libgomp.so.1``)."""
    name: str
    """The component (``GNU OpenMP runtime (GCC)``), or the file name when unidentified."""
    license: str = ""
    """Its SPDX expression; ``""``: streams could not identify the library."""
    source: str = ""
    """Where the license fact comes from (the bundled-library table's source)."""


@dataclass(frozen=True, slots=True)
class SbomPackage:
    """One distribution of the target, as the SBOM says it."""

    name: str
    version: str
    origin: Literal["fedora", "bundle"]
    rpm: str
    rpm_version: str
    """The RPM's ``[EPOCH:]VERSION-RELEASE``: Fedora's for a reused package, the stream's
    (``EVR-RELEASE`` and the dist tag) for a bundled one."""
    purl: PackageURL
    build_only: bool
    reason: str
    license: str
    license_from: str
    sources: tuple[LockedSource, ...]
    shipped: LockedSource | None
    """The file the stream builds (sdist) or repackages (wheel); None for a reused package."""
    libraries: tuple[Library, ...]

    @property
    def ref(self) -> str:
        return self.purl.to_string()


@dataclass(frozen=True, slots=True)
class Sbom:
    """The SBOM of one locked target, independent of the output format."""

    stream: str
    version: str
    release: int
    runtime_rpm: str
    target: str
    variant: str
    python: str
    interpreter: str
    timestamp: _dt.datetime
    serial: uuid.UUID
    packages: tuple[SbomPackage, ...]
    edges: tuple[tuple[str, str, str], ...]
    """``(from, to, kind)`` between distribution names, deduplicated and sorted."""
    top: tuple[str, ...]
    """The distributions the stream requires directly (the recipe's ``[requires]``)."""
    repos: tuple[str, ...]
    """``NAME REVISION`` of each base repository the target was solved against."""

    def by_name(self) -> dict[str, SbomPackage]:
        return {p.name: p for p in self.packages}


# -- from the lock -------------------------------------------------------------------------


def collect(
    recipe: Recipe,
    lock: Lock,
    target: LockedTarget,
    *,
    variant: str = "",
    arches: Mapping[str, str] | None = None,
) -> Sbom:
    """The SBOM of ``target`` of ``lock`` (the variant's view, :meth:`Lock.for_variant`, and
    ``recipe`` the variant's recipe).  ``arches`` maps a reused RPM name to its architecture
    (:func:`reused_arches`); without it the reused packages' purls have no ``arch``."""
    arches = arches or {}
    tgt = get_target(target.name)
    top = tuple(n for n in recipe.normalized_requires if n in target.packages())
    packages = tuple(
        sorted(
            (_package(recipe, tgt, target, p, arches) for p in target.package),
            key=lambda p: p.name,
        )
    )
    edges = tuple(sorted({(e.source, e.target, e.kind) for e in target.edge}))
    first = target.packages()[top[0]] if top else None
    # the runtime and metapackage Version: the first top-level requirement's, as specgen's
    # spec contexts set it (streams/specgen/context.py)
    version = rpm_version_tag(first.version) if first else "0"
    digest = hashlib.sha256(
        json.dumps(
            {
                "stream": lock.stream,
                "variant": variant,
                "recipe-sha256": lock.recipe_sha256,
                "target": target.model_dump(mode="json", by_alias=True),
                "arches": dict(sorted(arches.items())),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    return Sbom(
        stream=lock.stream,
        version=version,
        release=target.revision.release,
        runtime_rpm=runtime_package(lock.stream),
        target=target.name,
        variant=variant,
        python=target.python,
        interpreter=target.interpreter,
        timestamp=_timestamp(lock, target),
        serial=uuid.uuid5(_SERIAL_NAMESPACE, f"{lock.stream}/{variant}/{target.name}/{digest}"),
        packages=packages,
        edges=edges,
        top=top,
        repos=tuple(f"{r.name} {r.revision or r.checksum}".strip() for r in target.repo),
    )


def _timestamp(lock: Lock, target: LockedTarget) -> _dt.datetime:
    """The lock's date (midnight UTC): the latest change of any revision, stable across runs."""
    dates = [lock.locked_at, target.revision.date, *(p.revision.date for p in target.package)]
    day = max((d for d in dates if d), default="1970-01-01")
    return _dt.datetime.fromisoformat(day).replace(tzinfo=_dt.UTC)


def _package(
    recipe: Recipe,
    tgt: Target,
    target: LockedTarget,
    pkg: LockedPackage,
    arches: Mapping[str, str],
) -> SbomPackage:
    name = str(canonicalize_name(pkg.name))
    if pkg.origin == "bundle":
        shipped: LockedSource | None
        try:
            wanted = recipe.package_settings(pkg.name).source
            shipped, _note = choose_source(pkg, wanted, target.python, tgt.arch)
        except SpecGenError:
            shipped = None
        lic = pkg.license
        return SbomPackage(
            name=name,
            version=pkg.version,
            origin="bundle",
            rpm=pkg.rpm,
            rpm_version=f"{pkg.evr}-{pkg.revision.release}{tgt.dist}",
            purl=PackageURL(type="pypi", name=name, version=pkg.version),
            build_only=pkg.build_only,
            reason=pkg.reason,
            license=lic.expression if lic else "",
            license_from=lic.declared_from if lic else "",
            sources=pkg.sources,
            shipped=shipped,
            libraries=libraries_from_evidence(lic.evidence) if lic else (),
        )
    epoch, _, vr = pkg.evr.rpartition(":")
    qualifiers: dict[str, str] = {}
    if pkg.rpm in arches:
        qualifiers["arch"] = arches[pkg.rpm]
    if tgt.release is not None:
        qualifiers["distro"] = f"fedora-{tgt.release.number}"
    if epoch and epoch != "0":
        qualifiers["epoch"] = epoch
    facts = target_spec_facts(tgt, name)
    return SbomPackage(
        name=name,
        version=pkg.version,
        origin="fedora",
        rpm=pkg.rpm,
        rpm_version=pkg.evr,
        purl=PackageURL(
            type="rpm",
            namespace="fedora" if tgt.release is not None else None,
            name=pkg.rpm,
            version=vr,
            qualifiers=qualifiers,
        ),
        build_only=pkg.build_only,
        reason=pkg.reason,
        license=facts.license if facts else "",
        license_from=f"fedora-spec:{facts.source_spec}" if facts else "",
        sources=pkg.sources,
        shipped=None,
        libraries=(),
    )


_UNIDENTIFIED = "an unidentified library grafted into the wheel"


def libraries_from_evidence(evidence: Iterable[str]) -> tuple[Library, ...]:
    """The bundled libraries named by a license review's evidence.

    :func:`streams.sources.licenses.find_license` writes one line per library,
    ``PATH: COMPONENT, LICENSE (SOURCE)`` or ``PATH: an unidentified library grafted into the
    wheel``; the first line, ``declared ...``, is the package's own license.  The component and
    license are matched against the bundled-library table the review used, so a comma or
    parenthesis inside a component's name cannot split it wrongly.
    """
    rows = {f"{f.component}, {f.license} ({f.source})": f for f in set(library_table().values())}
    out: list[Library] = []
    for line in evidence:
        if line.startswith("declared "):
            continue
        path, sep, rest = line.partition(": ")
        if not sep:
            continue
        file_name = PurePosixPath(path).name
        if rest == _UNIDENTIFIED:
            out.append(Library(path=path, name=file_name))
            continue
        facts = rows.get(rest)
        if facts is not None:
            out.append(Library(path, facts.component, facts.license, facts.source))
            continue
        # a row changed since the lock was written: read the line itself
        m = re.fullmatch(r"(?P<component>.+?), (?P<license>[^,()]+?) \((?P<source>.*)\)", rest)
        if m:
            out.append(Library(path, m["component"], m["license"], m["source"]))
        else:
            out.append(Library(path=path, name=file_name))
    return tuple(sorted(out, key=lambda lib: lib.path))


def reused_arches(target: LockedTarget) -> dict[str, str]:
    """The architecture of each reused RPM at its locked EVR, read with libsolv from the base
    repositories the target was solved against when they are local rpm-md directories;
    ``{}`` for anything else: a live repository is not fetched for an SBOM (and may have moved
    on since the lock), and the embedded snapshots carry no real architectures."""
    from streams.solver.repos import BaseRepos, RepoSpec

    specs: list[RepoSpec] = []
    for repo in target.repo:
        if repo.url.startswith("streams:"):
            # the embedded snapshots do not model architectures: every package in them is
            # noarch (docs/snapshots.md), which would be wrong for python3-numpy
            return {}
        path = Path(repo.url.removeprefix("file://"))
        if not (path / "repodata" / "repomd.xml").is_file():
            return {}
        specs.append(RepoSpec(repo.name, str(path), "dir"))
    reused = {p.rpm: p.evr for p in target.reused()}
    if not specs or not reused:
        return {}
    try:
        base = BaseRepos.load(specs, arch=get_target(target.name).arch, offline=True)
    except RepoError:
        return {}
    out: dict[str, str] = {}
    for s in base.pool.solvables:
        want = reused.get(s.name)
        if want is not None and _same_evr(s.evr, want):
            out[s.name] = s.arch
    return dict(sorted(out.items()))


def _same_evr(have: str, want: str) -> bool:
    """libsolv writes no ``0:`` epoch, the lock may."""
    return have.removeprefix("0:") == want.removeprefix("0:")


# -- CycloneDX -----------------------------------------------------------------------------


def cyclonedx_bom(sbom: Sbom) -> Bom:
    """The :class:`cyclonedx.model.bom.Bom` of ``sbom`` (CycloneDX 1.6)."""
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentScope, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.model.tool import ToolRepository

    def props(**values: str) -> list[Property]:
        return [
            Property(name=PROPERTY + k.replace("_", "-"), value=v) for k, v in values.items() if v
        ]

    def sha256(digest: str) -> HashType:
        return HashType(alg=HashAlgorithm.SHA_256, content=digest)

    fedora = OrganizationalEntity(name=FEDORA_SUPPLIER[0], urls=[XsUri(FEDORA_SUPPLIER[1])])
    components: dict[str, Component] = {}
    for p in sbom.packages:
        nested = [
            Component(
                type=ComponentType.LIBRARY,
                name=lib.name,
                bom_ref=f"{p.ref}#{lib.path}",
                licenses=[LicenseExpression(lib.license)] if lib.license else None,
                properties=props(
                    file=lib.path,
                    license_source=lib.source,
                    identified="true" if lib.license else "false",
                ),
            )
            for lib in p.libraries
        ]
        components[p.name] = Component(
            type=ComponentType.LIBRARY,
            name=p.name,
            version=p.version,
            bom_ref=p.ref,
            purl=p.purl,
            scope=ComponentScope.EXCLUDED if p.build_only else ComponentScope.REQUIRED,
            supplier=fedora if p.origin == "fedora" else None,
            hashes=[sha256(p.shipped.sha256)] if p.shipped else None,
            licenses=[LicenseExpression(p.license)] if p.license else None,
            external_references=[
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION,
                    url=XsUri(s.url),
                    comment=f"{s.kind} {s.filename}".strip(),
                    hashes=[sha256(s.sha256)],
                )
                for s in p.sources
            ],
            components=nested or None,
            properties=props(
                rpm=p.rpm,
                rpm_version=p.rpm_version,
                origin=p.origin,
                build_only="true" if p.build_only else "",
                shipped=f"{p.shipped.kind} {p.shipped.filename}" if p.shipped else "",
                license_from=p.license_from,
                reason=p.reason,
            ),
        )
    tool = Component(
        type=ComponentType.APPLICATION,
        name="streams",
        version=streams.__version__,
        bom_ref="streams-tool",
    )
    stream = Component(
        type=ComponentType.APPLICATION,
        name=sbom.stream,
        version=sbom.version,
        bom_ref=f"stream:{sbom.stream}",
        properties=props(
            rpm=sbom.runtime_rpm,
            release=str(sbom.release),
            target=sbom.target,
            variant=sbom.variant,
            python=sbom.python,
            interpreter=sbom.interpreter,
        )
        + [Property(name=PROPERTY + "base-repo", value=r) for r in sbom.repos],
    )
    bom = Bom(
        serial_number=sbom.serial,
        metadata=BomMetaData(
            timestamp=sbom.timestamp,
            component=stream,
            tools=ToolRepository(components=[tool]),
        ),
        components=components.values(),
    )
    bom.register_dependency(stream, [components[n] for n in sbom.top])
    needs: dict[str, set[str]] = {}
    for source, dest, _kind in sbom.edges:
        needs.setdefault(source, set()).add(dest)
    for p in sbom.packages:
        comp = components[p.name]
        bom.register_dependency(comp, [components[n] for n in sorted(needs.get(p.name, ()))])
    return bom


def cyclonedx_json(sbom: Sbom) -> str:
    """CycloneDX 1.6 JSON of ``sbom``, indented, ending in a newline."""
    from cyclonedx.output.json import JsonV1Dot6

    return JsonV1Dot6(cyclonedx_bom(sbom)).output_as_string(indent=2) + "\n"


# -- SPDX ----------------------------------------------------------------------------------


def spdx_document(sbom: Sbom) -> SpdxDocument:
    """The :class:`spdx_tools.spdx.model.Document` of ``sbom`` (SPDX 2.3).

    A package per distribution and per library bundled in a wheel; relationships after SPDX
    2.3 §11 (https://spdx.github.io/spdx-spec/v2.3/relationships-between-SPDX-elements/):
    the document ``DESCRIBES`` the stream, which ``DEPENDS_ON`` its top-level requirements;
    a runtime edge is ``A DEPENDS_ON B``, a build edge ``B BUILD_DEPENDENCY_OF A``, a bundled
    library ``WHEEL CONTAINS LIB``.  Each ``LicenseRef-`` an expression uses is declared in
    ``hasExtractedLicensingInfos``, as SPDX 2.3 §10 requires of license references.
    """
    from license_expression import ExpressionError, LicenseSymbol
    from spdx_tools.spdx.model.actor import Actor, ActorType
    from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
    from spdx_tools.spdx.model.document import CreationInfo, Document
    from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo
    from spdx_tools.spdx.model.package import (
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Package,
        PackagePurpose,
    )
    from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
    from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

    from streams.sources.licenses import spdx_licensing

    refs: dict[str, list[str]] = {}

    def expression(text: str, who: str) -> Any:
        if not text:
            return SpdxNoAssertion()
        try:
            parsed = spdx_licensing().parse(text, validate=False, strict=True)
        except ExpressionError:
            return SpdxNoAssertion()
        if parsed is None:
            return SpdxNoAssertion()
        for sym in parsed.symbols:
            key = str(sym.key if isinstance(sym, LicenseSymbol) else sym)
            if key.startswith("LicenseRef-"):
                refs.setdefault(key, []).append(who)
        return parsed

    fedora = Actor(ActorType.ORGANIZATION, FEDORA_SUPPLIER[0])
    ids = {
        p.name: f"SPDXRef-{'Fedora' if p.origin == 'fedora' else 'PyPI'}-{p.name}"
        for p in sbom.packages
    }
    stream_id = f"SPDXRef-Stream-{sbom.stream}"
    packages: list[Package] = []
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, stream_id)]
    packages.append(
        Package(
            spdx_id=stream_id,
            name=sbom.stream,
            download_location=SpdxNoAssertion(),
            version=sbom.version,
            files_analyzed=False,
            primary_package_purpose=PackagePurpose.APPLICATION,
            comment=(
                f"the stream {sbom.stream} (runtime RPM {sbom.runtime_rpm}, release "
                f"{sbom.release}) on {sbom.target}"
                + (f", variant {sbom.variant}" if sbom.variant else "")
                + f", Python {sbom.python}; base: {', '.join(sbom.repos) or 'none'}"
            ),
        )
    )
    relationships += [
        Relationship(stream_id, RelationshipType.DEPENDS_ON, ids[n]) for n in sbom.top
    ]
    for p in sbom.packages:
        where = p.shipped or (p.sources[0] if p.sources else None)
        comment = f"RPM {p.rpm} {p.rpm_version} ({p.origin}); {p.reason}"
        if p.build_only:
            comment += "; build-only: not installed with the stream"
        packages.append(
            Package(
                spdx_id=ids[p.name],
                name=p.name,
                download_location=where.url if where else SpdxNoAssertion(),
                version=p.version,
                file_name=where.filename or None if where else None,
                supplier=fedora if p.origin == "fedora" else None,
                files_analyzed=False,
                checksums=(
                    [Checksum(ChecksumAlgorithm.SHA256, p.shipped.sha256)] if p.shipped else []
                ),
                license_declared=expression(p.license, p.name),
                license_concluded=SpdxNoAssertion(),
                license_comment=f"from {p.license_from}" if p.license_from else None,
                external_references=[
                    ExternalPackageRef(
                        ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", p.purl.to_string()
                    )
                ],
                primary_package_purpose=PackagePurpose.LIBRARY,
                comment=comment,
            )
        )
        for i, lib in enumerate(p.libraries, 1):
            lib_id = f"{ids[p.name]}-lib-{i}"
            packages.append(
                Package(
                    spdx_id=lib_id,
                    name=lib.name,
                    download_location=SpdxNoAssertion(),
                    file_name=lib.path,
                    files_analyzed=False,
                    license_declared=expression(lib.license, f"{p.name}: {lib.path}"),
                    license_concluded=SpdxNoAssertion(),
                    license_comment=lib.source or None,
                    primary_package_purpose=PackagePurpose.LIBRARY,
                    comment=f"bundled in the {p.name} wheel as {lib.path}",
                )
            )
            relationships.append(Relationship(ids[p.name], RelationshipType.CONTAINS, lib_id))
    for source, dest, kind in sbom.edges:
        if kind == "build":
            relationships.append(
                Relationship(ids[dest], RelationshipType.BUILD_DEPENDENCY_OF, ids[source])
            )
        else:
            relationships.append(Relationship(ids[source], RelationshipType.DEPENDS_ON, ids[dest]))
    extracted = [
        ExtractedLicensingInfo(
            license_id=key,
            extracted_text=(
                f"{key} is not on the SPDX license list; its text is not in this document. "
                "Read the license files of what uses it."
            ),
            license_name=key.removeprefix("LicenseRef-"),
            comment="used by " + ", ".join(sorted(set(who))),
        )
        for key, who in sorted(refs.items())
    ]
    label = (
        f"{sbom.stream}-{sbom.variant}-{sbom.target}"
        if sbom.variant
        else (f"{sbom.stream}-{sbom.target}")
    )
    return Document(
        creation_info=CreationInfo(
            spdx_version="SPDX-2.3",
            spdx_id="SPDXRef-DOCUMENT",
            name=label,
            document_namespace=f"urn:uuid:{sbom.serial}",
            creators=[Actor(ActorType.TOOL, f"streams-{streams.__version__}")],
            created=sbom.timestamp.replace(tzinfo=None),
        ),
        packages=packages,
        relationships=relationships,
        extracted_licensing_info=extracted,
    )


def spdx_json(sbom: Sbom) -> str:
    """SPDX 2.3 JSON of ``sbom``, validated by spdx-tools' own validator before it is
    written (a document it finds invalid raises instead of being written)."""
    import io

    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    buf = io.StringIO()
    write_document_to_stream(spdx_document(sbom), buf, validate=True)
    return buf.getvalue() + "\n"


# -- output --------------------------------------------------------------------------------


def render(sbom: Sbom, fmt: str) -> str:
    """``sbom`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "cyclonedx":
        return cyclonedx_json(sbom)
    if fmt == "spdx":
        return spdx_json(sbom)
    raise UsageError(f"unknown SBOM format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")


def write_sbom(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (readers see the old file or the new one)."""
    atomic_write_text(path, text)
    return path
