"""Publishing a stream's built RPMs as an rpm-md repository with a ``.repo`` file.

``publish_repo(rpms_dir, out_dir, stream=..., baseurl=..., sign_key=...)``:

1. mirrors the binary RPMs found under ``rpms_dir`` into ``out_dir`` (flat); with
   ``packages``, only those built from these source packages (their ``SOURCERPM`` header), so
   leftovers of packages a re-lock dropped are never published.  An RPM whose
   source did not change since the last run (same size and mtime, same signing key) is left
   alone, and RPMs that are no longer built are removed.  ``rpms_dir == out_dir`` publishes in
   place;
2. signs the new copies with ``rpmsign`` when ``sign_key`` is given (:mod:`.sign`);
3. runs ``createrepo_c`` — with ``--update`` when ``repodata/`` exists, so the metadata of
   unchanged packages (same mtime and size) is reused instead of re-reading them
   (createrepo_c(8));
4. signs ``repomd.xml`` (``repomd.xml.asc``) and exports the public key next to it;
5. writes ``NAME-stream.repo``.

What was mirrored is recorded in ``out_dir/.streams-publish.json``, so a re-run knows which
copies are current.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import CommandError, PublishError
from streams.infra.fsutil import atomic_write_text
from streams.infra.proc import run, which
from streams.publish import sign as _sign

STATE_FILE = ".streams-publish.json"
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What :func:`publish_repo` did."""

    repo_dir: Path
    repo_file: Path
    """``NAME-stream.repo``."""
    packages: tuple[str, ...]
    """File names of the RPMs in the repository, sorted."""
    copied: tuple[str, ...]
    """RPMs copied (and signed) in this run; unchanged ones are not."""
    removed: tuple[str, ...]
    """RPMs removed because ``rpms_dir`` no longer has them."""
    incremental: bool
    """True when createrepo_c ran with ``--update`` over existing metadata."""
    createrepo_argv: tuple[str, ...]
    signed_by: str | None
    key_file: Path | None
    """The exported public key (signed repositories only)."""
    repomd_signature: Path | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "repo_dir": str(self.repo_dir),
            "repo_file": str(self.repo_file),
            "packages": list(self.packages),
            "copied": list(self.copied),
            "removed": list(self.removed),
            "incremental": self.incremental,
            "createrepo_argv": list(self.createrepo_argv),
            "signed_by": self.signed_by,
            "key_file": str(self.key_file) if self.key_file else None,
            "repomd_signature": str(self.repomd_signature) if self.repomd_signature else None,
        }


def repo_file_text(
    stream: str,
    baseurl: str,
    *,
    summary: str | None = None,
    gpgkey: str | None = None,
) -> str:
    """The ``NAME-stream.repo`` text (dnf.conf(5) repo options).

    Signed repositories (``gpgkey`` given) get ``gpgcheck=1`` and ``repo_gpgcheck=1``; unsigned
    ones ``gpgcheck=0``, so dnf installs them without asking for a key that does not exist.
    """
    section = f"{stream}-stream"
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.optionxform = str  # type: ignore[assignment,method-assign]  # keep option case
    opts: dict[str, str] = {
        "name": _one_line(summary or f"{stream} stream"),
        "baseurl": baseurl,
        "enabled": "1",
    }
    if gpgkey:
        opts.update({"gpgcheck": "1", "repo_gpgcheck": "1", "gpgkey": gpgkey})
    else:
        opts["gpgcheck"] = "0"
    cfg[section] = opts
    buf = io.StringIO()
    cfg.write(buf, space_around_delimiters=False)
    return buf.getvalue().rstrip("\n") + "\n"


