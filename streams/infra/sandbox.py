"""Running a command with no network, as mock, Copr and Koji build (contracts: their builders
run without network access by default; mock's ``config_opts['rpmbuild_networking'] = False``).

:func:`offline_argv` prefixes a command line so that it runs in a fresh network namespace
that has only a loopback interface, which is down: nothing can be reached, not even the host.
The first method that works on this machine is used, probed once per process:

1. ``unshare --net`` (util-linux ``unshare(1)``) when running as root;
2. ``unshare --map-root-user --net`` (a user namespace, then a network namespace) otherwise;
3. ``bwrap --unshare-net`` (bubblewrap) with the whole file system bound read-write.

Nothing else is isolated: the command sees the same files, user and environment.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from functools import cache

from streams.errors import ToolMissingError
from streams.infra.proc import run

__all__ = ["offline_argv", "offline_method", "offline_prefix"]

# bwrap needs the tree bound explicitly; /dev and /proc get fresh instances as bwrap(1) shows.
_BWRAP = ("--dev-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--")


def _candidates() -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    unshare = shutil.which("unshare")
    if unshare is not None:
        if os.geteuid() == 0:
            out.append(("unshare --net", (unshare, "--net", "--")))
        out.append(("unshare --map-root-user --net", (unshare, "--map-root-user", "--net", "--")))
    bwrap = shutil.which("bwrap")
    if bwrap is not None:
        out.append(("bwrap --unshare-net", (bwrap, *_BWRAP)))
    return out


@cache
def _probe() -> tuple[str, tuple[str, ...]]:
    tried: list[str] = []
    true = shutil.which("true") or "/bin/true"
    for label, prefix in _candidates():
        done = run([*prefix, true], check=False, what=label, timeout=30)
        if done.ok:
            return label, prefix
        reason = (done.stderr or done.stdout).strip().splitlines()
        tried.append(f"{label} ({reason[-1] if reason else f'exit code {done.returncode}'})")
    raise ToolMissingError(
        "cannot run commands without network here: "
        + ("; ".join(tried) if tried else "neither unshare nor bwrap is installed"),
        hint="install util-linux (unshare) or bubblewrap (bwrap), and allow unprivileged user "
        "namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root",
    )


def offline_method() -> str:
    """How :func:`offline_argv` isolates the network here (e.g. ``"unshare --net"``)."""
    return _probe()[0]


def offline_prefix() -> tuple[str, ...]:
    """The argv prefix that runs a command without network (see :func:`offline_argv`)."""
    return _probe()[1]


def offline_argv(argv: Sequence[str | os.PathLike[str]]) -> list[str]:
    """``argv`` prefixed so that it runs in a network namespace with no way out.

    Raises :class:`~streams.errors.ToolMissingError` naming what was tried when no method
    works on this machine.
    """
    return [*offline_prefix(), *(os.fspath(a) for a in argv)]
