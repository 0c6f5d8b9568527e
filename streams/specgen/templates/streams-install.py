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
                          --files OUT [--modules OUT] WHEEL...
       streams-install.py --check-imports MODULES   (in %check, with the stream's Python)

Scripts: every script in PREFIX/bin whose shebang names a Python (installer's
"#!PREFIX/bin/python3", "#!/usr/bin/env python3", "#!/usr/bin/python3") gets
"#!PREFIX/bin/python3 -I".  The path is absolute, so Fedora's brp-mangle-shebangs leaves it
alone and no /usr/bin/env dependency is generated; -I is Fedora's %py3_shebang_flags (-sP:
no user site-packages, no script directory on sys.path) plus -E, so PYTHONPATH and the other
PYTHON* variables cannot shadow the stream's modules either.

Byte-compilation (optimization levels 0 and 1, like Fedora's %py_byte_compile) runs with
--interpreter, the stream's own Python, because .pyc files are specific to its version.
The .pyc files are timestamp-based, as Fedora's (--invalidation-mode timestamp; compileall
would otherwise pick checked-hash when SOURCE_DATE_EPOCH is set).  When SOURCE_DATE_EPOCH is
set, every .py newer than it is first set to it, as Fedora's brp-python-bytecompile does with
clamp_source_mtime.py (https://fedoraproject.org/wiki/Changes/ReproducibleBuildsClampMtimes),
because rpm then clamps the packaged mtimes to it (%clamp_mtime_to_source_date_epoch) and a
.pyc recording the unclamped mtime would be stale: Python would recompile on every import,
and fail to write into a read-only prefix.

--modules writes the importable top-level names of what was installed (from the wheels'
RECORD; a namespace package's first-level packages instead of the namespace), which
--check-imports imports one by one, like Fedora's %pyproject_check_import -t.  A module that
fails because another distribution's module is missing (a requirement that the buildroot does
not install, or one of an extra the stream did not select) is skipped with a message; any
other failure fails the build.
"""

import argparse
import csv
import importlib
import io
import os
import re
import subprocess
import sys
import traceback
import zipfile

UNSAFE = re.compile(r'[%"\\*?\[\]{}\n\r\t]')
LICENSE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


def entry(path: str, license_file: bool = False) -> str:
    if UNSAFE.search(path):
        sys.exit(f"streams-install: refusing to package a file name rpm may misread: {path!r}")
    quoted = f'"{path}"' if " " in path else path
    return f"%license {quoted}" if license_file else quoted


SHEBANG = re.compile(
    rb"^#![ \t]*(?:\S*/)?(?:env[ \t]+(?:-S[ \t]*)?)?python[0-9.]*(?:[ \t][^\n]*)?\n"
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SKIP_TOP = {"__pycache__", "test", "tests", "testing"}


def fix_shebangs(bindir: str, python: str) -> None:
    """``#!PYTHON -I`` on every script of ``bindir`` that runs a Python."""
    if not os.path.isdir(bindir):
        return
    for name in sorted(os.listdir(bindir)):
        path = os.path.join(bindir, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as fh:
            data = fh.read()
        first = data.split(b"\n", 1)[0] + b"\n"
        if first.startswith(b"#!") and (
            SHEBANG.match(first) or first.startswith(b"#!" + python.encode())
        ):
            data = b"#!" + python.encode() + b" -I\n" + data[len(first) :]
            with open(path, "wb") as fh:
                fh.write(data)


def clamp_mtimes(tree: str, epoch: int) -> None:
    """Set every .py under ``tree`` newer than ``epoch`` to ``epoch``."""
    for dirpath, _dirs, filenames in os.walk(tree):
        for f in filenames:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                st = os.lstat(path)
                if st.st_mtime > epoch:
                    os.utime(path, (epoch, epoch), follow_symlinks=False)


def _module(part: str) -> str:
    """The module name of a file or directory name under site-packages, or ``""``."""
    if part.endswith(".py"):
        part = part[:-3]
    elif part.endswith(".so") or part.endswith(".pyd"):
        part = part.split(".", 1)[0]
    return part if IDENTIFIER.match(part) and part not in SKIP_TOP else ""


def top_level_modules(wheel: str) -> list[str]:
    """Importable top-level modules of ``wheel``, from its RECORD."""
    with zipfile.ZipFile(wheel) as zf:
        # the wheel's own RECORD (its top-level NAME-VERSION.dist-info), not one of a copy it
        # vendors (setuptools ships setuptools/_vendor/*.dist-info/RECORD)
        record = next(n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/RECORD", n))
        rows = list(csv.reader(io.TextIOWrapper(zf.open(record), encoding="utf-8")))
    paths = [r[0] for r in rows if r and ".dist-info/" not in r[0] and ".data/" not in r[0]]
    paths = [p for p in paths if not p.startswith("..")]
    tops: dict[str, list[str]] = {}
    for p in paths:
        tops.setdefault(p.split("/", 1)[0], []).append(p)
    out = set()
    for top, files in tops.items():
        if top not in {f for f in files}:  # a directory
            name = _module(top + ".py")
            if not name:
                continue
            if any(f.startswith(top + "/__init__.") for f in files):
                out.add(name)
                continue
            # a namespace package: its first-level packages and modules
            for f in files:
                rest = f[len(top) + 1 :].split("/")
                child = _module(rest[0] if len(rest) == 1 else rest[0] + ".py")
                if child and (
                    len(rest) == 1 or any(g.startswith(f"{top}/{rest[0]}/__init__.") for g in files)
                ):
                    out.add(f"{name}.{child}")
        else:
            name = _module(top)
            if name:
                out.add(name)
    return sorted(out)


def tidy_sitelib(sitelib: str) -> None:
    """What Fedora packagers fix in %install before rpmlint sees the files (its Fedora
    configuration makes these errors): a library file with a shebang but no exec bit loses
    the shebang line (``sed -i '1{\\@^#!@d}'``, non-executable-script), an executable file
    without one loses its exec bits (script-without-shebang), and an empty hidden file, a
    tool's marker that nothing imports (setuptools' ``_vendor/.lock``), is removed
    (zero-length)."""
    for dirpath, _dirs, filenames in os.walk(sitelib):
        for f in filenames:
            path = os.path.join(dirpath, f)
            if os.path.islink(path):
                continue
            st = os.stat(path)
            if st.st_size == 0 and f.startswith("."):
                os.unlink(path)
                continue
            with open(path, "rb") as fh:
                head = fh.read(2)
            executable = bool(st.st_mode & 0o111)
            if head == b"#!" and not executable:
                with open(path, "rb") as fh:
                    data = fh.read()
                with open(path, "wb") as fh:
                    fh.write(data.split(b"\n", 1)[1] if b"\n" in data else b"")
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            elif executable and head != b"#!":
                os.chmod(path, st.st_mode & ~0o111)


def hardlink_pycs(sitelib: str) -> None:
    """Identical optimisation levels of a module's byte-code become one file, as Fedora's
    brp-python-hardlink does (rpmlint: files-duplicated-waste): ``X.opt-1.pyc`` (and
    ``.opt-2``) hard-linked to ``X.pyc`` when the bytes are the same."""
    for dirpath, _dirs, filenames in os.walk(sitelib):
        if os.path.basename(dirpath) != "__pycache__":
            continue
        for f in filenames:
            if not f.endswith(".pyc") or ".opt-" in f:
                continue
            base = os.path.join(dirpath, f)
            for level in ("1", "2"):
                other = base[: -len(".pyc")] + f".opt-{level}.pyc"
                if os.path.isfile(other) and not os.path.samefile(base, other):
                    with open(base, "rb") as a, open(other, "rb") as b:
                        same = a.read() == b.read()
                    if same:
                        os.unlink(other)
                        os.link(base, other)


def check_imports(modules_file: str) -> int:
    """Import every module of ``modules_file``; 0 when none failed for its own reasons."""
    with open(modules_file) as fh:
        modules = [line.strip() for line in fh if line.strip()]
    own = {m.split(".")[0] for m in modules}
    failed = 0
    for mod in modules:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            missing = (exc.name or "").split(".")[0]
            if missing and missing not in own:
                print(
                    f"streams-install: import {mod}: skipped, it needs {exc.name}, which is "
                    "not in the buildroot (a requirement the build does not install, or an "
                    "extra the stream did not select)",
                    file=sys.stderr,
                )
                continue
            failed += 1
            print(f"streams-install: import {mod} FAILED:", file=sys.stderr)
            traceback.print_exc()
        except Exception:
            failed += 1
            print(f"streams-install: import {mod} FAILED:", file=sys.stderr)
            traceback.print_exc()
        else:
            print(f"streams-install: import {mod}: ok")
    return 1 if failed else 0


def main() -> None:
    if sys.argv[1:2] == ["--check-imports"] and len(sys.argv) == 3:
        sys.exit(check_imports(sys.argv[2]))
    from installer import install  # type: ignore[import-not-found,unused-ignore]
    from installer.destinations import (  # type: ignore[import-not-found,unused-ignore]
        SchemeDictionaryDestination,
    )
    from installer.sources import WheelFile  # type: ignore[import-not-found,unused-ignore]

    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--sitelib", required=True)
    ap.add_argument("--python-version", required=True)
    ap.add_argument("--interpreter", required=True)
    ap.add_argument("--files", required=True)
    ap.add_argument("--modules")
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

    python = args.prefix + "/bin/python3"
    fix_shebangs(root + args.prefix + "/bin", python)
    if args.modules:
        modules = sorted({m for wheel in args.wheels for m in top_level_modules(wheel)})
        with open(args.modules, "w") as fh:
            fh.write("".join(m + "\n" for m in modules))

    sitelib = root + args.sitelib
    tidy_sitelib(sitelib)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        clamp_mtimes(sitelib, int(epoch))
    # timestamp pycs as Fedora's (compileall would pick checked-hash when SOURCE_DATE_EPOCH
    # is set, which hashes the source on every import)
    compile_cmd = [args.interpreter, "-m", "compileall", "-q", "-f", "-o", "0", "-o", "1"]
    compile_cmd += ["--invalidation-mode", "timestamp"]
    compile_cmd += ["-s", root, "-p", "/", sitelib]
    subprocess.run(compile_cmd, check=True)
    hardlink_pycs(sitelib)
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
