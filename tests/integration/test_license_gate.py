"""The license and binaries gate (issue 13), on small handmade wheels and sdists.

The wheels are real zip files read by the real inspection code; the bundled library is a real
ELF shared object compiled with gcc and given a soname, so auditwheel's and pyelftools' reading
is what decides.  The Copr refusal runs ``streams build --backend copr`` against the fake Copr
server (its real wire protocol) and checks that not one request reached it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.cli import main
from streams.errors import PolicyError, UsageError
from streams.lock import (
    Lock,
    LockedLicense,
    LockedPackage,
    LockedPolicy,
    LockedSource,
    LockedTarget,
    write_lock,
)
from streams.lock.context import LockContext, LockOptions
from streams.lock.licensing import add_licenses, check_policy
from streams.recipe import load_recipe
from streams.sources import SourceInfoStore, read_source_info, sha256_file
from streams.sources.licenses import find_license
from streams.targets import get_target
from tools.devkit.fakecopr import serve_copr
from tools.devkit.specgen_sources import make_sdist, make_wheel, pkg_info

F44 = get_target("fedora-44-x86_64")
BSD3 = """Copyright (c) 2016, the authors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

* Redistributions of source code must retain the above copyright notice, this
  list of conditions and the following disclaimer.

* Redistributions in binary form must reproduce the above copyright notice,
  this list of conditions and the following disclaimer in the documentation
  and/or other materials provided with the distribution.

* Neither the name of the copyright holder nor the names of its
  contributors may be used to endorse or promote products derived from
  this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

WHEEL_META = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {pure}\nTag: {tag}\n"


def shared_object(tmp: Path, soname: str) -> bytes:
    """A real ELF shared library with ``soname`` (gcc -shared -Wl,-soname)."""
    gcc = shutil.which("gcc")
    if gcc is None:  # pragma: no cover - gcc is installed by scripts/setup.sh
        pytest.skip("gcc is needed to make a shared object")
    src = tmp / "lib.c"
    src.write_text("int streams_fixture(void) { return 42; }\n")
    out = tmp / "lib.so"
    from streams.infra.proc import run

    run([gcc, "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", str(out), str(src)], what="gcc")
    return out.read_bytes()


def wheel(
    tmp: Path,
    name: str,
    *,
    license_expression: str = "",
    license: str = "",
    classifiers: tuple[str, ...] = (),
    files: dict[str, bytes] | None = None,
    pure: bool = True,
) -> Path:
    tag = "py3-none-any" if pure else "cp314-cp314-manylinux_2_28_x86_64"
    di = f"{name}-1.0.dist-info"
    meta = pkg_info(
        name,
        "1.0",
        summary="A fixture",
        license_expression=license_expression,
        classifiers=classifiers,
    )
    if license:
        meta = meta.replace("Summary:", f"License: {license}\nSummary:", 1)
    content = {
        f"{name}/__init__.py": b"",
        f"{di}/METADATA": meta.encode(),
        f"{di}/WHEEL": WHEEL_META.format(pure=str(pure).lower(), tag=tag).encode(),
        **(files or {}),
    }
    return make_wheel(tmp, f"{name}-1.0-{tag}.whl", content)


def info_of(path: Path, name: str):  # type: ignore[no-untyped-def]
    return read_source_info(path, "wheel", name, "1.0")


def test_mit_wheel_bundling_a_proprietary_library_is_not_free(tmp_path: Path) -> None:
    lib = shared_object(tmp_path, "libcudart-0123abcd.so.12")
    path = wheel(
        tmp_path,
        "gpukit",
        license_expression="MIT",
        pure=False,
        files={"gpukit.libs/libcudart-0123abcd.so.12": lib},
    )
    info = info_of(path, "gpukit")
    assert info.bundled == (("gpukit.libs/libcudart-0123abcd.so.12", "libcudart-0123abcd.so.12"),)
    found = find_license("gpukit", info, F44)
    assert found.expression == "MIT AND LicenseRef-NVIDIA-Proprietary"
    assert not found.allowed
    assert any("gpukit.libs/libcudart-0123abcd.so.12" in p and "CUDA" in p for p in found.problems)
    assert found.compiled


