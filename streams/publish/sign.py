"""Signing a stream repository with an existing GnuPG key, and verifying the result.

* RPMs: ``rpmsign --addsign --define "_gpg_name KEYID"`` (rpm's sign/rpmgensig.c runs gpg with
  the ``%__gpg_sign_cmd`` macro, which takes the key from ``%_gpg_name``);
* metadata: ``gpg --detach-sign --armor --local-user KEYID repodata/repomd.xml`` gives
  ``repomd.xml.asc``, which dnf checks when the .repo file says ``repo_gpgcheck=1``
  (dnf.conf(5));
* the public key: ``gpg --export --armor KEYID`` into ``RPM-GPG-KEY-NAME-stream`` next to the
  repository, which the .repo file's ``gpgkey=`` points at.

Keys are never generated here, and no key material is logged or returned: only the public key
goes into a file, and command output is kept out of messages except gpg's own one-line errors.
Verification imports the exported public key into scratch databases (``rpm --dbpath TMP
--import``, a fresh ``GNUPGHOME``) so it proves what a user with only that file would see.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from streams.errors import CommandError, PublishError
from streams.infra.fsutil import atomic_write_bytes
from streams.infra.proc import run, which

_PUBLIC_KEY_HEADER = b"-----BEGIN PGP PUBLIC KEY BLOCK-----"
_GPG_HINT = "install gnupg (dnf install gnupg2 / apt-get install gpg)"
_RPMSIGN_HINT = "install rpm-sign (dnf install rpm-sign; on Debian it is part of the rpm package)"


def key_file_name(stream: str) -> str:
    """``RPM-GPG-KEY-NAME-stream``: the public key file published beside the repository."""
    return f"RPM-GPG-KEY-{stream}-stream"


def _gpg() -> str:
    return which("gpg", hint=_GPG_HINT)


def _first_error_line(exc: CommandError) -> str:
    """gpg's/rpm's own error line, without echoing anything else it printed."""
    for line in exc.output_tail.splitlines():
        if re.search(r"(error|failed|No secret key|not found|skipped)", line, re.IGNORECASE):
            return line.strip()
    return f"exit code {exc.returncode}"


def check_secret_key(key_id: str) -> None:
    """PublishError unless the keyring (``$GNUPGHOME``) has a secret key for ``key_id``."""
    if not key_id or key_id.startswith("-") or any(c in key_id for c in "\n\r\0"):
        raise PublishError(
            f"--sign: {key_id!r} is not a key id",
            hint="give a key id, fingerprint or user id of a key in your GnuPG keyring",
        )
    try:
        run(
            [_gpg(), "--batch", "--with-colons", "--list-secret-keys", "--", key_id],
            what="gpg --list-secret-keys",
        )
    except CommandError as exc:
        home = os.environ.get("GNUPGHOME", "~/.gnupg")
        raise PublishError(
            f"--sign: no secret key {key_id!r} in the GnuPG keyring ({home})",
            hint="streams never creates keys; create or import one with gpg "
            "(gpg --quick-gen-key), or set GNUPGHOME to the keyring that has it",
        ) from exc


def sign_rpms(rpms: Sequence[Path], key_id: str, *, log_file: Path | None = None) -> None:
    """Add a signature by ``key_id`` to each RPM in place (``rpmsign --addsign``)."""
    if not rpms:
        return
    tool = which("rpmsign", hint=_RPMSIGN_HINT)
    try:
        run(
            [
                tool,
                "--addsign",
                "--define",
                f"_gpg_name {key_id}",
                # Debian's rpm macros name /usr/bin/gpg2, which Debian does not ship: use the
                # gpg found on PATH (rpm's macros.in: %__gpg is the signing command's gpg).
                "--define",
                f"__gpg {_gpg()}",
                *map(str, rpms),
            ],
            log_file=log_file,
            what="rpmsign --addsign",
        )
    except CommandError as exc:
        raise PublishError(
            f"signing {len(rpms)} RPM(s) with key {key_id!r} failed: {_first_error_line(exc)}",
            hint="a key with a passphrase needs a running gpg-agent that has it cached",
        ) from exc


def sign_repomd(repo_dir: Path, key_id: str) -> Path:
    """Write ``repodata/repomd.xml.asc``, an armored detached signature of repomd.xml."""
    repomd = repo_dir / "repodata" / "repomd.xml"
    asc = repomd.with_name("repomd.xml.asc")
    tmp = asc.with_name(".repomd.xml.asc.tmp")
    try:
        run(
            [
                _gpg(),
                "--batch",
                "--yes",
                "--armor",
                "--detach-sign",
                "--local-user",
                key_id,
                "--output",
                str(tmp),
                str(repomd),
            ],
            what="gpg --detach-sign",
        )
        os.replace(tmp, asc)
    except CommandError as exc:
        raise PublishError(
            f"signing {repomd} with key {key_id!r} failed: {_first_error_line(exc)}"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return asc


def export_public_key(key_id: str, dest: Path) -> Path:
    """Write the armored public key of ``key_id`` to ``dest`` (never the secret key)."""
    try:
        res = run([_gpg(), "--batch", "--armor", "--export", "--", key_id], what="gpg --export")
    except CommandError as exc:
        raise PublishError(
            f"exporting the public key {key_id!r} failed: {_first_error_line(exc)}"
        ) from exc
    data = res.stdout.encode()
    if not data.lstrip().startswith(_PUBLIC_KEY_HEADER):
        raise PublishError(f"gpg exported no public key for {key_id!r}")
    atomic_write_bytes(dest, data)
    dest.chmod(0o644)  # published next to the repository (atomic writes start at 0600)
    return dest


def verify_rpms(rpms: Sequence[Path], key_file: Path) -> list[str]:
    """``rpm -K`` of each RPM against only ``key_file``; the problems found (empty: all OK).

    The key goes into a scratch rpm database, so the host's rpmdb is neither used nor changed.
    """
    if not rpms:
        return []
    tool = which("rpm", hint="install rpm")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="streams-rpmdb-") as db:
        run([tool, "--dbpath", db, "--import", str(key_file)], what="rpm --import")
        for path in rpms:
            res = run([tool, "--dbpath", db, "-K", str(path)], check=False, what="rpm -K")
            out = (res.stdout + res.stderr).strip()
            # rpm -K prints "<file>: digests signatures OK" when every check passed
            # (rpm's lib/rpmchecksig.c); "NOKEY"/"NOT OK" and missing "signatures" fail.
            if res.returncode != 0 or not out.endswith("signatures OK"):
                problems.append(f"{path.name}: {out.splitlines()[-1] if out else 'no output'}")
    return problems


def verify_repomd(repo_dir: Path, key_file: Path) -> str | None:
    """Check ``repomd.xml.asc`` with gpgv against only ``key_file``; None when it verifies."""
    repomd = repo_dir / "repodata" / "repomd.xml"
    asc = repomd.with_name("repomd.xml.asc")
    if not asc.is_file():
        return f"{asc} is missing"
    gpgv = which("gpgv", hint=_GPG_HINT)
    with tempfile.TemporaryDirectory(prefix="streams-gnupg-") as home:
        keyring = Path(home) / "pubring.gpg"
        try:
            # gpgv reads binary keyrings only; --dearmor converts without touching any keyring.
            run(
                [
                    _gpg(),
                    "--homedir",
                    home,
                    "--batch",
                    "--yes",
                    "--output",
                    str(keyring),
                    "--dearmor",
                    str(key_file),
                ],
                what="gpg --dearmor",
            )
        except CommandError as exc:
            return f"cannot read the public key {key_file}: {_first_error_line(exc)}"
        res = run(
            [gpgv, "--keyring", str(keyring), str(asc), str(repomd)], check=False, what="gpgv"
        )
        if res.returncode != 0:
            return f"repomd.xml.asc does not verify with {key_file.name}"
    return None