def _one_line(text: str) -> str:
    # a newline in a value would start a new option or section in the INI file
    return " ".join(text.split())


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _load_state(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _mirror(
    rpms: Sequence[Path], out_dir: Path, sign_key: str | None, *, in_place: bool
) -> tuple[list[Path], list[str], dict[str, Any]]:
    """Copy changed RPMs into ``out_dir``; the copies to sign, removed names, new state."""
    previous = _load_state(out_dir)
    state: dict[str, Any] = {}
    fresh: list[Path] = []
    names = {p.name for p in rpms}
    if len(names) != len(rpms):
        dupes = sorted({p.name for p in rpms if sum(q.name == p.name for q in rpms) > 1})
        raise PublishError(
            f"the same RPM file name appears twice under the build results: {', '.join(dupes)}",
            hint="remove stale build results, or publish each target separately",
        )
    for src in rpms:
        dest = out_dir / src.name
        before = previous.get(src.name)
        source_key = _stat_key(src)
        current = (
            isinstance(before, dict)
            and dest.exists()
            and before.get("source") == source_key
            and before.get("key") == sign_key
            and before.get("result") == _stat_key(dest)
        )
        if current:
            state[src.name] = before
            continue
        if not in_place:
            tmp = dest.with_name(f".{dest.name}.tmp")
            shutil.copy2(src, tmp)
            os.replace(tmp, dest)
        fresh.append(dest)
        state[src.name] = {"source": source_key, "key": sign_key}
    removed: list[str] = []
    if not in_place:
        for old in sorted(out_dir.glob("*.rpm")):
            if old.name not in names:
                old.unlink()
                removed.append(old.name)
    return fresh, removed, state


def read_header(path: Path) -> Any:
    """The header of the RPM ``path`` (rpm Python bindings; signatures and digests not
    checked: the repository is signed and checked as a whole), PublishError if unreadable."""
    import rpm

    ts = rpm.TransactionSet()
    ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return ts.hdrFromFdno(fd)
    except rpm.error as exc:
        raise PublishError(f"{path} is not a readable RPM package ({exc})") from exc
    finally:
        os.close(fd)


def source_package(path: Path) -> str:
    """The name of the source package ``path`` was built from (its ``SOURCERPM`` header).

    The header value is ``NAME-VERSION-RELEASE.src.rpm``.
    """
    import rpm

    hdr = read_header(path)
    src = hdr[rpm.RPMTAG_SOURCERPM]
    if not src:
        return str(hdr[rpm.RPMTAG_NAME])
    return str(src).removesuffix(".src.rpm").rsplit("-", 2)[0]


def publish_repo(
    rpms_dir: Path,
    out_dir: Path,
    *,
    stream: str,
    baseurl: str | None = None,
    sign_key: str | None = None,
    update: bool = True,
    summary: str | None = None,
    log_file: Path | None = None,
    packages: Collection[str] | None = None,
) -> PublishResult:
    """Make ``out_dir`` an rpm-md repository of the RPMs under ``rpms_dir`` (see module doc).

    ``baseurl`` is where users will reach the repository (default: ``file://`` of
    ``out_dir``).  With ``sign_key`` the RPMs and repomd.xml are signed by that existing GnuPG
    key and checked with ``rpm -K`` / gpgv against the exported public key before returning.
    ``update=False`` forces createrepo_c to re-read every package.  ``packages`` (source
    package names) publishes only the RPMs built from them; a copy of any other is removed.
    """
    rpms_dir = rpms_dir.resolve()
    out_dir = out_dir.resolve()
    if not rpms_dir.is_dir():
        raise PublishError(
            f"{rpms_dir} does not exist or is not a directory",
            hint="build the stream first (streams build), or name the RPMs with --rpms DIR",
        )
    in_place = rpms_dir == out_dir
    rpms = sorted(
        (
            p
            for p in (rpms_dir.glob("*.rpm") if in_place else rpms_dir.rglob("*.rpm"))
            if not p.name.endswith(".src.rpm") and out_dir not in p.parents
        ),
        key=lambda p: p.name,
    )
    if packages is not None:
        wanted = set(packages)
        rpms = [p for p in rpms if source_package(p) in wanted]
    if not rpms:
        raise PublishError(
            f"no binary RPMs under {rpms_dir}", hint="build the stream first (streams build)"
        )
    if sign_key:
        _sign.check_secret_key(sign_key)
    out_dir.mkdir(parents=True, exist_ok=True)

    fresh, removed, state = _mirror(rpms, out_dir, sign_key, in_place=in_place)
    if sign_key:
        _sign.sign_rpms(fresh, sign_key, log_file=log_file)
    for name, entry in state.items():
        if "result" not in entry:
            entry["result"] = _stat_key(out_dir / name)
            if in_place:  # the signed file is now the source of the next run
                entry["source"] = entry["result"]

    tool = which("createrepo_c", hint="install createrepo_c")
    incremental = update and (out_dir / "repodata" / "repomd.xml").is_file()
    argv = [tool, "--no-database", "--general-compress-type", "gz"]
    if incremental:
        argv.append("--update")
    argv.append(str(out_dir))
    try:
        run(argv, log_file=log_file, what="createrepo_c")
    except CommandError as exc:
        raise PublishError(f"createrepo_c failed on {out_dir}: {exc.message}") from exc
    atomic_write_text(
        out_dir / STATE_FILE,
        json.dumps({"version": STATE_VERSION, "files": state}, indent=1, sort_keys=True) + "\n",
    )

    url = baseurl or out_dir.as_uri()
    key_file: Path | None = None
    asc: Path | None = None
    stale_asc = out_dir / "repodata" / "repomd.xml.asc"
    if sign_key:
        key_file = _sign.export_public_key(sign_key, out_dir / _sign.key_file_name(stream))
        asc = _sign.sign_repomd(out_dir, sign_key)
        bad = _sign.verify_rpms([out_dir / p.name for p in rpms], key_file)
        problem = _sign.verify_repomd(out_dir, key_file)
        if bad or problem:
            raise PublishError(
                "the signed repository does not verify with the exported key: "
                + "; ".join([*bad, *([problem] if problem else [])])
            )
    else:
        stale_asc.unlink(missing_ok=True)  # a signature of older metadata would fail dnf
    gpgkey = f"{url.rstrip('/')}/{key_file.name}" if key_file else None
    repo_file = out_dir / f"{stream}-stream.repo"
    atomic_write_text(repo_file, repo_file_text(stream, url, summary=summary, gpgkey=gpgkey))
    repo_file.chmod(0o644)  # published: readable by everyone (atomic writes start at 0600)
    return PublishResult(
        repo_dir=out_dir,
        repo_file=repo_file,
        packages=tuple(p.name for p in rpms),
        copied=tuple(p.name for p in fresh),
        removed=tuple(removed),
        incremental=incremental,
        createrepo_argv=tuple(argv),
        signed_by=sign_key,
        key_file=key_file,
        repomd_signature=asc,
    )
