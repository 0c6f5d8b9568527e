"""Packager-owned specs: the stream's macro include, and Fedora's specs adopted into a stream.

A recipe may carry its own spec for a distribution (``[packages.X] spec = "specs/X.spec"``,
``docs/adopt.md``).  Such a spec loads a macro file that streams writes beside it in
``SOURCES/``::

    Source9000:     NAME-stream-python3-X.macros
    Source9001:     streams-install.py
    %{load:%{SOURCE9000}}

:func:`macros_text` is that file: the stream's names and paths, Fedora's Python build macros
(``%pyproject_wheel``, ``%pyproject_install``, ``%pyproject_save_files``, ``%py3_build``,
``%python3_sitelib``...) redefined to build with the stream's interpreter and install under
its prefix, rpm's directory macros moved under the prefix (``%_prefix``, so ``%_bindir``,
``%_datadir``, ``%_defaultlicensedir``...), and the provides firewall of the generated specs.
This is how Software Collections worked (scl-utils' ``macros.scl`` redefined ``%_prefix``
and spec2scl prefixed the names); ``%{load:}`` is rpm's (rpm >= 4.15, the manual's "Macro
syntax"), and Fedora's own ``python-rpm-macros.spec`` loads its macros the same way, from a
Source, so it works in rpmbuild, mock, Copr and Koji alike: the file travels in the SRPM.

:func:`adopt_spec` converts Fedora's spec of a distribution into such a spec with the
``specfile`` library (packit): the names of its packages prefixed, the Requires of what the
stream bundles rewritten to the stream's namespace, its provides namespaced, the include
added; Fedora's BuildRequires, patches, ``%bcond``s and build scriptlets are kept.  Both are
pure (text in, text out).
"""

from __future__ import annotations

import datetime as _dt
import re
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from streams.errors import SpecGenError, UsageError
from streams.solver.versions import rpm_version
from streams.specgen import naming
from streams.specgen.context import INSTALL_HELPER, SpecContext

if TYPE_CHECKING:
    from specfile.sections import Section
    from specfile.specfile import Specfile

__all__ = [
    "HELPER_SOURCE",
    "MACROS_SOURCE",
    "AdoptedSpec",
    "OwnedSpec",
    "adopt_spec",
    "include_lines",
    "macros_filename",
    "macros_text",
    "own_spec",
    "rewrite_deps",
    "source_lines",
    "spec_source_files",
]

MACROS_SOURCE = 9000
"""The Source number of the macro include in a packager-owned spec."""
HELPER_SOURCE = 9001
"""The Source number of ``streams-install.py`` (what ``%pyproject_install`` runs)."""

#: The tags whose values are dependency lists (rpm's manual, "Dependencies").
_DEP_TAGS = frozenset(
    {
        "requires",
        "buildrequires",
        "recommends",
        "suggests",
        "supplements",
        "enhances",
        "orderwithrequires",
        "buildconflicts",
    }
)
#: Tags whose every name must be the stream's: a stream package may not provide, obsolete or
#: conflict with anything of the base (docs/concepts.md, "The provides firewall").
_OWN_TAGS = frozenset({"provides", "obsoletes", "conflicts"})
#: Fedora buildroot macros (redhat-rpm-config's forge macros) that rpm must know to parse the
#: preamble of a spec that uses them; defined for the conversion's parse only.
_PARSE_ONLY = {
    "forgemeta(z:isva)": "%{nil}",
    "forgesetup(z:va)": "%{nil}",
    "forgeautosetup(z:vNS:p:q)": "%{nil}",
    # rpm 4.19's %{sub STRING START END} and %autosetup -C (Fedora has rpm >= 4.20)
    "sub()": "%{lua:print(string.sub(arg[1], tonumber(arg[2]), tonumber(arg[3])))}",
    "autosetup(a:b:cCDn:TvNS:p:)": "%{nil}",
}
_PY_PREFIXES = ("python3-", "python%{python3_pkgversion}-", "python%{?python3_pkgversion}-")
_DIST_PREFIXES = ("python3dist(", "python%{python3_pkgversion}dist(")


def macros_filename(stream: str, dist: str) -> str:
    """``NAME-stream-python3-DIST.macros``: the include of the packager's spec of DIST."""
    return f"{naming.package_name(stream, dist)}.macros"


