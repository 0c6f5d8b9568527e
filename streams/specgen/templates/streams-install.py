#!/usr/bin/python3
"""Install wheels into a stream prefix inside an RPM buildroot, and write the %files list.

Shipped by `streams specgen` as Source1 of every bundled-distribution spec and run in
%install with the build host's python3 (it needs the `installer` library:
python3-installer on Fedora and Debian).  It uses installer's Python API with an explicit
scheme, so the layout does not depend on the interpreter that runs it:

  purelib, platlib  SITELIB             (the prefix is a venv: lib/, never lib64/)
  scripts           PREFIX/bin          (shebang: the prefix's python, PREFIX/bin/python3)
  data              PREFIX
  headers           PREFIX/include/python3.X/DIST

and writes an rpm file list of exactly what was installed: the top-level entries under
SITELIB (the dist-info directory file by file, license files marked %license) and the
scripts.  File names rpm could misread (%, quotes, glob characters, newlines) stop the build.

usage: streams-install.py --root BUILDROOT --prefix PREFIX --sitelib SITELIB
                          --python-version 3.X --interpreter /usr/bin/python3.X
                          --files OUT WHEEL...

Byte-compilation (optimization levels 0 and 1, like Fedora's %py_byte_compile) runs with
--interpreter, the stream's own Python, because .pyc files are specific to its version.
"""

import argparse
import os
import re
import subprocess
import sys

from installer import install  # type: ignore[import-not-found,unused-ignore]
from installer.destinations import (  # type: ignore[import-not-found,unused-ignore]
    SchemeDictionaryDestination,
)
from installer.sources import WheelFile  # type: ignore[import-not-found,unused-ignore]

UNSAFE = re.compile(r'[%"\\*?\[\]{}\n\r\t]')
LICENSE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


def entry(path: str, license_file: bool = False) -> str:
    if UNSAFE.search(path):
        sys.exit(f"streams-install: refusing to package a file name rpm may misread: {path!r}")
    quoted = f'"{path}"' if " " in path else path
    return f"%license {quoted}" if license_file else quoted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--sitelib", required=True)
    ap.add_argument("--python-version", required=True)
    ap.add_argument("--interpreter", required=True)
    ap.add_argument("--files", required=True)
    ap.add_argument("wheels", nargs="+")
    args = ap.parse_args()

    root = os.path.abspath(args.root)
    lines = []
    for wheel in args.wheels:
        name = os.path.basename(wheel).split("-")[0]
        scheme = {
            "purelib": args.sitelib,
            "platlib": args.sitelib,
            "scripts": args.prefix + "/bin",
            "data": args.prefix,
            "headers": f"{args.prefix}/include/python{args.python_version}/{name}",
        }
        destination = SchemeDictionaryDestination(
            scheme,
            interpreter=args.prefix + "/bin/python3",
            script_kind="posix",
            destdir=root,
        )
        with WheelFile.open(wheel) as source:
            install(source, destination, {"INSTALLER": b"streams\n"})

    sitelib = root + args.sitelib
    compile_cmd = [args.interpreter, "-m", "compileall", "-q", "-f", "-o", "0", "-o", "1"]
    compile_cmd += ["-s", root, "-p", "/", sitelib]
    subprocess.run(compile_cmd, check=True)
    for top in sorted(os.listdir(sitelib)):
        path = args.sitelib + "/" + top
        if top.endswith(".dist-info"):
            lines.append("%dir " + entry(path))
            for dirpath, _dirs, filenames in sorted(os.walk(sitelib + "/" + top)):
                rel = dirpath[len(root) :]
                if rel != path:
                    lines.append("%dir " + entry(rel))
                in_licenses = "/licenses" in rel[len(path) :]
                for f in sorted(filenames):
                    lines.append(entry(rel + "/" + f, in_licenses or bool(LICENSE.match(f))))
        else:
            lines.append(entry(path))
    bindir = root + args.prefix + "/bin"
    if os.path.isdir(bindir):
        for script in sorted(os.listdir(bindir)):
            lines.append(entry(args.prefix + "/bin/" + script))
    for extra in ("include", "share", "etc"):
        if os.path.isdir(root + args.prefix + "/" + extra):
            lines.append(entry(args.prefix + "/" + extra))
    with open(args.files, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
