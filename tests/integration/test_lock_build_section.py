"""The lock's build section with injected solver parts: a recorded resolver, a tiny real base.

No uv runs here: :class:`~streams.lock.context.LockContext` takes the resolver and the base
loader as values, so these tests hand it a function that answers from a table (and records
what it was asked) and a libsolv pool loaded from a createrepo_c repository written for the test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.errors import LockError, ResolutionError
from streams.lock import LockedEdge, LockedPackage, LockedSource, LockedTarget
from streams.lock.build_section import add_build_section
from streams.lock.context import LockContext, LockOptions
from streams.lock.pipeline import lock_target
from streams.recipe import load_recipe
from streams.solver.model import Pin, SourceFile, UpstreamClosure
from streams.solver.repos import BaseRepos, make_spec
from streams.sources import BuildInfo, SourceInfo, SourceInfoStore
from streams.targets import get_target
from tools.snapshots.repodata import PackageInfo, write_repo

TARGET = "fedora-45-x86_64"
PY = "3.15"


def sha(name: str) -> str:
    return canonicalize_name(name).encode().hex().ljust(64, "0")[:64]


class Index:
    """What the injected resolver knows: one version per name, and what it was asked."""

    def __init__(self, versions: dict[str, str]) -> None:
        self.versions = versions
        self.asked: list[list[str]] = []

    def __call__(self, requirements: Sequence[Requirement]) -> UpstreamClosure:
        self.asked.append(sorted(str(r) for r in requirements))
        pins = []
        for req in requirements:
            name = canonicalize_name(req.name)
            version = self.versions.get(name)
            if version is None or not req.specifier.contains(Version(version), prereleases=True):
                raise ResolutionError(f"no version of {name} satisfies {req}", [])
            src = SourceFile("sdist", f"https://files.example/{name}-{version}.tar.gz", sha(name))
            pins.append(Pin(name=name, version=Version(version), sources=(src,)))
        return UpstreamClosure(TARGET, PY, tuple(requirements), tuple(pins))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    pkgs = [
        PackageInfo(
            "python3", f"{PY}.0", "1.fc45", arch="x86_64", provides=(f"python(abi) = {PY}",)
        ),
        PackageInfo(
            "python3-setuptools",
            "78.1.0",
            "1.fc45",
            provides=(f"python{PY}dist(setuptools) = 78.1", "python3dist(setuptools) = 78.1"),
            requires=(f"python(abi) = {PY}",),
        ),
    ]
    write_repo(tmp_path / "base", pkgs, timestamp=1)
    return tmp_path / "base"


def store_with(root: Path, requires: dict[str, tuple[str, ...]]) -> SourceInfoStore:
    store = SourceInfoStore(root=root)
    for name, reqs in requires.items():
        build = BuildInfo(requires=reqs, backend="flit_core.buildapi")
        store.put(sha(name), SourceInfo(kind="sdist", name=name, version="1", build=build))
    return store


def bundled(name: str, version: str) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        origin="bundle",
        rpm=f"app-stream-python3-{name}",
        evr=version,
        reason="bundled: test",
        repo="stream",
        sources=(
            LockedSource(
                kind="sdist",
                url=f"https://files.example/{name}-{version}.tar.gz",
                sha256=sha(name),
                filename=f"{name}-{version}.tar.gz",
            ),
        ),
    )


def context(
    tmp_path: Path, base: Path, index: Index, store: SourceInfoStore
) -> tuple[LockContext, list[int]]:
    """The context, and a tally of the base loads it made."""
    recipe_path = tmp_path / "app.toml"
    recipe_path.write_text(
        '[stream]\nname = "app"\nsummary = "s"\nlicense = "MIT"\n'
        f'targets = ["{TARGET}"]\n\n[requires]\napp = "==1.0"\n'
    )
    loads: list[int] = []

    def load_base() -> BaseRepos:
        loads.append(1)
        return BaseRepos.load([make_spec("fedora", str(base))], arch="x86_64")

    target = get_target(TARGET)
    ctx = LockContext(
        recipe=load_recipe(recipe_path),
        target=target,
        interpreter=target.interpreter(PY),
        options=LockOptions(),
        resolve=index,
        load_base=load_base,
        store=store,
        fetch=lambda src: pytest.fail(f"nothing is downloaded here ({src.filename})"),
    )
    return ctx, loads


def locked(*packages: LockedPackage) -> LockedTarget:
    return LockedTarget(
        name=TARGET, python=PY, interpreter="python3", interpreter_main=True, package=packages
    )


def test_requirements_met_by_fedora_by_bundles_and_by_build_only_bundles(
    tmp_path: Path, base: Path
) -> None:
    store = store_with(
        tmp_path / "store",
        {
            "app": ("setuptools>=70", "flit-core>=3.9,<4", "lib", "wheel; python_version < '3'"),
            "lib": ("flit-core>=3.9,<4",),
            "flit-core": (),
        },
    )
    index = Index({"flit-core": "3.12.0"})
    ctx, loads = context(tmp_path, base, index, store)
    new, section = add_build_section(locked(bundled("app", "1.0"), bundled("lib", "2.0")), ctx)

    pkgs = new.packages()
    # setuptools is Fedora's; lib is the runtime view's bundle; flit-core is bundled to build
    assert section.fedora == {"setuptools"}
    assert pkgs["app"].build_requires == ("flit-core<4,>=3.9", "lib", "setuptools>=70")
    assert pkgs["flit-core"].build_only and pkgs["flit-core"].version == "3.12.0"
    assert pkgs["flit-core"].reason.startswith("bundled to build app, lib")
    builds = {(e.source, e.target) for e in new.edge if e.kind == "build"}
    assert builds == {("app", "lib"), ("app", "flit-core"), ("lib", "flit-core")}
    # one resolution of the unmet requirement, once for both requirers; the marker-false
    # ``wheel`` never reached the resolver
    assert index.asked == [["flit-core<4,>=3.9"]]
    # two rounds (flit-core's own build requirements are the second); Fedora is asked of the
    # context's base once, and the one round that reconciled got a fresh pool
    assert section.rounds == 2
    assert loads == [1, 1]


def test_conflicting_exact_pins_are_relaxed_and_said(tmp_path: Path, base: Path) -> None:
    store = store_with(
        tmp_path / "store",
        {"a": ("hatchling==1.26.3",), "b": ("hatchling==1.27.0",), "hatchling": ()},
    )
    index = Index({"hatchling": "1.27.0"})
    ctx, _ = context(tmp_path, base, index, store)
    new, section = add_build_section(locked(bundled("a", "1"), bundled("b", "1")), ctx)

    assert index.asked == [["hatchling"]]  # the exact pins dropped at the first level
    assert any(
        "build requirements on hatchling (hatchling==1.26.3; hatchling==1.27.0) cannot all "
        "hold with one bundled hatchling: relaxed to hatchling" in w
        for w in section.warnings
    )
    assert new.packages()["a"].build_requires == ("hatchling",)
    assert new.packages()["hatchling"].version == "1.27.0"


def test_an_unbuildable_compiled_sdist_is_an_error_naming_the_requirement_and_the_path(
    tmp_path: Path, base: Path
) -> None:
    store = store_with(
        tmp_path / "store",
        {"a": ("flit-core", "python-sbom-plugin>=1"), "flit-core": (), "app": ("flit-core",)},
    )
    index = Index({"flit-core": "3.12.0"})
    ctx, _ = context(tmp_path, base, index, store)
    app = bundled("app", "1.0")
    target = locked(app, bundled("a", "1")).model_copy(
        update={"edge": (LockedEdge(source="app", target="a", requirement="a>=1"),)}
    )
    with pytest.raises(LockError) as err:
        add_build_section(target, ctx)
    assert "a 1 cannot be built: its build requirement python-sbom-plugin is on no index" in (
        err.value.message
    )
    assert "needed as app -> a" in err.value.message
    assert "ignore-build-requires" in (err.value.hint or "")


def test_an_unbuildable_sdist_with_a_pure_wheel_falls_back_to_it(
    tmp_path: Path, base: Path
) -> None:
    store = store_with(tmp_path / "store", {"filelock": ("hatchling", "python-sbom>=0.1")})
    wheel_sha = "f" * 64
    wheel = LockedSource(
        kind="wheel",
        url="https://files.example/filelock-3.0-py3-none-any.whl",
        sha256=wheel_sha,
        filename="filelock-3.0-py3-none-any.whl",
    )
    store.put(wheel_sha, SourceInfo(kind="wheel", name="filelock", version="3.0"))
    pkg = bundled("filelock", "3.0")
    pkg = pkg.model_copy(update={"sources": (*pkg.sources, wheel)})
    index = Index({"hatchling": "1.27.0"})
    ctx, _ = context(tmp_path, base, index, store)
    new, section = add_build_section(locked(pkg), ctx)

    got = new.packages()["filelock"]
    assert got.sources == (wheel,) and got.build_requires == () and got.build_tools == ()
    assert not [e for e in new.edge if e.source == "filelock" and e.kind == "build"]
    assert section.fallbacks == ["filelock"]
    assert any(
        "filelock: its sdist cannot be built (build requirement python-sbom is on no index); "
        "repackaging its pure-Python wheel filelock-3.0-py3-none-any.whl instead" in w
        for w in new.warnings
    )


def test_backend_answers_and_build_tools_by_authority(tmp_path: Path, base: Path) -> None:
    store = SourceInfoStore(root=tmp_path / "store")
    build = BuildInfo(
        requires=("setuptools>=70",),
        backend="setuptools.build_meta",
        native=True,
        native_reason="RustExtension() in setup.py",
        tools=(("cargo", "Rust sources"), ("gcc", "C sources"), ("rust", "Rust sources")),
        dynamic=("setuptools-rust>=1.9",),
    )
    store.put(sha("dulwich"), SourceInfo(kind="sdist", name="dulwich", version="1", build=build))
    store.put(
        sha("setuptools-rust"),
        SourceInfo(
            kind="sdist",
            name="setuptools-rust",
            version="1",
            build=BuildInfo(requires=(), backend="setuptools.build_meta"),
        ),
    )
    index = Index({"setuptools-rust": "1.11.0"})
    ctx, _ = context(tmp_path, base, index, store)
    recipe = tmp_path / "app.toml"
    recipe.write_text(
        recipe.read_text() + '\n[packages.dulwich]\nbuild-requires = ["gcc", "pkgconfig(zlib)"]\n'
    )
    ctx = replace(
        ctx,
        recipe=load_recipe(recipe),
        fedora_build_requires=lambda d: (
            ("gcc", "openssl-devel", "rust") if d == "dulwich" else None
        ),
    )
    new, _ = add_build_section(locked(bundled("dulwich", "1")), ctx)

    pkgs = new.packages()
    # the backend's answer is a build requirement like the static ones (a build-only bundle)
    assert pkgs["dulwich"].build_requires == ("setuptools-rust>=1.9", "setuptools>=70")
    assert pkgs["setuptools-rust"].build_only
    tools = {t.rpm: (t.source, t.why) for t in pkgs["dulwich"].build_tools}
    assert tools == {
        "gcc": ("recipe", "[packages] build-requires"),
        "pkgconfig(zlib)": ("recipe", "[packages] build-requires"),
        "openssl-devel": ("fedora", f"Fedora's spec ({TARGET})"),
        "rust": ("fedora", f"Fedora's spec ({TARGET})"),
        "cargo": ("sdist", "Rust sources"),
    }
    # a pure sdist gets no compiler
    assert pkgs["setuptools-rust"].build_tools == ()


def _promotion_context(tmp_path: Path, base: Path, policy: str) -> tuple[LockContext, Index]:
    recipe_path = tmp_path / "app.toml"
    recipe_path.write_text(
        '[stream]\nname = "app"\nsummary = "s"\nlicense = "MIT"\n'
        f'targets = ["{TARGET}"]\n\n[requires]\napp = "==1.0"\nsetuptools = ">=60"\n'
        # the recorded infos carry no license: reviewed, not refused
        f'\n[policy]\nbundle = ["app"]\nlicenses = "any"\n{policy}'
    )
    store = store_with(tmp_path / "store", {"app": ("setuptools>=80",), "setuptools": ()})
    index = Index({"app": "1.0", "setuptools": "80.9.0"})
    target = get_target(TARGET)
    ctx = LockContext(
        recipe=load_recipe(recipe_path),
        target=target,
        interpreter=target.interpreter(PY),
        options=LockOptions(),
        resolve=index,
        load_base=lambda: BaseRepos.load([make_spec("fedora", str(base))], arch="x86_64"),
        store=store,
        fetch=lambda src: pytest.fail(f"nothing is downloaded here ({src.filename})"),
    )
    return ctx, index


def test_a_reused_copy_too_old_for_a_bundled_build_is_bundled_instead(
    tmp_path: Path, base: Path
) -> None:
    # Fedora's setuptools 78.1 satisfies the runtime view (>=60) but not app's build
    # (setuptools>=80): building with 78.1 would fail, so the lock bundles uv's pin 80.9.0
    # (which satisfies both) instead of relaxing the build requirement.
    ctx, _ = _promotion_context(tmp_path, base, "")
    new = lock_target(ctx)
    pkgs = new.packages()
    assert pkgs["setuptools"].origin == "bundle"
    assert pkgs["setuptools"].version == "80.9.0"
    assert not pkgs["setuptools"].build_only
    assert "app builds with setuptools>=80" in pkgs["setuptools"].reason
    assert pkgs["app"].build_requires == ("setuptools>=80",)
    assert not any("relaxed" in w for w in new.warnings), new.warnings
    assert ("app", "setuptools") in {(e.source, e.target) for e in new.edge if e.kind == "build"}


def test_an_abi_coupled_reused_copy_is_kept_and_the_relaxation_said(
    tmp_path: Path, base: Path
) -> None:
    # abi-coupled: the build must use the very copy the stream imports, so no promotion
    ctx, _ = _promotion_context(tmp_path, base, 'abi-coupled = ["setuptools"]\n')
    new = lock_target(ctx)
    pkgs = new.packages()
    assert pkgs["setuptools"].origin == "fedora"
    assert pkgs["app"].build_requires == ("setuptools",)
    assert any(
        "build requirement setuptools>=80 relaxed to the fedora setuptools" in w
        for w in new.warnings
    ), new.warnings