def include_lines(stream: str, dist: str) -> list[str]:
    """The first lines of a packager-owned spec: the stream's macros loaded before anything
    else is read (``%{load:}`` of the file in ``%_sourcedir``, as Fedora's
    ``python-rpm-macros.spec`` loads its own macros; rpmbuild, mock, Copr and Koji all set
    ``%_sourcedir`` to where the SRPM's sources are)."""
    return [
        "# The stream's macros (names, prefix, interpreter, Python build macros, provides",
        "# firewall): written by `streams specgen` into SOURCES/, see docs/adopt.md.",
        f"%{{load:%{{_sourcedir}}/{macros_filename(stream, dist)}}}",
    ]


def source_lines(stream: str, dist: str) -> list[str]:
    """The Source tags of the include and the install helper, so both travel in the SRPM.
    They go after the spec's last ``Source`` tag: an unnumbered ``Source:`` after them would
    be numbered 9002 (rpm numbers an unnumbered Source after the previous one)."""
    return [
        f"Source{MACROS_SOURCE}:     {macros_filename(stream, dist)}",
        f"Source{HELPER_SOURCE}:     {INSTALL_HELPER}",
    ]


def macros_text(
    *,
    stream: str,
    dist: str,
    prefix: str,
    python_version: str,
    interpreter: str,
    main_python: bool = True,
    version: str = "",
) -> str:
    """The macro file (rpm's macro-file syntax) a packager-owned spec of ``dist`` loads.

    ``version``: the locked (PEP 440) version; ``%stream_provide_version`` is it in the form
    the stream's other packages require it (:func:`~streams.solver.versions.rpm_version`,
    ``2.0`` -> ``2``), else ``%{version}``."""
    paths = naming.StreamPaths(prefix, python_version, interpreter)
    pip = (
        "%{stream_interpreter} -m pip"
        if main_python
        else "%{stream_host_python} -m pip --python %{stream_interpreter}"
    )
    lines = [
        f"# Generated by streams for {naming.package_name(stream, dist)} of stream {stream}.",
        "# Do not edit: `streams specgen` writes it again (docs/adopt.md).",
        f"%stream_name {stream}",
        f"%stream_prefix {paths.prefix}",
        f"%stream_package {naming.package_name(stream, dist)}",
        f"%stream_runtime {naming.runtime_package(stream)}",
        f"%stream_provide {naming.stream_provide(stream, dist)}",
        f"%stream_provide_version {rpm_version(version) if version else '%{version}'}",
        f"%stream_python_version {python_version}",
        f"%stream_interpreter {interpreter}",
        "%stream_host_python /usr/bin/python3",
        "%stream_python %{stream_prefix}/bin/python3",
        "%stream_sitelib %{stream_prefix}/lib/python%{stream_python_version}/site-packages",
        "%stream_sitearch %{stream_sitelib}",
        f"%stream_install_helper %{{SOURCE{HELPER_SOURCE}}}",
        "%stream_wheeldir %{_builddir}/streams-wheels",
        "%stream_modules %{_builddir}/streams-modules.list",
        "",
        "# The provides firewall, as in the generated specs: nothing under the prefix provides",
        "# anything automatically, Python's dependency generator is off (the spec says its",
        "# Requires), no build-id links or debuginfo outside the prefix.",
        "%__provides_exclude_from ^%{stream_prefix}/.*$",
        "%__pythondist_requires %{nil}",
        "%__pythondist_provides %{nil}",
        "%__pythonname_provides %{nil}",
        "%python_enable_dependency_generator %{nil}",
        "%python_disable_dependency_generator %{nil}",
        "%__brp_python_bytecompile %{nil}",
        "%_build_id_links none",
        "%debug_package %{nil}",
        "%source_date_epoch_from_changelog 1",
        "%clamp_mtime_to_source_date_epoch 1",
        "",
        "# rpm's directories under the prefix (scl-utils did the same with %_prefix): %license",
        "# and %doc files, %_bindir, %_datadir, %_mandir... all land in the prefix.",
        "%_prefix %{stream_prefix}",
        "%_exec_prefix %{_prefix}",
        "%_bindir %{_exec_prefix}/bin",
        "%_sbindir %{_exec_prefix}/sbin",
        "%_libexecdir %{_exec_prefix}/libexec",
        "%_datadir %{_prefix}/share",
        "%_libdir %{_prefix}/lib",
        "%_includedir %{_prefix}/include",
        "%_mandir %{_datadir}/man",
        "%_infodir %{_datadir}/info",
        "%_docdir %{_datadir}/doc",
        "%_defaultdocdir %{_datadir}/doc",
        "%_defaultlicensedir %{_datadir}/licenses",
        "",
        "# Fedora's Python macros (python-rpm-macros, pyproject-rpm-macros; Fedora's Python",
        "# Packaging Guidelines) with the stream's interpreter and paths: the prefix is a venv,",
        "# purelib and platlib are both lib/python3.X/site-packages.",
        "%__python3 %{stream_interpreter}",
        "%python3 %{stream_interpreter}",
        "%python3_pkgversion 3",
        "%python_wheel_pkg_prefix python%{python3_pkgversion}",
        "%python_wheel_dir %{_datadir}/python-wheels",
        f"%python3_version {python_version}",
        f"%python3_version_nodots {python_version.replace('.', '')}",
        "%python3_sitelib %{stream_sitelib}",
        "%python3_sitearch %{stream_sitelib}",
        "%python_sitelib %{stream_sitelib}",
        "%python_sitearch %{stream_sitelib}",
        "%py3_shebang_flags sP",
        # Fedora's %py3_shebang_fix runs pathfix; here: the stream's python, as
        # streams-install.py writes it for console scripts
        "%py3_shebang_fix(k) for f in %*; do find $f -type f -exec sed -i "
        "'1s|^#!.*python.*$|#!%{stream_python} -I|' {} +; done",
        "%py3_dist() %{lua:for i = 1, #arg do "
        'print("python3dist(" .. string.lower(arg[i]) .. ") ") end}',
        "%py_dist_name() %{lua:print((string.lower(arg[1]):gsub('[-_.]+', '-')))}",
        # python-srpm-macros' %pypi_source: files.pythonhosted.org/packages/source/N/NAME/...
        "%pypi_source() %{lua:local n = arg[1] or rpm.expand('%{pypi_name}'); "
        "local v = arg[2] or rpm.expand('%{version}'); local e = arg[3] or 'tar.gz'; "
        "print('https://files.pythonhosted.org/packages/source/' .. n:sub(1, 1) .. "
        "'/' .. n .. '/' .. n .. '-' .. v .. '.' .. e)}",
        "%py_provides() Provides: %{stream_name}-stream-%1",
        "%python_provide() %{nil}",
        "%python_extras_subpkg(-) %{nil}",
        "%pyproject_extras_subpkg(-) %{nil}",
        # the stream decides the build requirements at lock time (the lock's build section)
        "%pyproject_buildrequires(-) %{nil}",
        # one line each: a macro file's "\\" ends a line of the body, it cannot continue a
        # shell command
        # -d DIR: the project in a subdirectory (pyproject-rpm-macros' option)
        "%pyproject_wheel(C:d:) \\",
        "export PYTHONPATH=%{?stream_staging}%{stream_sitelib} \\",
        "export PATH=%{?stream_staging}%{stream_prefix}/bin:$PATH \\",
        f"{pip} wheel --no-deps --no-build-isolation --no-index "
        "--disable-pip-version-check --wheel-dir %{stream_wheeldir} %{?-d*}%{!?-d:.}",
        "%py3_build() %{pyproject_wheel}",
        "%pyproject_files %{_builddir}/streams-files.list",
        "%pyproject_install(-) %{stream_host_python} %{stream_install_helper} "
        "--root %{buildroot} --prefix %{stream_prefix} --sitelib %{stream_sitelib} "
        "--python-version %{stream_python_version} --interpreter %{stream_interpreter} "
        "--files %{pyproject_files} --modules %{stream_modules} %{stream_wheeldir}/*.whl",
        "%py3_install() %{pyproject_install}",
        # streams-install.py listed every installed file already
        "%pyproject_save_files(-) :",
        "%py3_test_envvars PYTHONPATH=%{buildroot}%{stream_sitelib}:%{?stream_staging}"
        "%{stream_sitelib} PYTHONDONTWRITEBYTECODE=1 PATH=%{buildroot}%{stream_prefix}/bin:$PATH",
        "%pytest %{py3_test_envvars} %{stream_interpreter} -m pytest",
        "%pyproject_check_import(-) %{py3_test_envvars} %{stream_interpreter} -s -B "
        "%{stream_install_helper} --check-imports %{stream_modules}",
        "%py3_check_import(-) %{pyproject_check_import}",
        "%py_byte_compile() %1 -m compileall -q -f %2",
        "%tox echo 'streams: %%tox is not available in a stream, use %%pytest' >&2; exit 1",
        # rpmautospec's macros (Fedora's dist-git): the stream counts its own releases
        "%autorelease(e:s:hpb:n) 1%{?dist}",
        "%autochangelog %{nil}",
        "",
    ]
    return "\n".join(lines)


