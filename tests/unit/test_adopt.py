"""`streams adopt`'s conversion of Fedora's specs, the stream's include, and the recipe's
``[packages.X] spec`` (tests/data/adopt holds Fedora's own specs, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from specfile.specfile import Specfile

from streams.cli import main
from streams.errors import UsageError
from streams.specgen.adopt import adopt_spec, macros_filename, macros_text, rewrite_deps

DATA = Path(__file__).resolve().parent.parent / "data" / "adopt"


def _adopt(name: str, dist: str, bundled: tuple[str, ...] = ()) -> str:
    text = (DATA / name).read_text(encoding="utf-8")
    return adopt_spec(text, stream="demo", dist=dist, bundled=bundled, origin="test").text


def _spec(text: str, tmp_path: Path, dist: str) -> Specfile:
    """The adopted spec parsed as a build parses it: its include in %_sourcedir."""
    path = tmp_path / "x.spec"
    path.write_text(text, encoding="utf-8")
    (tmp_path / macros_filename("demo", dist)).write_text(
        macros_text(
            stream="demo",
            dist=dist,
            prefix="/opt/streams/demo",
            python_version="3.14",
            interpreter="/usr/bin/python3",
        ),
        encoding="utf-8",
    )
    return Specfile(path, sourcedir=tmp_path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # bundled by the stream: its namespace
        ("python3dist(numpy) >= 1.2", "demo-stream-python3dist(numpy) >= 1.2"),
        ("python3-numpy", "demo-stream-python3dist(numpy)"),
        ("python%{python3_pkgversion}-NumPy", "demo-stream-python3dist(numpy)"),
        ("%{py3_dist numpy requests}", "demo-stream-python3dist(numpy) python3dist(requests)"),
        ("python3dist(numpy[extra])", "demo-stream-python3dist(numpy[extra])"),
        # reused from Fedora, compilers, libraries, the interpreter: kept
        ("python3dist(requests) >= 2", "python3dist(requests) >= 2"),
        ("gcc, python3-devel pkgconfig(zlib)", "gcc, python3-devel pkgconfig(zlib)"),
        ("(python3dist(numpy) if gcc)", "(demo-stream-python3dist(numpy) if gcc)"),
        # a package of the spec itself: renamed
        ("python3-foo = %{version}-%{release}", "demo-stream-python3-foo = %{version}-%{release}"),
    ],
)  # fmt: skip
def test_requirement_values_get_the_streams_names_for_what_it_bundles(
    value: str, expected: str
) -> None:
    renames = {"python3-foo": "demo-stream-python3-foo"}
    assert rewrite_deps(value, stream="demo", bundled={"numpy"}, renames=renames) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("python3-foo = 1", "demo-stream-python3-foo = 1"),
        ("python3dist(foo)", "demo-stream-python3dist(foo)"),
        ("%{py3_dist foo}", "demo-stream-python3dist(foo)"),
        ("python-foo-doc < 4", "demo-stream-python-foo-doc < 4"),
        ("demo-stream-python3-x", "demo-stream-python3-x"),
    ],
)
def test_provides_obsoletes_and_conflicts_are_always_namespaced(value: str, expected: str) -> None:
    assert rewrite_deps(value, stream="demo", bundled=(), renames={}, own=True) == expected


def test_markupsafe_gets_the_streams_names_include_and_firewall(tmp_path: Path) -> None:
    fedora = (DATA / "python-markupsafe.spec").read_text(encoding="utf-8")
    out = adopt_spec(fedora, stream="demo", dist="markupsafe", bundled=(), origin="test")
    assert out.main_package == "demo-stream-python3-markupsafe"
    assert out.renames["python3-markupsafe"] == "demo-stream-python3-markupsafe"
    lines = out.text.splitlines()
    load = "%{load:%{_sourcedir}/demo-stream-python3-markupsafe.macros}"
    # the include comes before anything rpm reads
    assert lines.index(load) < min(i for i, ln in enumerate(lines) if ln.startswith("Name:"))
    spec = _spec(out.text, tmp_path, "markupsafe")
    # Fedora's python-markupsafe only builds python3-markupsafe: that package is the source
    # package now, so SRPM and RPM have the one name the build plan knows
    assert spec.name == "demo-stream-python3-markupsafe"
    with spec.sections() as sections:
        ids = [s.id for s in sections]
    assert "files -f %{pyproject_files}" in ids
    assert not any("-n" in i for i in ids), ids
    assert [i for i in ids if i.startswith("description")] == ["description"]
    with spec.sources() as sources:
        names = [s.filename for s in sources]
    assert names[0] == "markupsafe-%{version}.tar.gz"  # Fedora's Source0 stays Source0
    assert "demo-stream-python3-markupsafe.macros" in names
    with spec.tags("package") as tags:
        values = [(t.name, t.value) for t in tags]
    # the include's names, so the provide has the lock's version in the stream's form
    assert ("Requires", "%{stream_runtime}") in values
    assert ("Provides", "%{stream_provide} = %{stream_provide_version}") in values
    assert [v for n, v in values if n == "Summary"] == [
        "Implements a XML/HTML/XHTML Markup safe string for Python"
    ]
    # Fedora's build logic is kept
    with spec.sections() as sections:
        assert "%pyproject_wheel" in list(sections.get("build"))
        assert any("sed -i" in line for line in sections.get("prep"))
    assert "%autochangelog" not in out.text and "Release:        1%{?dist}" in out.text


def test_bconds_patches_and_build_requires_are_kept() -> None:
    fedora = (DATA / "python-zope-interface.spec").read_text(encoding="utf-8")
    out = _adopt("python-zope-interface.spec", "zope-interface")
    for line in fedora.splitlines():
        if line.startswith(("%bcond", "BuildRequires:", "Patch", "%pyproject_buildrequires")):
            assert line in out.splitlines(), line


def test_bundled_python_build_requirements_are_rewritten_and_reused_ones_kept() -> None:
    out = _adopt("python-simplejson.spec", "simplejson", bundled=("pytest",))
    assert "BuildRequires: demo-stream-python3dist(pytest)" in out
    assert "BuildRequires:  python%{python3_pkgversion}-sphinx" in out  # Fedora's sphinx


def test_a_declarative_build_needs_rpm_4_20() -> None:
    # rpm's manual, "Declarative builds": BuildSystem: is rpm 4.20's (Debian 12 has 4.18)
    import rpm

    if tuple(int(x) for x in rpm.__version__.split(".")[:2]) < (4, 20):
        with pytest.raises(UsageError, match="BuildSystem") as exc:
            _adopt("python-ujson.spec", "ujson", bundled=("pytest",))
        assert exc.value.hint and "rpm >= 4.20" in exc.value.hint
        return
    out = _adopt("python-ujson.spec", "ujson", bundled=("pytest",))
    assert "BuildRequires:  demo-stream-python3dist(pytest)" in out
    assert "BuildRequires:  pkgconfig(double-conversion)" in out


def test_the_other_subpackages_get_the_prefix() -> None:
    out = _adopt("python-crcmod.spec", "crcmod")
    assert "Name:           demo-stream-python3-crcmod" in out
    assert "%files -n demo-stream-python-%{pypi_name}-doc" in out
    assert "%package -n demo-stream-python-%{pypi_name}-doc" in out


def test_the_include_defines_the_streams_paths_and_the_firewall() -> None:
    text = macros_text(
        stream="demo",
        dist="Foo_Bar",
        prefix="/opt/streams/demo",
        python_version="3.14",
        interpreter="/usr/bin/python3.14",
        version="2.10.0",
    )
    defined = {ln.split()[0].split("(")[0]: ln for ln in text.splitlines() if ln[:1] == "%"}
    assert defined["%stream_package"].endswith(" demo-stream-python3-foo-bar")
    assert defined["%stream_provide"].endswith(" demo-stream-python3dist(foo-bar)")
    # as the generated specs' provides and the stream's requires write it (2.10.0 -> 2.10)
    assert defined["%stream_provide_version"].endswith(" 2.10")
    assert defined["%stream_prefix"].endswith(" /opt/streams/demo")
    assert defined["%stream_interpreter"].endswith(" /usr/bin/python3.14")
    assert defined["%python3_sitearch"].endswith(" %{stream_sitelib}")
    assert defined["%__provides_exclude_from"].endswith(" ^%{stream_prefix}/.*$")
    assert defined["%_prefix"].endswith(" %{stream_prefix}")
    for fedora in ("%pyproject_wheel", "%pyproject_install", "%py3_build", "%pytest"):
        assert fedora in defined


def test_not_a_spec_is_exit_2_with_the_file_named(tmp_path: Path, capsys: object) -> None:
    recipe = tmp_path / "demo.toml"
    recipe.write_text(
        '[stream]\nname = "demo"\nsummary = "d"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n[requires]\nfoo = "*"\n'
    )
    bad = tmp_path / "bad.spec"
    bad.write_text("this is not a spec\n")
    assert main(["adopt", str(recipe), "foo", "--from-spec", str(bad)]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "bad.spec" in err and "Traceback" not in err
    assert main(["adopt", str(recipe), "foo", "--from", "fedora-7", "--from-spec", str(bad)]) == 2
    assert "fedora-44" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_adopt_writes_the_spec_beside_the_recipe_and_never_overwrites(
    tmp_path: Path, capsys: object
) -> None:
    recipe = tmp_path / "demo.toml"
    recipe.write_text(
        '[stream]\nname = "demo"\nsummary = "d"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n[requires]\nmarkupsafe = "*"\n'
    )
    fedora = str(DATA / "python-markupsafe.spec")
    assert main(["adopt", str(recipe), "markupsafe", "--from-spec", fedora]) == 0
    out = tmp_path / "specs" / "markupsafe.spec"
    assert "Name:           demo-stream-python3-markupsafe" in out.read_text()
    assert 'spec = "specs/markupsafe.spec"' in capsys.readouterr().out  # type: ignore[attr-defined]
    assert main(["adopt", str(recipe), "markupsafe", "--from-spec", fedora]) == 2
    assert "--force" in capsys.readouterr().err  # type: ignore[attr-defined]
    # the recipe then names it, and loads
    recipe.write_text(
        recipe.read_text() + '[packages.markupsafe]\nspec = "specs/markupsafe.spec"\n'
    )
    assert main(["validate", str(recipe)]) == 0


def test_adopt_fetches_fedoras_spec_at_the_snapshots_commit_and_caches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = "0cb455f48d97bcbadb38f6f802de02fbe4a9fbb7"  # f44's, streams/data/fedora/f44-specs.tsv
    mirror = tmp_path / "mirror"
    (mirror / commit / "specs").mkdir(parents=True)
    (mirror / commit / "specs" / "python-markupsafe.spec").write_text(
        (DATA / "python-markupsafe.spec").read_text()
    )
    monkeypatch.setenv("STREAMS_FEDORA_SPECS_URL", mirror.as_uri())
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cache"))
    recipe = tmp_path / "demo.toml"
    recipe.write_text(
        '[stream]\nname = "demo"\nsummary = "d"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n[requires]\nmarkupsafe = "*"\n'
    )
    assert main(["adopt", str(recipe), "markupsafe", "--from", "fedora-44"]) == 0
    text = (tmp_path / "specs" / "markupsafe.spec").read_text()
    assert f"major/fedora-rpm-specs commit {commit[:12]}" in text
    assert (tmp_path / "cache" / "fedora-specs" / commit / "python-markupsafe.spec").is_file()
    # absent from Fedora: exit 2, with the way out
    assert main(["adopt", str(recipe), "no-such-dist", "--from", "fedora-44"]) == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ('"specs/missing.spec"', "spec file specs/missing.spec does not exist"),
        ('"/abs/x.spec"', "is not a relative path to a .spec file"),
        ('"specs/x.txt"', "is not a relative path to a .spec file"),
    ],
)
def test_a_packager_spec_that_is_not_there_is_a_recipe_problem(
    tmp_path: Path, spec: str, message: str, capsys: object
) -> None:
    recipe = tmp_path / "demo.toml"
    recipe.write_text(
        '[stream]\nname = "demo"\nsummary = "d"\nlicense = "MIT"\n'
        'targets = ["fedora-44-x86_64"]\n[requires]\nfoo = "*"\n'
        f"[packages.foo]\nspec = {spec}\n"
    )
    assert main(["validate", str(recipe)]) == 2
    err = capsys.readouterr()  # type: ignore[attr-defined]
    text = err.out + err.err
    assert message in text and f"{recipe}:9:" in text


FEDORA_STYLE = """\
Name:           python-uses-backend
Version:        1.9
Release:        %autorelease
Summary:        Uses a backend
License:        MIT
Source:         %{pypi_source uses_backend}
BuildRequires:  python3-devel
BuildRequires:  python3dist(tinybackend)
%description
x.
%package -n python3-uses-backend
Summary:        %{summary}
Requires:       python3dist(attrs) >= 20
Requires:       python3dist(hello-cow)
%description -n python3-uses-backend
x.
%prep
%autosetup -n uses_backend-%{version}
%build
%pyproject_wheel
%install
%pyproject_install
%pyproject_save_files uses_backend
%files -n python3-uses-backend -f %{pyproject_files}
%changelog
%autochangelog
"""


def test_adopt_with_a_lock_rewrites_what_the_stream_bundles_there(
    tmp_path: Path, capsys: object
) -> None:
    import shutil

    from tools.devkit.specgen_sources import DEMO

    for name in ("demo.toml", "demo.lock.toml"):
        shutil.copy(DEMO / name, tmp_path / name)
    fedora = tmp_path / "python-uses-backend.spec"
    fedora.write_text(FEDORA_STYLE)
    recipe = str(tmp_path / "demo.toml")
    args = ["adopt", recipe, "uses-backend", "--from", "fedora-45", "--from-spec", str(fedora)]
    assert main(args) == 0
    out = (tmp_path / "specs" / "uses-backend.spec").read_text()
    # fedora-45's lock bundles attrs, hello-cow and tinybackend: the stream's names
    assert "BuildRequires:  demo-stream-python3dist(tinybackend)" in out
    assert "Requires:       demo-stream-python3dist(attrs) >= 20" in out
    assert "Requires:       demo-stream-python3dist(hello-cow)" in out
    assert "Version:        2.0" in out  # the locked version, with a note
    assert "check that its patches still apply" in capsys.readouterr().out  # type: ignore[attr-defined]
    # fedora-44 reuses Fedora's attrs: kept as Fedora's
    args = [*args[:4], "fedora-44", *args[5:], "-o", str(tmp_path / "f44.spec")]
    assert main(args) == 0
    assert "Requires:       python3dist(attrs) >= 20" in (tmp_path / "f44.spec").read_text()
