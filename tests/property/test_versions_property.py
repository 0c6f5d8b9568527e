"""Property tests: Fedora's PEP 440 -> RPM rules against PEP 440 itself (packaging) and rpm.

Orders are compared with ``rpm.labelCompare``; dependencies are matched by libsolv (and, for the
plain ``NAME OP EVR`` ones, also by ``rpm.ds``), never by code of ours.  The cases where the rules
deliberately lose information, or where RPM ranges and PEP 440's special cases differ, are
predicted exactly here and listed with examples in ``docs/versions.md``.
"""

from __future__ import annotations

import re

import pytest
import rpm
import solv
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version

from streams.solver.versions import rpm_dep, rpm_version

pytestmark = pytest.mark.property

# -- strategies -----------------------------------------------------------------------------

# Small numbers so that random versions collide, share prefixes and sit on each other's bounds.
_num = st.integers(min_value=0, max_value=3)
_release = st.lists(_num, min_size=1, max_size=4).map(lambda r: ".".join(map(str, r)))
_epoch = st.sampled_from(["", "", "", "", "1!"])
_pre = st.one_of(
    st.just(""), st.tuples(st.sampled_from(["a", "b", "rc"]), _num).map(lambda t: f"{t[0]}{t[1]}")
)
_post = st.one_of(st.just(""), _num.map(lambda n: f".post{n}"))
_dev = st.one_of(st.just(""), _num.map(lambda n: f".dev{n}"))
_local = st.one_of(st.just(""), st.sampled_from(["+1", "+local", "+ubuntu.2"]))


@st.composite
def pep440(draw: st.DrawFn, *, local: bool = True) -> str:
    """A valid PEP 440 version: epoch, 1-4 release components, any pre/post/dev combination."""
    text = draw(_epoch) + draw(_release) + draw(_pre) + draw(_post) + draw(_dev)
    if local:
        text += draw(_local)
    return str(Version(text))  # normalized; also proves it parses


@st.composite
def whole_pep440(draw: st.DrawFn) -> str:
    """A PEP 440 version Fedora's rules keep whole: no local label, at most one suffix."""
    suffix = draw(st.one_of(st.just(""), _pre, _post, _dev))
    return str(Version(draw(_epoch) + draw(_release) + suffix))


def lossy(v: Version) -> bool:
    """True when Fedora's rules drop part of ``v`` (docs/versions.md, "Where order is lost")."""
    return (
        v.local is not None
        or (v.pre is not None and (v.dev is not None or v.post is not None))
        or (v.post is not None and v.dev is not None)
    )


def projection(v: Version) -> Version:
    """The PEP 440 version an RPM conversion of ``v`` stands for: local dropped, one suffix kept
    (pre over dev over post), as pythondistdeps.py's RpmVersion does."""
    text = (f"{v.epoch}!" if v.epoch else "") + ".".join(map(str, v.release))
    if v.pre is not None:
        text += f"{v.pre[0]}{v.pre[1]}"
    elif v.dev is not None:
        text += f".dev{v.dev}"
    elif v.post is not None:
        text += f".post{v.post}"
    return Version(text)


def sign(n: int) -> int:
    return (n > 0) - (n < 0)


def rpm_cmp(a: str, b: str) -> int:
    def label(v: str) -> tuple[str, str, None]:
        epoch, _, version = v.rpartition(":")
        return (epoch or "0", version, None)

    return sign(rpm.labelCompare(label(a), label(b)))


# -- ordering -------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(whole_pep440(), whole_pep440())
@example("1.0", "1.0.0")
@example("1.0.dev1", "1.0a1")
@example("1.0rc1", "1.0")
@example("1.0", "1.0.post0")
@example("1.0.post1", "1.0.1rc1")
@example("1!0.1", "2.0")
def test_order_is_preserved_for_versions_fedora_keeps_whole(a: str, b: str) -> None:
    """PEP 440 "Summary of permitted suffixes and relative ordering": for versions without a
    local label and with at most one of pre/post/dev, rpm orders the conversions as PEP 440
    orders the versions (equal included: ``1.0`` and ``1.0.0`` are both ``1``)."""
    va, vb = Version(a), Version(b)
    assert not lossy(va) and not lossy(vb)
    assert rpm_cmp(rpm_version(va), rpm_version(vb)) == sign((va > vb) - (va < vb))