# -- dependencies ----------------------------------------------------------------------------------


def _tokens(text: str) -> Iterator[tuple[bool, str]]:
    """``(is_word, piece)`` of a dependency list: words (names, operators, versions, macros,
    ``python3dist(x)``, rich dependencies in parentheses) and the separators between them."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t,":
            j = i
            while j < n and text[j] in " \t,":
                j += 1
            yield False, text[i:j]
            i = j
            continue
        j, depth = i, 0
        while j < n and (depth or text[j] not in " \t,"):
            if text[j] in "({":
                depth += 1
            elif text[j] in ")}":
                depth = max(0, depth - 1)
            j += 1
        yield True, text[i:j]
        i = j


def _py3_dist_args(word: str) -> list[str] | None:
    for head in ("%{py3_dist ", "%{?py3_dist "):
        if word.startswith(head) and word.endswith("}"):
            return word[len(head) : -1].split()
    return None


def rewrite_deps(
    value: str,
    *,
    stream: str,
    bundled: Collection[str],
    renames: Mapping[str, str],
    own: bool = False,
    expand: Callable[[str], str] | None = None,
) -> str:
    """One dependency tag value with the stream's names.

    ``python3dist(X)``, ``%{py3_dist X...}`` and ``python3-X`` of a distribution in
    ``bundled`` (normalized names) become ``NAME-stream-python3dist(X)``; a package of the spec
    itself (``renames``: old name -> new) gets its new name; the rest (Fedora's packages the
    stream reuses, compilers, libraries) is kept.  ``own`` (Provides, Obsoletes, Conflicts):
    every name is made the stream's, so nothing of the base can be provided or replaced.
    ``expand`` (the spec's macro expansion) finds a package of the spec spelled with other
    macros (``python3-%{module}`` for ``python3-%{pypi_name}``).
    """
    out: list[str] = []
    for is_word, piece in _tokens(value):
        if not is_word:
            out.append(piece)
            continue
        if piece.startswith("(") and piece.endswith(")"):
            inner = rewrite_deps(
                piece[1:-1], stream=stream, bundled=bundled, renames=renames, own=own, expand=expand
            )
            out.append(f"({inner})")
            continue
        if expand is not None and "%" in piece and piece not in renames:
            expanded = expand(piece)
            if expanded in renames:
                out.append(renames[expanded])
                continue
        out.append(_rewrite_word(piece, stream, bundled, renames, own))
    return "".join(out)


_KEYWORDS = frozenset({"and", "or", "if", "else", "with", "without", "unless"})


def _rewrite_word(
    word: str, stream: str, bundled: Collection[str], renames: Mapping[str, str], own: bool
) -> str:
    if word in renames:
        return renames[word]
    if word in _KEYWORDS or word[:1] in "<>=0123456789" or word.startswith("%{?dist"):
        return word
    dists = _py3_dist_args(word)
    if dists is not None:
        parts = [
            naming.stream_provide(stream, d)
            if own or canonicalize_name(d) in bundled
            else f"python3dist({d.lower()})"
            for d in dists
        ]
        return " ".join(parts)
    for head in _DIST_PREFIXES:
        if word.startswith(head) and word.endswith(")"):
            dist = word[len(head) : -1]
            extra = None
            if dist.endswith("]") and "[" in dist:
                dist, extra = dist[:-1].split("[", 1)
            if own or canonicalize_name(dist) in bundled:
                return naming.stream_provide(stream, dist, extra)
            return word
    for head in _PY_PREFIXES:
        if word.startswith(head):
            rest = word[len(head) :]
            # own (package names: Provides, Obsoletes, Conflicts) are prefixed below
            if not own and "%" not in rest and canonicalize_name(rest) in bundled:
                return naming.stream_provide(stream, rest)
    if own and not word.startswith(f"{stream}-stream") and not word.startswith("%"):
        return f"{stream}-stream-{word}"
    return word


# -- adopting Fedora's spec ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdoptedSpec:
    """What :func:`adopt_spec` made: the spec's text and what the packager should look at."""

    text: str
    main_package: str
    renames: Mapping[str, str]
    notes: tuple[str, ...]


def adopt_spec(
    text: str,
    *,
    stream: str,
    dist: str,
    bundled: Collection[str],
    origin: str,
    version: str | None = None,
    date: _dt.date = _dt.date(2026, 1, 1),
) -> AdoptedSpec:
    """Fedora's spec ``text`` of ``dist`` as a packager-owned spec of ``stream``.

    ``bundled``: normalized names of what the stream bundles (their Requires and
    BuildRequires are rewritten to the stream's provides; the rest is Fedora's, kept).
    ``origin``: where the spec came from, written into its header and changelog.
    ``version``: the locked version, set as ``Version:`` when it differs from Fedora's.
    ``date``: of the ``%changelog`` entry that replaces Fedora's (the stream counts its own
    releases from 1).
    Raises :class:`UsageError` (exit code 2) for a file ``specfile`` cannot read as a spec.
    """
    from specfile.exceptions import SpecfileException
    from specfile.specfile import Specfile

    bundled = {str(canonicalize_name(b)) for b in bundled} | {str(canonicalize_name(dist))}
    main_name = naming.package_name(stream, dist)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="streams-adopt-") as tmp:
        path = Path(tmp) / "adopted.spec"
        # the include first, so that the spec is parsed (by rpm, through specfile) with the
        # macros it is built with; plus stand-ins for the Fedora buildroot's forge macros,
        # for this parse only (a non-Fedora host has none)
        path.write_text("\n".join([*include_lines(stream, dist), text]), encoding="utf-8")
        (Path(tmp) / macros_filename(stream, dist)).write_text(
            macros_text(
                stream=stream,
                dist=dist,
                prefix=f"/opt/streams/{stream}",
                python_version="3",
                interpreter="/usr/bin/python3",
            )
            + "\n".join(f"%{name} {body}" for name, body in _PARSE_ONLY.items())
            + "\n",
            encoding="utf-8",
        )
        try:
            spec = Specfile(path, sourcedir=Path(tmp), force_parse=True)
        except (SpecfileException, OSError, ValueError) as exc:
            hint = "pass Fedora's python-*.spec of the distribution (--from-spec FILE)"
            if "BuildSystem" in str(exc) or "BuildOption" in str(exc):
                # rpm's manual, "Declarative builds": new in rpm 4.20
                hint = (
                    "the spec uses rpm 4.20's declarative build (BuildSystem:); adopt it "
                    f"on a machine with rpm >= 4.20 (this one has {_rpm_version()})"
                )
            raise UsageError(
                f"{origin}: not a spec file specfile can read: {exc}", hint=hint
            ) from None
        with spec.sections() as sections:
            names = [s for s in sections if s.name == "package"]
            if not any(s.id == "package" for s in names):
                raise UsageError(
                    f"{origin}: the spec has no preamble (no Name: tag)",
                    hint="pass Fedora's python-*.spec of the distribution",
                )
        source_name = spec.name
        # every package of the spec, old name -> new name (raw and expanded spellings)
        renames: dict[str, str] = {}
        subpackages: list[str] = []
        with spec.sections() as sections:
            for sec in sections:
                if sec.name == "package" and sec.id != "package":
                    opt = sec.options
                    if opt.n:
                        subpackages.append(str(opt.n))
        main_old = _pick_main(subpackages, dist, source_name, spec)
        for old in [source_name, *subpackages]:
            new = main_name if old == main_old else f"{stream}-stream-{old}"
            renames[old] = new
            renames.setdefault(_expand(spec, old), new)
        if main_old == source_name:
            # the main package is the source package itself: the rpm names agree
            pass
        # section headers: %package/%description/%files/%pre... -n OLD -> -n NEW
        with spec.sections() as sections:
            for sec in sections:
                opts = sec.options
                try:
                    n = opts.n
                except AttributeError:
                    continue
                if not n:
                    continue
                renamed = renames.get(str(n)) or renames.get(_expand(spec, str(n)))
                if renamed:
                    opts.n = renamed
        # tags of every package: Name, dependencies
        with spec.sections() as sections:
            package_ids = [s.id for s in sections if s.name == "package"]

        def expand(text: str) -> str:
            return _expand(spec, text)

        for sid in package_ids:
            with spec.tags(sid) as tags:
                for tag in tags:
                    key = tag.normalized_name.lower()
                    if key == "name":
                        tag.value = renames.get(tag.value, f"{stream}-stream-{tag.value}")
                    elif key == "release":
                        tag.value = "1%{?dist}"
                    elif key in _DEP_TAGS:
                        tag.value = rewrite_deps(
                            tag.value,
                            stream=stream,
                            bundled=bundled,
                            renames=renames,
                            expand=expand,
                        )
                    elif key in _OWN_TAGS:
                        tag.value = rewrite_deps(
                            tag.value,
                            stream=stream,
                            bundled=bundled,
                            renames=renames,
                            own=True,
                            expand=expand,
                        )
        if version and spec.expanded_version != version:
            notes.append(
                f"Version set to the locked {version} (Fedora's spec has "
                f"{spec.expanded_version}): check that its patches still apply"
            )
            spec.version = version
        if _fold_main(spec, main_name):
            # the source package is the stream's package now: SRPM and RPM have the name
            # the build plan, the state and the repository know it by
            with spec.tags("package") as tags:
                tags.name.value = main_name
            renames[source_name] = main_name
        elif main_old != source_name:
            notes.append(
                f"{main_name} stays a subpackage of {renames[source_name]} (its section could "
                "not be moved to the preamble): streams build publishes the RPMs of the source "
                f"package {main_name} only, so make it the source package by hand"
            )
        _add_stream_tags(spec, main_old, renames, main_name, stream, dist, package_ids)
        _header(spec, stream, dist, origin)
        _changelog(spec, origin, date)
        spec.save()
        out = path.read_text(encoding="utf-8")
    if main_old == source_name and subpackages:
        notes.append(f"no python3 subpackage found: the main package {source_name} is the stream's")
    return AdoptedSpec(out, main_name, dict(sorted(renames.items())), tuple(notes))


