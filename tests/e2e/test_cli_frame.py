"""The CLI frame: help, version, and how errors reach the user (message + exit code)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from streams import __version__
from streams.cli import cli, main
from streams.errors import EXIT_INTERNAL, ResolutionError, UsageError
from streams.targets import get_target


@pytest.fixture
def extra_commands(monkeypatch: pytest.MonkeyPatch) -> dict[str, click.Command]:
    """Register throw-away subcommands on the real group (as a plugin would)."""
    extra: dict[str, click.Command] = {}
    monkeypatch.setattr(cli, "_extra", extra, raising=False)
    return extra


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_help_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: streams" in out
    assert "2 bad input" in out and "70 internal error" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_streams_error_becomes_message_and_exit_code(
    extra_commands: dict[str, click.Command], capsys: pytest.CaptureFixture[str]
) -> None:
    @click.command("boom")
    def boom() -> None:
        raise ResolutionError("cannot satisfy vllm", hint="try python 3.14")

    extra_commands["boom"] = boom
    assert main(["boom"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: cannot satisfy vllm")
    assert "hint: try python 3.14" in err
    assert "Traceback" not in err


def test_unknown_target_names_valid_ones(
    extra_commands: dict[str, click.Command], capsys: pytest.CaptureFixture[str]
) -> None:
    @click.command("tgt")
    @click.argument("name")
    def tgt(name: str) -> None:
        get_target(name)

    extra_commands["tgt"] = tgt
    assert main(["tgt", "fedora-99-x86_64"]) == 2
    err = capsys.readouterr().err
    assert "unknown target 'fedora-99-x86_64'" in err
    assert "fedora-45-x86_64" in err


def test_internal_error_is_short_and_logged(
    extra_commands: dict[str, click.Command], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    @click.command("crash")
    def crash() -> None:
        raise KeyError("oops")

    extra_commands["crash"] = crash
    log_file = tmp_path / "debug.log"
    assert main(["--log-file", str(log_file), "crash"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError")
    assert str(log_file) in err
    assert "Traceback" not in err
    assert "Traceback" in log_file.read_text()


def test_debug_reraises(extra_commands: dict[str, click.Command]) -> None:
    @click.command("bad")
    def bad() -> None:
        raise UsageError("nope")

    extra_commands["bad"] = bad
    with pytest.raises(UsageError):
        main(["--debug", "bad"])