def test_unknown_library_grafted_by_auditwheel_is_reported(tmp_path: Path) -> None:
    lib = shared_object(tmp_path, "libmystery-89abcdef.so.1")
    path = wheel(
        tmp_path, "odd", license_expression="MIT", pure=False, files={"odd.libs/x.so.1": lib}
    )
    found = find_license("odd", info_of(path, "odd"), None)
    assert "LicenseRef-Unknown" in found.expression
    assert any("cannot identify" in p for p in found.problems)


def test_free_bundled_library_adds_its_license_and_stays_allowed(tmp_path: Path) -> None:
    lib = shared_object(tmp_path, "libgomp-a34b3233.so.1.0.0")
    path = wheel(
        tmp_path,
        "omp",
        license_expression="BSD-3-Clause",
        pure=False,
        files={"omp.libs/libgomp-a34b3233.so.1.0.0": lib},
    )
    found = find_license("omp", info_of(path, "omp"), F44)
    assert found.expression == "BSD-3-Clause AND GPL-3.0-or-later WITH GCC-exception-3.1"
    assert found.allowed, found.problems


def test_python_extension_modules_are_the_packages_own_code(tmp_path: Path) -> None:
    ext = shared_object(tmp_path, "")  # no soname, like an extension module
    path = wheel(
        tmp_path,
        "fast",
        license_expression="MIT",
        pure=False,
        files={"fast/_speedups.cpython-314-x86_64-linux-gnu.so": ext},
    )
    info = info_of(path, "fast")
    assert info.bundled == ()
    assert find_license("fast", info, F44).expression == "MIT"


def test_legacy_bsd_with_the_bsd_classifier_becomes_bsd_3_clause_from_its_license_file(
    tmp_path: Path,
) -> None:
    # There is no "BSD-3-Clause" trove classifier (pypa/trove-classifiers has only "BSD
    # License", which PEP 639 lists as ambiguous): the license file's text decides.
    path = wheel(
        tmp_path,
        "oldbsd",
        license="BSD",
        classifiers=("License :: OSI Approved :: BSD License",),
        files={"oldbsd-1.0.dist-info/LICENSE": BSD3.encode()},
    )
    found = find_license("oldbsd", info_of(path, "oldbsd"), None)
    assert found.expression == "BSD-3-Clause"
    assert found.declared.source == "license-file:oldbsd-1.0.dist-info/LICENSE"
    assert found.allowed


def test_a_license_file_that_disagrees_with_the_metadata_is_not_taken(tmp_path: Path) -> None:
    path = wheel(
        tmp_path,
        "mixed",
        license="Apache",
        files={"mixed-1.0.dist-info/LICENSE": BSD3.encode()},
    )
    found = find_license("mixed", info_of(path, "mixed"), None)
    assert found.expression == "LicenseRef-Unknown" and not found.allowed


def _target(*packages: LockedPackage) -> LockedTarget:
    return LockedTarget(
        name="fedora-44-x86_64",
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        package=packages,
    )


def _bundle(name: str, src: Path, kind: str = "wheel") -> LockedPackage:
    return LockedPackage(
        name=name,
        version="1.0",
        origin="bundle",
        rpm=f"gate-stream-python3-{name}",
        evr="1.0",
        reason="bundled",
        sources=(
            LockedSource(
                kind=kind,  # type: ignore[arg-type]
                url=f"https://files.example/{src.name}",
                sha256=sha256_file(src),
                filename=src.name,
            ),
        ),
    )


def _context(tmp: Path, recipe_text: str, files: list[Path]) -> LockContext:
    recipe_path = tmp / "gate.toml"
    recipe_path.write_text(recipe_text)
    recipe = load_recipe(recipe_path)
    by_name = {f.name: f for f in files}

    def fetch(src, *, offline: bool = False) -> Path:  # type: ignore[no-untyped-def]
        return by_name[src.filename]

    def unused(*_a: object) -> object:  # pragma: no cover - not called by the gate
        raise AssertionError("the gate resolves nothing")

    return LockContext(
        recipe=recipe,
        target=F44,
        interpreter=recipe.interpreter_for(F44.name),
        options=LockOptions(),
        resolve=unused,  # type: ignore[arg-type]
        load_base=unused,  # type: ignore[arg-type]
        store=SourceInfoStore(root=tmp / "store"),
        fetch=fetch,
    )


