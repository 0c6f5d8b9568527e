"""Is a stream's prefix safe in an image-mode system?  (``streams check --manifest-format``.)

On rpm-ostree / bootc hosts only the image's own trees are replaced on update; several
top-level directories are links into the one persistent ``/var`` that every deployment shares.
rpm-ostree creates them (its ``rpm-ostree-0-integration.conf`` tmpfiles: ``/var/home``,
``/var/srv``, ``/var/roothome``, ``/var/mnt``; ``rpm-ostree-0-integration-opt-usrlocal.conf``:
``/var/opt``, ``/var/usrlocal``).  Content an image puts under ``/var`` is unpacked on the first
deployment only and never updated or rolled back afterwards (bootc docs, docs/src/filesystem.md,
"/var": it "acts like a Docker VOLUME /var").

``/opt`` is special: rpm-ostree's treefile option ``opt-usrlocal`` decides whether it is a link
to ``/var/opt`` (``var``, the historical default; Fedora CoreOS and the Atomic desktops) or a
plain directory of the image (``root``, "only use this with composefs enabled";
coreos.github.io/rpm-ostree/treefile/).  fedora-bootc base images use ``root``, so ``/opt`` is
read-only image content there (bootc docs, "/opt").  A stream under ``/opt`` therefore works in a
bootc image built ``FROM fedora-bootc`` and in a treefile compose that sets ``opt-usrlocal:
root`` (the manifests do both), and breaks on bases that keep the ``/var`` link.

Package-mode installs (the kickstart fragment) have no such links: nothing to warn about.
"""

from __future__ import annotations

from pathlib import Path

from streams.errors import Problem
from streams.recipe import Recipe, load

IMAGE_MODE_FORMATS: tuple[str, ...] = ("containerfile", "treefile", "blueprint")
"""Manifest formats whose result is (or may be) an rpm-ostree / bootc system."""

# Top-level trees that image-mode hosts always link into /var (rpm-ostree's tmpfiles above).
VAR_LINKED: dict[str, str] = {
    "/var": "/var",
    "/srv": "/var/srv",
    "/home": "/var/home",
    "/mnt": "/var/mnt",
    "/root": "/var/roothome",
    "/usr/local": "/var/usrlocal",
}

_OPT_ADVICE: dict[str, str] = {
    "containerfile": "build FROM a fedora-bootc base (its /opt is a plain directory of the "
    "image); the Containerfile fragment stops the build when /opt is a link into /var",
    "treefile": "keep the fragment's `opt-usrlocal: root` and enable composefs "
    "(/usr/lib/ostree/prepare-root.conf: [composefs] enabled = true) in the composed tree",
    "blueprint": "build package-based image types (qcow2, ami, raw, ...); edge/iot ostree "
    "commits link /opt to /var/opt, so for those use the treefile or containerfile format",
}


def _under(prefix: str, root: str) -> bool:
    return prefix == root or prefix.startswith(root + "/")


def image_prefix_warnings(recipe: Recipe, fmt: str) -> list[Problem]:
    """Warnings about ``recipe``'s prefix for manifests of format ``fmt`` (empty: safe).

    Each warning points at the ``prefix`` line of the recipe file when the recipe sets it, or
    at its ``[stream]`` table when the default ``/opt/streams/NAME`` applies.
    """
    if fmt not in IMAGE_MODE_FORMATS:
        return []
    prefix = recipe.prefix
    explicit = recipe.stream.prefix is not None
    file, line, column = _where(recipe.path, explicit)
    said = f"prefix {prefix}" if explicit else f"default prefix {prefix}"
    for root, target in VAR_LINKED.items():
        if _under(prefix, root):
            return [
                Problem(
                    file,
                    line,
                    column,
                    "stream.prefix",
                    f"{said} is under {root}, which image-mode ({fmt}) systems keep in the "
                    f"persistent {target}: the stream would be installed on the first boot "
                    "only and never updated or rolled back with the image",
                    f'set prefix = "/opt/streams/{recipe.name}" (image content on fedora-bootc '
                    "and with opt-usrlocal: root) in [stream]",
                )
            ]
    if _under(prefix, "/opt"):
        return [
            Problem(
                file,
                line,
                column,
                "stream.prefix",
                f"{said} is under /opt, which is image content only where the base keeps /opt "
                "a plain directory (rpm-ostree opt-usrlocal: root with composefs, as "
                "fedora-bootc does); Fedora CoreOS, the Atomic desktops and other "
                "opt-usrlocal: var bases link it to /var/opt",
                _OPT_ADVICE[fmt],
            )
        ]
    return []


def _where(path: Path | None, explicit: bool) -> tuple[str, int | None, int | None]:
    if path is None:
        return ("<recipe>", None, None)
    pos = load(path).position(("stream", "prefix") if explicit else ("stream",))
    if pos is None:
        return (str(path), None, None)
    return (str(path), pos.line, pos.column)