def _sub_name(sec: Section) -> str:
    """The ``-n NAME`` of a section header, or ``""``."""
    try:
        n = sec.options.n
    except AttributeError:
        return ""
    return str(n or "")


def _fold_main(spec: Specfile, main_name: str) -> bool:
    """Make the subpackage ``main_name`` the source package itself, when the source package
    is no binary package (Fedora's ``python-foo`` whose only package is ``python3-foo``).

    ``streams build`` knows a package by one name: its SRPM's (the publish step keeps the
    RPMs built from the plan's source packages), so the stream's package must be the source
    package.  The subpackage's tags (but those the preamble has: Summary, License, URL...)
    join the preamble; its ``%description`` replaces the source package's; its other
    sections (``%files``, scriptlets) lose their ``-n``.  False, and nothing changed, when
    the source package has a ``%files`` of its own.
    """
    with spec.sections() as sections:
        if any(
            s.name == "files" and not _sub_name(s) and not s.options.positional for s in sections
        ):
            return False
        mains = [s for s in sections if s.name == "package" and _sub_name(s) == main_name]
        if not mains or not _outside_conditionals(sections, mains[0]):
            return False
        preamble = sections.get("package")
        pre_blocks = _tag_blocks(list(preamble))
        moved: list[str] = []
        for tag, block in _tag_blocks(list(mains[0])):
            if tag in _SINGLE and any(t == tag for t, _ in pre_blocks):
                # the binary package's value wins (its License covers what it bundles),
                # unless it only repeats the source package's (Summary: %{summary})
                value = block[0].split(":", 1)[1].strip()
                if value in (f"%{{{tag}}}", f"%{tag}"):
                    continue
                pre_blocks = [(t, block if t == tag else b) for t, b in pre_blocks]
                continue
            moved += block
        preamble[:] = [line for _, b in pre_blocks for line in b]
        while preamble and not preamble[-1].strip():
            preamble.pop()
        preamble.extend(["", *moved, ""])
        sections.remove(mains[0])
        own_description = [
            s for s in sections if s.name == "description" and _sub_name(s) == main_name
        ]
        if own_description:
            for sec in [
                s
                for s in sections
                if s.name == "description" and not _sub_name(s) and not s.options.positional
            ]:
                # its %if/%else/%endif lines stay where they were (they may open or close
                # a block of the sections around it), at the end of the section before it
                at = next(i for i, x in enumerate(sections) if x is sec)
                keep = [ln for ln in sec if _directive(ln)]
                if keep and at > 0:
                    sections[at - 1].extend(keep)
                del sections[at]
        for sec in sections:
            if _sub_name(sec) == main_name:
                del sec.options.n
    return True