RECIPE = """\
[stream]
name = "gate"
summary = "Gate fixture"
license = "MIT"
targets = ["fedora-44-x86_64"]

[requires]
app = ">=1"

[policy]
{policy}

[packages.compiled]
source = "wheel"

[packages.pure]
source = "wheel"
"""


def test_binaries_build_refuses_a_compiled_wheel_and_keeps_pure_ones(tmp_path: Path) -> None:
    lib = shared_object(tmp_path, "libfoo.so.1")
    compiled = wheel(
        tmp_path / "w",
        "compiled",
        license_expression="MIT",
        pure=False,
        files={"compiled/_c.cpython-314-x86_64-linux-gnu.so": lib},
    )
    pure = wheel(tmp_path / "w", "pure", license_expression="MIT")
    app = make_sdist(
        tmp_path / "w",
        "app",
        "1.0",
        {"PKG-INFO": pkg_info("app", "1.0", summary="App", license_expression="MIT")},
    )
    target = _target(
        _bundle("app", app, "sdist"), _bundle("compiled", compiled), _bundle("pure", pure)
    )
    ctx = _context(tmp_path, RECIPE.format(policy='binaries = "build"'), [compiled, pure, app])
    reviewed = add_licenses(target, ctx)
    assert {p.name: p.license.binary for p in reviewed.package if p.license} == {
        "app": False,
        "compiled": True,
        "pure": False,
    }
    with pytest.raises(PolicyError) as err:
        check_policy(reviewed, ctx)
    text = err.value.render()
    assert err.value.exit_code == 3
    assert (
        "compiled 1.0" in text and 'source = "wheel" repackages a wheel with compiled code' in text
    )
    assert "pure 1.0" not in text
    # a pure wheel alone passes
    only_pure = _target(_bundle("app", app, "sdist"), _bundle("pure", pure))
    check_policy(add_licenses(only_pure, ctx), ctx)
    # binaries = "allow" lets the compiled wheel through
    allow = _context(tmp_path, RECIPE.format(policy='binaries = "allow"'), [compiled, pure, app])
    check_policy(add_licenses(target, allow), allow)


def test_licenses_fedora_fails_with_library_and_dependency_path(tmp_path: Path) -> None:
    lib = shared_object(tmp_path, "libnvjpeg-0123abcd.so.13")
    gpu = wheel(
        tmp_path / "w",
        "compiled",
        license_expression="MIT",
        pure=False,
        files={"compiled.libs/libnvjpeg-0123abcd.so.13": lib},
    )
    app = make_sdist(
        tmp_path / "w",
        "app",
        "1.0",
        {"PKG-INFO": pkg_info("app", "1.0", summary="App", license_expression="MIT")},
    )
    from streams.lock import LockedEdge

    target = _target(_bundle("app", app, "sdist"), _bundle("compiled", gpu)).model_copy(
        update={"edge": (LockedEdge(source="app", target="compiled", requirement="compiled"),)}
    )
    strict = _context(
        tmp_path, RECIPE.format(policy='licenses = "fedora"\nbinaries = "allow"'), [gpu, app]
    )
    reviewed = add_licenses(target, strict)
    with pytest.raises(PolicyError) as err:
        check_policy(reviewed, strict)
    text = err.value.render()
    assert "compiled 1.0: MIT AND LicenseRef-NVIDIA-Proprietary" in text
    assert "compiled.libs/libnvjpeg-0123abcd.so.13 (nvJPEG" in text
    assert "pulled in by: app -> compiled" in text
    data = err.value.to_dict()
    assert data["packages"][0]["path"] == ["app", "compiled"]
    lenient = _context(
        tmp_path, RECIPE.format(policy='licenses = "any"\nbinaries = "allow"'), [gpu, app]
    )
    check_policy(add_licenses(target, lenient), lenient)  # reported in the lock, not refused