@settings(max_examples=500, deadline=None)
@given(pep440(), pep440())
@example("1.0.post1.dev2", "1.0")  # the inversion: 1~~dev2 < 1
@example("1.0a1.dev1", "1.0a1")  # a tie
@example("1.0+a", "1.0+b")  # a tie
def test_order_is_that_of_the_projection(a: str, b: str) -> None:
    """For every pair, rpm orders the conversions exactly as PEP 440 orders the projections
    (local dropped; pre over dev over post).  So ties and inversions happen only where a
    projection differs from its version, which is what docs/versions.md lists."""
    va, vb = Version(a), Version(b)
    pa, pb = projection(va), projection(vb)
    assert rpm_version(pa) == rpm_version(va)
    assert (pa == va) is (not lossy(va))
    assert rpm_cmp(rpm_version(va), rpm_version(vb)) == sign((pa > pb) - (pa < pb))


def test_the_documented_inversion_is_real() -> None:
    # docs/versions.md: 1.0.post1.dev2 is newer than 1.0 for pip, older for rpm
    assert Version("1.0.post1.dev2") > Version("1.0")
    assert rpm_cmp(rpm_version("1.0.post1.dev2"), rpm_version("1.0")) < 0


# -- specifiers -----------------------------------------------------------------------------

_OPS = ["==", "!=", "<", "<=", ">", ">=", "~="]


@st.composite
def specifier(draw: st.DrawFn) -> str:
    """One valid PEP 440 specifier (no ``===``: docs/versions.md), with a version Fedora keeps
    whole (lossy specifier versions convert their projection)."""
    op = draw(st.sampled_from(_OPS))
    if op in ("==", "!=") and draw(st.booleans()):
        return f"{op}{draw(_epoch)}{draw(_release)}.*"
    version = Version(draw(whole_pep440()))
    if op == "~=":
        assume(len(version.release) >= 2)
    return f"{op}{version}"


def _bump(release: tuple[int, ...]) -> tuple[int, ...]:
    return (*release[:-1], release[-1] + 1)


def _v(epoch: int, release: tuple[int, ...]) -> Version:
    return Version((f"{epoch}!" if epoch else "") + ".".join(map(str, release)))


def expected_mismatch(spec: Specifier, v: Version) -> bool:
    """True exactly where the RPM dependency and PEP 440 disagree for a whole (non-lossy) ``v``.

    Each branch is one row of docs/versions.md "Where matching differs".
    """
    op, text = spec.operator, spec.version
    is_pre = v.pre is not None or v.dev is not None
    base = Version(v.base_version)
    if text.endswith(".*"):
        prefix = Version(text[:-2])
        upper = _v(prefix.epoch, _bump(prefix.release))
        if op == "==":
            # lower bound ">= V" drops V's pre/dev releases; upper "< U" admits U's
            return is_pre and base in (prefix, upper)
        # "!=": the upper branch ">= U" drops U's pre/dev releases
        return is_pre and base == upper
    bound = Version(text)
    if op == "~=":
        upper = _v(bound.epoch, _bump(bound.release[:-1]))
        return is_pre and base == upper
    return False


def _rich(dep: str) -> str:
    return dep if dep.startswith("(") else f"({dep})"


def libsolv_satisfied(dep: str, versions: list[str]) -> list[bool]:
    """Which of ``python3dist(x) = rpm_version(v)`` satisfy ``dep``, according to libsolv."""
    pool = solv.Pool()
    pool.setarch("x86_64")
    repo = pool.add_repo("candidates")
    ids = []
    name = pool.Dep("python3dist(x)")
    for i, v in enumerate(versions):
        s = repo.add_solvable()
        s.name, s.evr, s.arch = f"c{i}", "1-1", "noarch"
        s.add_deparray(solv.SOLVABLE_PROVIDES, name.Rel(solv.REL_EQ, pool.Dep(rpm_version(v))))
        ids.append(s.id)
    pool.createwhatprovides()
    parsed = pool.parserpmrichdep(_rich(dep))
    assert parsed is not None, f"libsolv cannot parse {dep!r}"
    hits = {s.id for s in pool.whatprovides(parsed)}
    return [i in hits for i in ids]


