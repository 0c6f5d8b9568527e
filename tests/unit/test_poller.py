"""The poll interval of remote backends: starts at the asked interval, backs off, resets."""

from __future__ import annotations

import pytest

from streams.builders.base import Poller


def test_backs_off_while_nothing_changes_and_resets_on_a_change() -> None:
    slept: list[float] = []
    p = Poller(10.0, sleep=slept.append)
    for _ in range(12):
        p.wait()
        p.changed(False)
    p.wait()
    p.changed(True)
    p.wait()
    assert slept[:4] == [10.0, 15.0, 22.5, 33.75]
    assert max(slept) == 120.0  # twelve times 10 s would be 120 s: the two-minute ceiling
    assert slept[-1] == 10.0  # a change brings it back to the interval asked for


def test_ceiling_is_never_below_the_interval() -> None:
    assert Poller(300.0).ceiling == 300.0
    assert Poller(0.05).ceiling == pytest.approx(0.6)
    with pytest.raises(ValueError):
        Poller(0)