# -- streams build --backend copr -----------------------------------------------------------


COPR_RECIPE = """\
[stream]
name = "gate"
summary = "Gate fixture"
license = "MIT"
targets = ["fedora-44-x86_64"]

[requires]
gpukit = ">=1"

[policy]
licenses = "any"
binaries = "allow"
{copr}
"""


def _gate_lock(recipe_path: Path, problems: tuple[str, ...]) -> Path:
    recipe = load_recipe(recipe_path)
    pkg = LockedPackage(
        name="gpukit",
        version="1.0",
        origin="bundle",
        rpm="gate-stream-python3-gpukit",
        evr="1.0",
        reason="bundled",
        sources=(
            LockedSource(
                kind="wheel",
                url="https://files.example/gpukit-1.0-py3-none-any.whl",
                sha256="0" * 64,
                filename="gpukit-1.0-py3-none-any.whl",
            ),
        ),
        license=LockedLicense(
            expression="MIT AND LicenseRef-NVIDIA-Proprietary" if problems else "MIT",
            declared_from="license-expression",
            problems=problems,
        ),
    )
    lock = Lock(
        stream="gate",
        recipe=recipe_path.name,
        recipe_sha256=recipe.sha256,
        policy=LockedPolicy(licenses="any", binaries="allow"),
        target=(_target(pkg),),
    )
    out = recipe_path.with_suffix(".lock.toml")
    write_lock(out, lock)
    return out


def test_copr_build_of_a_non_free_stream_is_refused_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe_path = tmp_path / "gate.toml"
    recipe_path.write_text(COPR_RECIPE.format(copr=""))
    lock = _gate_lock(recipe_path, ("bundles gpukit.libs/libcudart.so.12 (CUDA runtime): EULA",))
    with serve_copr() as copr:
        # the client configuration points at the local server: the stream is still destined
        # for Fedora's Copr, because the recipe names no other instance
        monkeypatch.setenv("COPR_URL", copr.url)
        monkeypatch.setenv("COPR_LOGIN", "login")
        monkeypatch.setenv("COPR_USERNAME", "user")
        monkeypatch.setenv("COPR_TOKEN", "secret-token")
        code = main(
            [
                "build",
                str(recipe_path),
                "--lock",
                str(lock),
                "--backend",
                "copr",
                "-o",
                str(tmp_path / "out"),
            ]
        )
        assert copr.requests == []
    err = capsys.readouterr().err
    assert code == 2
    assert "destined for Fedora's Copr (https://copr.fedorainfracloud.org)" in err
    assert "gpukit 1.0 (fedora-44-x86_64): MIT AND LicenseRef-NVIDIA-Proprietary" in err
    assert "libcudart" in err and "nothing was submitted" in err


def test_copr_gate_follows_the_recipes_instance(tmp_path: Path) -> None:
    from streams.builders.copr import refuse_unless_allowed

    bad = ("bundles x (CUDA runtime): EULA",)
    fedora = tmp_path / "fedora.toml"
    fedora.write_text(COPR_RECIPE.format(copr=""))
    other = tmp_path / "other.toml"
    other.write_text(COPR_RECIPE.format(copr='\n[copr]\ninstance = "https://copr.example.org"'))
    from streams.lock import read_lock

    with pytest.raises(UsageError):
        refuse_unless_allowed(
            load_recipe(fedora), read_lock(_gate_lock(fedora, bad)), ["fedora-44-x86_64"]
        )
    # another instance: the packager answers for its rules
    refuse_unless_allowed(
        load_recipe(other), read_lock(_gate_lock(other, bad)), ["fedora-44-x86_64"]
    )
    # a clean lock goes to Fedora's Copr
    refuse_unless_allowed(
        load_recipe(fedora), read_lock(_gate_lock(fedora, ())), ["fedora-44-x86_64"]
    )
