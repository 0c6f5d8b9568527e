"""repomd.xml: parsing it, and checking data files against its checksums."""

from __future__ import annotations

import hashlib
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from streams.errors import RepoError

log = logging.getLogger(__name__)


CHUNK = 1 << 20


# repomd.xml's checksum types (createrepo_c's cr_checksum_name_str; "sha" is yum's old SHA-1).
_HASHLIB_NAMES = {
    "md5": "md5",
    "sha": "sha1",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}
_REPO_NS = "{http://linux.duke.edu/metadata/repo}"


@dataclass(frozen=True, slots=True)
class RepomdFile:
    """One ``<data>`` record of repomd.xml."""

    type: str
    href: str
    checksum_type: str
    checksum: str
    size: int | None

    @property
    def basename(self) -> str:
        return self.href.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Repomd:
    """What streams needs from repomd.xml: revision, its own sha256, the data records."""

    revision: str
    checksum: str
    """sha256 of repomd.xml itself: identifies this exact state of the repository."""
    files: tuple[RepomdFile, ...]

    def get(self, kind: str) -> RepomdFile | None:
        for f in self.files:
            if f.type == kind:
                return f
        return None


def parse_repomd(data: bytes, *, repo: str, source: str) -> Repomd:
    """Parse repomd.xml bytes; RepoError naming the repo and where the bytes came from."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RepoError(
            f"repo {repo}: {source} is not valid XML ({exc})",
            hint="the file is truncated or not repomd.xml; check the URL",
        ) from exc
    if root.tag not in (f"{_REPO_NS}repomd", "repomd"):
        raise RepoError(f"repo {repo}: {source} is not an rpm-md repomd.xml (root <{root.tag}>)")

    def child(el: ET.Element, name: str) -> ET.Element | None:
        found = el.find(f"{_REPO_NS}{name}")
        return found if found is not None else el.find(name)

    rev_el = child(root, "revision")
    files = []
    for data_el in list(root.findall(f"{_REPO_NS}data")) + list(root.findall("data")):
        kind = data_el.get("type", "")
        loc = child(data_el, "location")
        csum = child(data_el, "checksum")
        size_el = child(data_el, "size")
        if loc is None or csum is None or not loc.get("href") or not csum.text:
            continue  # a record without location or checksum cannot be fetched safely
        size = None
        if size_el is not None and size_el.text and size_el.text.strip().isdigit():
            size = int(size_el.text.strip())
        files.append(
            RepomdFile(
                kind,
                loc.get("href", ""),
                csum.get("type", "sha256"),
                csum.text.strip().lower(),
                size,
            )
        )
    return Repomd(
        (rev_el.text or "").strip() if rev_el is not None else "",
        hashlib.sha256(data).hexdigest(),
        tuple(files),
    )


def file_digest(path: Path, algorithm: str) -> tuple[str, int]:
    """Hex digest and size of ``path``, read in 1 MiB chunks (hashlib releases the GIL)."""
    h = hashlib.new(algorithm)
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def verify_file(path: Path, rec: RepomdFile, *, repo: str, where: str) -> None:
    """Raise RepoError unless ``path`` has the checksum (and size) repomd.xml gives for it."""
    algo = _HASHLIB_NAMES.get(rec.checksum_type.lower())
    if algo is None:
        raise RepoError(
            f"repo {repo}: {rec.href} uses unknown checksum type {rec.checksum_type!r}",
            hint=f"supported: {', '.join(sorted(_HASHLIB_NAMES))}",
        )
    try:
        digest, size = file_digest(path, algo)
    except FileNotFoundError as exc:
        raise RepoError(f"repo {repo}: {rec.href} is missing from {where}") from exc
    if digest == rec.checksum:
        return
    if rec.size is not None and size < rec.size:
        what = f"is truncated ({size} of {rec.size} bytes)"
    else:
        what = f"does not match repomd.xml ({rec.checksum_type} {digest}, expected {rec.checksum})"
    raise RepoError(
        f"repo {repo}: {rec.href} from {where} {what}",
        hint="the repository is being updated or the download was cut; try again later, "
        "or use another mirror",
    )
