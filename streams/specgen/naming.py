"""RPM names, the stream's provides namespace, and the paths of the prefix.

docs/concepts.md, "The provides firewall":

- ``NAME-stream`` (metapackage), ``NAME-stream-runtime`` (owns the prefix),
  ``NAME-stream-python3-DIST`` (one per bundled distribution);
- stream-internal dependencies use ``NAME-stream-python3dist(DIST) = V`` (and
  ``NAME-stream-python3dist(DIST[EXTRA])`` for extras), never ``python3dist()``;
- everything is installed under ``PREFIX`` (default ``/opt/streams/NAME``), Python code in
  ``PREFIX/lib/python3.X/site-packages`` (a venv layout: ``lib/``, not ``lib64/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name

__all__ = [
    "StreamPaths",
    "metapackage",
    "package_name",
    "runtime_package",
    "stream_provide",
]


def metapackage(stream: str) -> str:
    """``vllm-stream``."""
    return f"{stream}-stream"


def runtime_package(stream: str) -> str:
    """``vllm-stream-runtime``."""
    return f"{stream}-stream-runtime"


def package_name(stream: str, dist: str) -> str:
    """``vllm-stream-python3-torch`` for ``Torch`` (PEP 503-normalized)."""
    return f"{stream}-stream-python3-{canonicalize_name(dist)}"


def stream_provide(stream: str, dist: str, extra: str | None = None) -> str:
    """``vllm-stream-python3dist(foo-bar)`` or ``...(foo-bar[extra])`` (extra lower-cased,
    as Fedora's generator writes ``python3dist(foo[extra])``)."""
    suffix = f"[{extra.lower()}]" if extra else ""
    return f"{stream}-stream-python3dist({canonicalize_name(dist)}{suffix})"


@dataclass(frozen=True, slots=True)
class StreamPaths:
    """Where a stream lives on disk for one interpreter."""

    prefix: str
    """``/opt/streams/vllm``."""
    python_version: str
    """``3.14``."""
    interpreter: str
    """The system interpreter the prefix's python links to: ``/usr/bin/python3``."""

    @property
    def bindir(self) -> str:
        return f"{self.prefix}/bin"

    @property
    def python(self) -> str:
        """``PREFIX/bin/python3``: the shebang of every console script of the stream."""
        return f"{self.prefix}/bin/python3"

    @property
    def libdir(self) -> str:
        return f"{self.prefix}/lib/python{self.python_version}"

    @property
    def sitelib(self) -> str:
        """Purelib and platlib both: the prefix is a venv, which uses ``lib/`` only."""
        return f"{self.libdir}/site-packages"
