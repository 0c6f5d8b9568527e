"""The compiled objects a wheel ships, and which of them are libraries bundled from elsewhere.

A wheel's ``.so`` files are of two kinds: Python extension modules (the package's own code,
``PyInit_NAME`` exported) and shared libraries. The shared libraries are the package's own
(``torch/lib/libtorch_cpu.so``) or copies of other projects'
(``torchvision.libs/libz.1140de3a.so.1``, ``nvidia/cu13/lib/libcudart.so.13``): auditwheel
``repair`` grafts every library a wheel links outside the manylinux policy into ``NAME.libs/``
(or ``.libs/`` for older wheels), renamed with a hash of its content and its ``DT_SONAME`` set
to the new name (auditwheel's ``repair.py``, https://github.com/pypa/auditwheel ).

What is read: each member's ``DT_SONAME`` with pyelftools (auditwheel's own ELF reader) and
whether it is an extension module by auditwheel's ``elf_is_python_extension``.  A member too large
to read cheaply (gigabytes inside torch) or one read over HTTP ranges is judged by its file name:
a shared library's file name is its soname, which is what the dynamic linker looks for.
"""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePosixPath

from auditwheel.elfutils import elf_is_python_extension
from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

__all__ = [
    "MAX_ELF_READ",
    "is_compiled_member",
    "is_extension_name",
    "is_shared_library_name",
    "read_soname",
    "soname_stem",
]

MAX_ELF_READ = 64 * 1024 * 1024
"""Largest member whose ELF headers are read (uncompressed bytes); larger ones go by name."""

# CPython's extension-module suffixes (importlib.machinery.EXTENSION_SUFFIXES on Linux:
# ".cpython-314-x86_64-linux-gnu.so", ".abi3.so", ".so"): a name with an interpreter tag
# before ".so" is an extension module, whatever its symbols.
_EXTENSION = re.compile(r"\.(cpython-[^./]+|abi3|pypy[^./]*)\.so$")
_SHARED = re.compile(r"^lib[^/]*\.so(\.[0-9][0-9.]*)?$|^[^/]+\.so\.[0-9][0-9.]*$")


def is_compiled_member(name: str) -> bool:
    """A wheel member that is compiled code (an ELF object by its name: ``*.so``, ``*.so.N``)."""
    base = PurePosixPath(name).name
    return base.endswith(".so") or ".so." in base


def is_extension_name(name: str) -> bool:
    """``name`` has an extension module's interpreter tag (``.cpython-314-...so``, ``.abi3.so``)."""
    return _EXTENSION.search(PurePosixPath(name).name) is not None


def is_shared_library_name(name: str) -> bool:
    """``lib*.so``, ``lib*.so.N`` or ``*.so.N``: a shared library by its name."""
    return _SHARED.match(PurePosixPath(name).name) is not None and not is_extension_name(name)


def read_soname(data: bytes, name: str) -> tuple[str, bool] | None:
    """``(DT_SONAME or "", is a Python extension module)`` of the ELF object ``data``, or None
    when it is not an ELF file pyelftools can read."""
    try:
        elf = ELFFile(io.BytesIO(data))
        soname = ""
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_SONAME":
                        soname = str(getattr(tag, "soname", ""))
                break
        extension, _abi = elf_is_python_extension(Path(PurePosixPath(name).name), elf)
    except (ELFError, ValueError, OSError, EOFError, KeyError):
        return None
    return soname, bool(extension)


# auditwheel's renamed copies: "libcudart-c64a25f3.so.12.3.101" (auditwheel >= 1.x: NAME-HASH8)
# and "libcudart.faf08d9a.so.13" (the NAME.HASH8 form torchvision's own repair step writes).
_HASHED = re.compile(r"^(?P<stem>.+?)[-.][0-9a-f]{8}$")


def soname_stem(soname: str) -> str:
    """The library a soname names, without version and auditwheel's hash:
    ``libcudart-c64a25f3.so.12.3.101`` -> ``libcudart``, ``libnvrtc-builtins.alt.so.13.0`` ->
    ``libnvrtc-builtins.alt``, ``libz.1140de3a.so.1`` -> ``libz``."""
    base = PurePosixPath(soname).name
    stem = base.split(".so", 1)[0] if ".so" in base else base
    m = _HASHED.match(stem)
    return m.group("stem") if m else stem
