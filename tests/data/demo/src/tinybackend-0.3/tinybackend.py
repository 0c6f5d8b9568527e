"""A tiny PEP 517 build backend (https://peps.python.org/pep-0517/) for the streams demo.

It reads the PEP 621 ``[project]`` table of ``pyproject.toml`` and packs the top-level
modules and packages of the source tree into a pure wheel (the binary distribution format:
https://packaging.python.org/en/latest/specifications/binary-distribution-format/).
"""

import base64
import hashlib
import os
import re
import tomllib
import zipfile

__version__ = "0.3"


def _escaped(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
        "Summary: " + project.get("description", ""),
    ]
    lic = project.get("license", {}).get("text")
    if lic:
        lines.append("License: " + lic)
    lines += ["Requires-Dist: " + r for r in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def _sources(source_dir, name):
    skip = {"pyproject.toml", "setup.py", "PKG-INFO"}
    for entry in sorted(os.listdir(source_dir)):
        path = os.path.join(source_dir, entry)
        if entry in skip or entry.startswith(".") or entry.endswith(".egg-info"):
            continue
        if entry.endswith(".py"):
            yield entry, path
        elif os.path.isfile(os.path.join(path, "__init__.py")):
            for root, _dirs, files in sorted(os.walk(path)):
                for f in sorted(files):
                    if f.endswith(".py"):
                        full = os.path.join(root, f)
                        yield os.path.relpath(full, source_dir), full


def make_wheel(source_dir, wheel_directory):
    """Build the wheel of the project in ``source_dir``; return its file name."""
    with open(os.path.join(source_dir, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    dist = _escaped(project["name"]) + "-" + project["version"]
    info = dist + ".dist-info"
    members = []
    for arcname, path in _sources(source_dir, project["name"]):
        with open(path, "rb") as f:
            members.append((arcname.replace(os.sep, "/"), f.read()))
    members.append((info + "/METADATA", _metadata(project).encode()))
    members.append(
        (
            info + "/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: tinybackend 0.3\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n",
        )
    )
    scripts = project.get("scripts", {})
    if scripts:
        text = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
        members.append((info + "/entry_points.txt", text.encode()))
    record = []
    for arcname, data in members:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{arcname},sha256={digest.decode()},{len(data)}")
    record.append(info + "/RECORD,,")
    members.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    filename = dist + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for arcname, data in members:
            zi = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return make_wheel(os.getcwd(), wheel_directory)