_FLAGS = {
    "<": rpm.RPMSENSE_LESS,
    "<=": rpm.RPMSENSE_LESS | rpm.RPMSENSE_EQUAL,
    "=": rpm.RPMSENSE_EQUAL,
    ">=": rpm.RPMSENSE_GREATER | rpm.RPMSENSE_EQUAL,
    ">": rpm.RPMSENSE_GREATER,
}


def rpm_satisfied(dep: str, version: str) -> bool:
    """rpm's own answer for a plain ``NAME OP EVR`` dependency."""
    m = re.fullmatch(r"(\S+) (<=|>=|=|<|>) (\S+)", dep)
    assert m, dep
    req = rpm.ds((m[1], _FLAGS[m[2]], m[3]), rpm.RPMTAG_REQUIRENAME)
    prov = rpm.ds((m[1], rpm.RPMSENSE_EQUAL, rpm_version(version)), rpm.RPMTAG_PROVIDENAME)
    return bool(req.Compare(prov))


def _neighbours(spec: str) -> list[str]:
    """Versions on and around a specifier's bound, where conversions go wrong if they do."""
    text = spec.lstrip("=!<>~").removesuffix(".*")
    v = Version(text)
    out = [text]
    bases = [v.base_version, str(_v(v.epoch, _bump(v.release)))]
    if len(v.release) > 1:
        bases.append(str(_v(v.epoch, _bump(v.release[:-1]))))
    for base in bases:
        out += [base, f"{base}.0", f"{base}.dev0", f"{base}a1", f"{base}rc2", f"{base}.post1"]
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(specifier(), min_size=1, max_size=3),
    st.lists(whole_pep440(), min_size=1, max_size=6),
)
@example(["==1.2.*"], ["1.2rc1", "1.3.dev0", "1.2.post1"])
@example(["~=1.4.2"], ["1.5a1", "1.4.9"])
@example(["!=1.3.*"], ["1.4.dev0", "1.3rc1"])
@example(["<1.0.post1"], ["1.0rc1"])  # packaging >= 25 admits it too
@example([">1.0rc1"], ["1.0.post1"])
@example([">1.2", "<2"], ["1.2.post1", "1.2.0.1", "2.dev1", "2rc1"])
def test_specifiers_agree_with_packaging(specs: list[str], candidates: list[str]) -> None:
    """PEP 440 "Version specifiers": ``v in SpecifierSet(prereleases=True)`` iff libsolv finds
    ``python3dist(x) = rpm_version(v)`` satisfies the converted dependency — except in exactly
    the documented cases (:func:`expected_mismatch`).

    ``prereleases=True`` because RPM has no pre-release opt-in: an RPM range admits every
    version inside it, while pip skips pre-releases unless asked or the specifier names one.
    """
    spec_set = SpecifierSet(",".join(specs), prereleases=True)
    versions = candidates + [n for s in specs for n in _neighbours(s)]
    dep = rpm_dep("python3dist(x)", spec_set)
    got = libsolv_satisfied(dep, versions)
    for v, rpm_ok in zip(versions, got, strict=True):
        pv = Version(v)
        expected = all(
            s.contains(pv, prereleases=True) != expected_mismatch(s, pv) for s in spec_set
        )
        assert rpm_ok == expected, (dep, v, spec_set)
    # each single specifier, and rpm itself where the dependency is a plain one
    for s in spec_set:
        single = rpm_dep("python3dist(x)", s)
        for v, rpm_ok in zip(versions, libsolv_satisfied(single, versions), strict=True):
            pv = Version(v)
            assert rpm_ok == (s.contains(pv, prereleases=True) != expected_mismatch(s, pv)), (
                single,
                v,
            )
            if not single.startswith("("):
                assert rpm_satisfied(single, v) == rpm_ok, (single, v)


def test_default_prerelease_handling_differs() -> None:
    # pip's default: a pre-release is picked only when no final release fits (or when asked);
    # an RPM range has no such switch and admits both
    assert list(SpecifierSet(">=1.0").filter(["1.5", "2.0rc1"])) == ["1.5"]
    dep = rpm_dep("python3dist(x)", ">=1.0")
    assert libsolv_satisfied(dep, ["1.5", "2.0rc1"]) == [True, True]