def _directive(line: str) -> bool:
    """An rpm conditional: ``%if...``, ``%elif...``, ``%else``, ``%endif``."""
    word = line.strip().split(maxsplit=1)[0] if line.strip() else ""
    return word.startswith(("%if", "%elif")) or word in ("%else", "%endif")


_SINGLE = frozenset({"summary", "license", "url", "buildarch", "group", "epoch", "version"})
_TAG_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(\([^)]*\))?\s*:")


def _tag_blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The lines of a preamble as blocks: ``(tag, lines)`` for a tag line and the lines its
    value continues on (an unclosed ``%{shrink:`` ...), ``("", [line])`` for the rest.
    Tag names are matched per line, not over the file (rpm's own rule: a tag starts a line)."""
    out: list[tuple[str, list[str]]] = []
    depth = 0
    for line in lines:
        if depth > 0:
            out[-1][1].append(line)
        else:
            m = _TAG_LINE.match(line)
            out.append(((m.group(1).lower() if m else ""), [line]))
        depth = max(
            0, depth + line.count("%{") + line.count("{") - line.count("%{") - line.count("}")
        )
    return out


def _outside_conditionals(sections: Sequence[Section], target: Section) -> bool:
    """Whether ``target`` starts outside every ``%if`` and closes each it opens: only such a
    section's lines can move to the preamble."""
    depth = 0
    for sec in sections:
        if sec is target:
            if depth:
                return False
            inner = 0
            for line in sec:
                word = line.strip().split(maxsplit=1)[0] if line.strip() else ""
                if word.startswith("%if"):
                    inner += 1
                elif word == "%endif":
                    inner -= 1
                    if inner < 0:
                        return False
            return inner == 0
        for line in sec:
            word = line.strip().split(maxsplit=1)[0] if line.strip() else ""
            if word.startswith("%if"):
                depth += 1
            elif word == "%endif":
                depth -= 1
    return False


def _expand(spec: Specfile, text: str) -> str:
    """``text`` with the spec's macros expanded, or as written when rpm or specfile cannot
    (specfile re-parses the edited spec for this and can fail on what it half-edited, with
    any exception: the raw spelling is then what is matched)."""
    try:
        return spec.expand(text)
    except Exception:
        return text


def _rpm_version() -> str:
    import rpm

    return f"rpm {rpm.__version__}"


def _pick_main(subpackages: list[str], dist: str, source_name: str, spec: Specfile) -> str:
    """The package that installs the distribution: ``python3-DIST`` (as written or
    expanded), else the first ``python3-*`` subpackage, else the source package."""

    canon = canonicalize_name(dist)
    py3 = []
    for sub in subpackages:
        expanded = _expand(spec, sub)
        for head in _PY_PREFIXES:
            if expanded.startswith(head) or sub.startswith(head):
                py3.append(sub)
                rest = (expanded if expanded.startswith(head) else sub)[len(head) :]
                if canonicalize_name(rest) == canon:
                    return sub
                break
        else:
            if expanded.startswith("python3-"):
                py3.append(sub)
    return py3[0] if py3 else source_name


def _add_stream_tags(
    spec: Specfile,
    main_old: str,
    renames: Mapping[str, str],
    main_name: str,
    stream: str,
    dist: str,
    package_ids: list[str],
) -> None:
    """The main package requires the runtime and provides the stream's python3dist(DIST);
    the build requires pip and installer (what the include's build macros run)."""
    from specfile.tags import Comments, Tag

    main_id = "package"
    with spec.sections() as sections:
        for sec in sections:
            if sec.name == "package" and sec.id != "package" and str(sec.options.n) == main_name:
                main_id = sec.id
    with spec.tags(main_id) as tags:
        # the include's names: the provide's version is the lock's, in the form the other
        # packages of the stream require it (2.0 is required as = 2)
        provide = "%{stream_provide} = %{stream_provide_version}"
        tags.insert(len(tags), Tag("Requires", "%{stream_runtime}", ":  ", Comments()))
        tags.insert(len(tags), Tag("Provides", provide, ":  ", Comments()))
    with spec.tags("package") as tags:
        brs = [i for i, t in enumerate(tags) if t.normalized_name == "BuildRequires"]
        at = brs[-1] + 1 if brs else len(tags)
        for br in ("python3-installer", "python3-pip"):
            tags.insert(at, Tag("BuildRequires", br, ":  ", Comments()))


def _header(spec: Specfile, stream: str, dist: str, origin: str) -> None:
    with spec.sections() as sections:
        pre = sections.get("package")
        last = max(
            (i for i, line in enumerate(pre) if line.lower().startswith("source")), default=None
        )
        at = len(pre) if last is None else last + 1
        pre[at:at] = source_lines(stream, dist)
        pre[0:0] = [
            f"# Adopted into stream {stream} by `streams adopt` from {origin}.",
            "# This spec is the packager's now: streams only writes its include.",
        ]
        load = len(include_lines(stream, dist)) + 2
        pre[load:load] = [""]


def _changelog(spec: Specfile, origin: str, date: _dt.date) -> None:
    with spec.sections() as sections:
        try:
            log = sections.get("changelog")
        except ValueError:
            return
        log[:] = [
            f"* {date.strftime('%a %b %d %Y')} streams <streams@localhost> - %{{version}}-1",
            f"- Adopted from {origin}",
            "",
        ]


# -- packager-owned specs in a spec plan -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnedSpec(SpecContext):
    """A packager-owned spec in a plan: its text replaces the template's, and specgen writes
    the include (``files``) and the spec's own local sources and patches (``local``)."""

    text: str = ""
    files: tuple[tuple[str, str], ...] = ()
    """``(file name, text)`` written into ``SOURCES/``: the include."""
    local: tuple[Path, ...] = ()
    """Sources and patches found beside the packager's spec, copied into ``SOURCES/``."""


def spec_source_files(text: str, macros: tuple[str, str]) -> list[str]:
    """The file names of every Source and Patch of a packager-owned spec (macros expanded
    with the include ``macros``, a ``(file name, text)`` pair, loaded as in a build)."""
    from specfile.exceptions import SpecfileException
    from specfile.specfile import Specfile

    with tempfile.TemporaryDirectory(prefix="streams-owned-") as tmp:
        src = Path(tmp)
        (src / macros[0]).write_text(macros[1], encoding="utf-8")
        path = src / "owned.spec"
        path.write_text(text, encoding="utf-8")
        try:
            spec = Specfile(path, sourcedir=src, force_parse=True)
            names: list[str] = []
            with spec.sources() as sources:
                names += [s.expanded_filename for s in sources]
            with spec.patches() as patches:
                names += [p.expanded_filename for p in patches]
        except (SpecfileException, OSError, ValueError) as exc:
            raise SpecGenError(
                f"the packager's spec cannot be read: {exc}",
                hint="check it with `rpmspec -P` (docs/adopt.md)",
            ) from None
    return names


def own_spec(
    ctx: SpecContext, text: str, spec_path: Path, beside: Collection[str]
) -> tuple[OwnedSpec, list[str]]:
    """``ctx`` (the generated spec of a bundled distribution) replaced by the packager's spec
    ``text`` (read from ``spec_path``); ``beside``: the file names in the spec's directory.
    Returns the owned spec and the warnings of the specgen summary."""
    v = ctx.variables
    dist = str(v["dist"])
    stream = str(v["stream"])
    include = (
        macros_filename(stream, dist),
        macros_text(
            stream=stream,
            dist=dist,
            prefix=str(v["stream_prefix"]),
            python_version=str(v["stream_python_version"]),
            interpreter=str(v["stream_interpreter"]),
            main_python=bool(v["main_python"]),
            version=str(v["pep440_version"]),
        ),
    )
    warnings: list[str] = []
    if f"{include[0]}}}" not in text:
        warnings.append(
            f"{spec_path}: does not load {include[0]} (the stream's macros and firewall): "
            f"add {include_lines(stream, dist)[-1]} at its top (docs/adopt.md)"
        )
    local: list[Path] = []
    locked = ctx.source.filename if ctx.source else ""
    for name in spec_source_files(text, include):
        if name in (include[0], INSTALL_HELPER, locked):
            continue
        if name in beside:
            local.append(spec_path.parent / name)
        else:
            warnings.append(
                f"{spec_path}: source {name} is neither beside the spec nor the locked source "
                f"({locked or 'none'}); put it in {spec_path.parent} (spectool -g downloads it)"
            )
    owned = OwnedSpec(
        ctx.rpm_name,
        "",
        ctx.variables,
        ctx.source,
        ctx.vendor,
        text=text,
        files=(include,),
        local=tuple(local),
    )
    return owned, warnings
