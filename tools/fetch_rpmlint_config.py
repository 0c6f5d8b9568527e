"""Embed Fedora's rpmlint configuration from rpmlint's sdist.

Run ``python tools/fetch_rpmlint_config.py``.

rpmlint's wheel installs no distribution configuration; its sdist ships Fedora's under
``configs/Fedora/`` (``fedora.toml``, ``licenses.toml``, ``scoring.toml``, ``users-groups.toml``,
``warn-on-functions.toml``), the same files Fedora's rpmlint package installs into
``/etc/xdg/rpmlint/``.  This tool takes them from the sdist of the pinned version (downloaded
with ``pip download``, or given with ``--sdist``), checks the sdist's sha256, and writes them
unchanged into ``streams/data/rpmlint/fedora/``, with ``fedora-source.toml`` beside it
recording the version, the day it was fetched (``--date``, default today), the sdist's name
and sha256 and each file's sha256.  Rerun it after
bumping the pin::

    python tools/fetch_rpmlint_config.py --version 2.11.0 --sha256 NEW_SHA256

(``--sha256`` is what PyPI lists for the new sdist; without ``--version`` the recorded one is
fetched again and must match the recorded sha256.)

Its ``licenses.toml`` is Fedora's pre-SPDX (Callaway) list, last synced in 2021; Fedora's SPDX
list is derived from Fedora's specs instead (``tools/make_license_list.py``).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402

from streams.infra.proc import run  # noqa: E402

DEST = ROOT / "streams" / "data" / "rpmlint" / "fedora"
SOURCE = DEST.parent / "fedora-source.toml"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(version: str, into: Path) -> Path:
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(into),
            f"rpmlint=={version}",
        ],
        what="pip download rpmlint",
    )
    found = sorted(into.glob(f"rpmlint-{version}.tar.gz"))
    if not found:
        raise SystemExit(f"pip download left no rpmlint-{version}.tar.gz in {into}")
    return found[0]


def extract(sdist: Path, version: str, expected_sha256: str) -> dict[str, bytes]:
    """The ``configs/Fedora/*.toml`` files of ``sdist``, after checking its sha256."""
    digest = _sha256(sdist.read_bytes())
    if digest != expected_sha256:
        raise SystemExit(f"{sdist.name}: sha256 {digest}, expected {expected_sha256}")
    prefix = f"rpmlint-{version}/configs/Fedora/"
    files: dict[str, bytes] = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            name = member.name
            if member.isfile() and name.startswith(prefix) and name.endswith(".toml"):
                rest = name[len(prefix) :]
                if "/" in rest:
                    continue
                fh = tar.extractfile(member)
                assert fh is not None
                files[rest] = fh.read()
    if "fedora.toml" not in files:
        raise SystemExit(f"{sdist.name} has no {prefix}fedora.toml")
    for data in files.values():
        tomllib.loads(data.decode("utf-8"))  # each must parse, as rpmlint will read it
    return files


def main() -> int:
    recorded = tomllib.loads(SOURCE.read_text()) if SOURCE.is_file() else {}
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default=recorded.get("version"), help="rpmlint version")
    ap.add_argument("--sha256", default=None, help="sha256 of the new version's sdist")
    ap.add_argument("--sdist", type=Path, default=None, help="use this sdist, do not download")
    ap.add_argument(
        "--date",
        type=datetime.date.fromisoformat,
        default=datetime.datetime.now(datetime.UTC).date(),
        help="the day recorded as 'fetched' (YYYY-MM-DD; default: today, UTC)",
    )
    args = ap.parse_args()
    if not args.version:
        ap.error("--version is needed (no fedora-source.toml recorded yet)")
    expected = args.sha256 or (
        recorded.get("sdist_sha256") if recorded.get("version") == args.version else None
    )
    if not expected:
        ap.error(f"--sha256 is needed for rpmlint {args.version} (not the recorded version)")
    with tempfile.TemporaryDirectory() as tmp:
        sdist = args.sdist or _download(args.version, Path(tmp))
        files = extract(sdist, args.version, expected)
        DEST.mkdir(parents=True, exist_ok=True)
        for old in DEST.glob("*.toml"):
            if old.name not in files:
                old.unlink()
        for name, data in sorted(files.items()):
            (DEST / name).write_bytes(data)
        record = {
            "comment": "Written by tools/fetch_rpmlint_config.py; do not edit by hand.",
            "package": "rpmlint",
            "version": args.version,
            "fetched": args.date.isoformat(),
            "sdist": sdist.name,
            "sdist_sha256": expected,
            "path_in_sdist": f"rpmlint-{args.version}/configs/Fedora/",
            "files": {name: _sha256(data) for name, data in sorted(files.items())},
        }
        SOURCE.write_text(tomli_w.dumps(record))
    print(f"rpmlint {args.version}: {len(files)} Fedora config files in {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
