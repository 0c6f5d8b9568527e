"""Property tests of the coupling rule's widening (``series_range``): the range of ``==V``
always contains V, never contains the next release series nor anything above it, and says so
again once converted to RPM (matched by libsolv, as dnf matches it)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from packaging.version import Version

from streams.solver.versions import rpm_dep, series_range
from tests.property.test_versions_property import libsolv_satisfied, pep440, whole_pep440

pytestmark = pytest.mark.property


def next_series(v: Version) -> Version:
    """The first version of the next ``MAJOR.MINOR`` series (next ``MAJOR`` for one part)."""
    epoch = f"{v.epoch}!" if v.epoch else ""
    if len(v.release) == 1:
        return Version(f"{epoch}{v.release[0] + 1}")
    return Version(f"{epoch}{v.release[0]}.{v.release[1] + 1}")


@given(pep440(), st.integers(min_value=0, max_value=5))
@example("1.2.2", 0)
@example("5", 3)
@example("1!2.0rc1", 1)
def test_range_holds_v_and_stops_before_the_next_series(text: str, bump: int) -> None:
    v = Version(text)
    wide = series_range(f"=={text}")
    assert wide.contains(Version(v.public), prereleases=True)
    nxt = next_series(v)
    above = Version(f"{nxt.epoch}!{nxt.release[0]}.{nxt.release[-1] + bump}")
    for w in (nxt, above, Version(f"{nxt}.post1"), Version(f"{nxt}rc1")):
        assert not wide.contains(w, prereleases=True), (text, str(wide), str(w))


@given(whole_pep440())
@example("2.9.1")
@example("1.2")
def test_the_rpm_range_admits_v_and_not_the_next_series(text: str) -> None:
    v = Version(text)
    dep = rpm_dep("python3dist(x)", series_range(f"=={text}"))
    nxt = next_series(v)
    assert libsolv_satisfied(dep, [text, str(nxt), f"{nxt}.1"]) == [True, False, False], dep
