"""What is known about one source file: :class:`BuildInfo` (an sdist's build system) and
:class:`SourceInfo` (what a spec shows), with their stored JSON shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# When an sdist has no pyproject.toml, or one without [build-system], front ends fall back to
# setuptools' legacy backend.  PEP 517 ("If the pyproject.toml file is absent, or the
# build-backend key is missing, the source tree is not using this specification, and tools
# should revert to the legacy behaviour of running setup.py") and PEP 518 ("tools should use
# ... requires = ["setuptools>=40.8.0", "wheel"]"); pip's ``pyproject.load_pyproject_toml``
# does the same with backend "setuptools.build_meta:__legacy__".
LEGACY_REQUIRES: tuple[str, ...] = ("setuptools>=40.8.0", "wheel")
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"

SCHEMA_VERSION = 2
"""2: native decided by the backend's configuration (``native-reason``, ``tools``) and the
backend's own ``get_requires_for_build_wheel`` answer (``dynamic``).  Stored infos of an older
schema are read again from their file."""


# The longest description kept: a spec's %description is a paragraph, not the README.
MAX_DESCRIPTION = 1200


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """The build system of an sdist (PEP 517/518)."""

    requires: tuple[str, ...]
    """``[build-system] requires`` as written (PEP 508), or :data:`LEGACY_REQUIRES`."""
    backend: str
    """``build-backend``, or :data:`LEGACY_BACKEND`."""
    backend_path: tuple[str, ...] = ()
    """``backend-path`` (in-tree backends, e.g. setuptools and flit-core build themselves)."""
    legacy: bool = False
    """True when the fallback was used (no pyproject.toml or no ``[build-system]``)."""
    native: bool = False
    """The default build makes compiled code, by the backend and its configuration
    (:mod:`streams.sources.native`); its wheel is not ``py3-none-any``."""
    native_reason: str = ""
    """Why :attr:`native` is what it is (``"backend maturin"``, ``"Extension() in setup.py"``)."""
    tools: tuple[tuple[str, str], ...] = ()
    """RPM build requirements inferred from the sdist (compilers, cmake, meson, ninja-build),
    each with why: ``(("gcc", "C sources"), ...)``."""
    dynamic: tuple[str, ...] | None = None
    """What ``get_requires_for_build_wheel`` asks beyond :attr:`requires` (PEP 517), or None
    when the backend has not been asked (:mod:`streams.sources.backend`)."""
    dynamic_error: str = ""
    """Why the backend could not be asked, when it could not."""
    dynamic_python: str = ""
    """``X.Y`` of the interpreter the backend was asked on."""

    @property
    def all_requires(self) -> tuple[str, ...]:
        """Static and dynamic build requirements, static first, without repeats."""
        return tuple(dict.fromkeys((*self.requires, *(self.dynamic or ()))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "requires": list(self.requires),
            "backend": self.backend,
            "backend-path": list(self.backend_path),
            "legacy": self.legacy,
            "native": self.native,
            "native-reason": self.native_reason,
            "tools": [list(t) for t in self.tools],
            "dynamic": None if self.dynamic is None else list(self.dynamic),
            "dynamic-error": self.dynamic_error,
            "dynamic-python": self.dynamic_python,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BuildInfo:
        return cls(
            requires=tuple(data["requires"]),
            backend=str(data["backend"]),
            backend_path=tuple(data.get("backend-path", ())),
            legacy=bool(data.get("legacy", False)),
            native=bool(data.get("native", False)),
            native_reason=str(data.get("native-reason", "")),
            tools=tuple((str(a), str(b)) for a, b in data.get("tools", ())),
            dynamic=None if data.get("dynamic") is None else tuple(data["dynamic"]),
            dynamic_error=str(data.get("dynamic-error", "")),
            dynamic_python=str(data.get("dynamic-python", "")),
        )


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the spec of one source file needs, read from the file itself (untrusted text)."""

    kind: Literal["sdist", "wheel"]
    name: str
    version: str
    summary: str = ""
    description: str = ""
    """The first prose paragraph(s) of the long description, at most MAX_DESCRIPTION chars."""
    license_expression: str = ""
    license: str = ""
    license_classifiers: tuple[str, ...] = ()
    url: str = ""
    build: BuildInfo | None = None
    pure: bool = True
    """A wheel that installs anywhere, or an sdist without native code: ``BuildArch: noarch``."""
    console_scripts: tuple[str, ...] = ()
    shared_libs: tuple[str, ...] = ()
    """File names of shared libraries the wheel ships (``libfoo.so.1``), sorted."""
    extras: tuple[str, ...] = field(default=())
    license_files: tuple[tuple[str, str], ...] | None = None
    """``(member, SPDX id)`` of each license file (:mod:`streams.sources.licensefiles`), the id
    ``""`` when askalono matched none; None when the file was read before streams looked."""
    bundled: tuple[tuple[str, str], ...] | None = None
    """``(member, DT_SONAME or "")`` of each shared library a wheel ships (not its extension
    modules; :mod:`streams.sources.binaries`); None when not read (then :attr:`shared_libs`)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema-version": SCHEMA_VERSION,
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "summary": self.summary,
            "description": self.description,
            "license-expression": self.license_expression,
            "license": self.license,
            "license-classifiers": list(self.license_classifiers),
            "url": self.url,
            "build": self.build.to_dict() if self.build else None,
            "pure": self.pure,
            "console-scripts": list(self.console_scripts),
            "shared-libs": list(self.shared_libs),
            "extras": list(self.extras),
            **(
                {}
                if self.license_files is None
                else {"license-files": [list(x) for x in self.license_files]}
            ),
            **({} if self.bundled is None else {"bundled": [list(x) for x in self.bundled]}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceInfo:
        if data.get("schema-version") != SCHEMA_VERSION:
            raise ValueError(f"unknown source info schema-version {data.get('schema-version')!r}")
        build = data.get("build")
        kind = data["kind"]
        if kind not in ("sdist", "wheel"):
            raise ValueError(f"unknown source kind {kind!r}")
        return cls(
            kind=kind,
            name=str(data["name"]),
            version=str(data["version"]),
            summary=str(data.get("summary", "")),
            description=str(data.get("description", "")),
            license_expression=str(data.get("license-expression", "")),
            license=str(data.get("license", "")),
            license_classifiers=tuple(data.get("license-classifiers", ())),
            url=str(data.get("url", "")),
            build=BuildInfo.from_dict(build) if build else None,
            pure=bool(data.get("pure", True)),
            console_scripts=tuple(data.get("console-scripts", ())),
            shared_libs=tuple(data.get("shared-libs", ())),
            extras=tuple(data.get("extras", ())),
            license_files=_pairs(data.get("license-files")),
            bundled=_pairs(data.get("bundled")),
        )


def _pairs(value: Any) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return None
    return tuple((str(a), str(b)) for a, b in value)
