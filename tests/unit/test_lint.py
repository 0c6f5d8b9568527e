"""rpmlint output parsing, the embedded Fedora configuration and what a stream accepts."""

from __future__ import annotations

import hashlib
import tomllib

from streams.checks.lint import (
    Finding,
    accept,
    fedora_config_dir,
    fedora_config_source,
    fedora_valid_licenses,
    parse_output,
    stream_rules,
)

# Lines as rpmlint 2.10.0 printed them for the demo streams (tools/demo.py).
OUTPUT = """\
============================ rpmlint session starts ============================
rpmlint: 2.10.0
checks: 33, packages: 3

greeter-stream-python3-greeter-app.noarch: E: wrong-script-interpreter \
/opt/streams/greeter/bin/greeter /opt/streams/greeter/bin/python3
greeter-stream.noarch: W: summary-not-capitalized greeter-app, the first streams demo application
greeter-stream-runtime.noarch: E: dir-or-file-in-opt /opt/streams/greeter/bin
greeter-stream-python3-colorlib.spec: W: no-%check-section
greeter-stream-python3-colorlib.spec:12: W: macro-in-comment %install
(none): E: unable to load spellchecking dictionary for en_US.
 3 packages and 1 specfiles checked; 2 errors, 3 warnings, 9 filtered, 2 badness
"""


def test_parse_output_reads_every_message_with_origin_line_and_detail() -> None:
    found = parse_output(OUTPUT)
    assert [(f.origin, f.severity, f.check) for f in found] == [
        ("greeter-stream-python3-greeter-app.noarch", "E", "wrong-script-interpreter"),
        ("greeter-stream.noarch", "W", "summary-not-capitalized"),
        ("greeter-stream-runtime.noarch", "E", "dir-or-file-in-opt"),
        ("greeter-stream-python3-colorlib.spec", "W", "no-%check-section"),
        ("greeter-stream-python3-colorlib.spec", "W", "macro-in-comment"),
        ("(none)", "E", "unable"),
    ]
    assert found[0].detail == "/opt/streams/greeter/bin/greeter /opt/streams/greeter/bin/python3"
    assert found[4].line == 12
    assert found[3].detail == ""


def _err(origin: str, check: str, detail: str) -> Finding:
    return Finding(origin, "E", check, detail)


def test_the_prefix_and_its_interpreter_are_accepted_only_for_the_stream_itself() -> None:
    rules = stream_rules("greeter", "/opt/streams/greeter")
    findings = accept(
        [
            _err("greeter-stream-runtime.noarch", "dir-or-file-in-opt", "/opt/streams/greeter"),
            _err("greeter-stream-runtime.noarch", "dir-or-file-in-opt", "/opt/streams"),
            _err(
                "greeter-stream-python3-x.noarch",
                "dir-or-file-in-opt",
                "/opt/streams/greeter/lib/python3.11/site-packages/x.py",
            ),
            _err(
                "greeter-stream-python3-x.noarch",
                "wrong-script-interpreter",
                "/opt/streams/greeter/bin/x /opt/streams/greeter/bin/python3 -sP",
            ),
            # not the stream's prefix: a sibling directory, another stream, another package
            _err("greeter-stream-python3-x.noarch", "dir-or-file-in-opt", "/opt/streams/greeter2"),
            _err("greeter-stream-python3-x.noarch", "dir-or-file-in-opt", "/opt/other/x"),
            _err("other-stream-runtime.noarch", "dir-or-file-in-opt", "/opt/streams/greeter/x"),
            _err(
                "greeter-stream-python3-x.noarch",
                "wrong-script-interpreter",
                "/opt/streams/greeter/bin/x /opt/tools/python3",
            ),
            _err("greeter-stream-python3-x.noarch", "script-without-shebang", "/opt/x"),
        ],
        rules,
    )
    assert [f.accepted for f in findings] == [
        "prefix-under-opt",
        "prefix-under-opt",
        "prefix-under-opt",
        "prefix-interpreter",
        None,
        None,
        None,
        None,
        None,
    ]
    assert [f.is_error for f in findings].count(True) == 5
    warning = Finding("greeter-stream.noarch", "W", "dir-or-file-in-opt", "/opt/streams/greeter")
    assert accept([warning], rules)[0].accepted is None  # warnings are never "accepted"


def test_an_empty_module_under_the_prefix_is_accepted_other_empty_files_are_not() -> None:
    rules = stream_rules("poetry", "/opt/streams/poetry")
    site = "/opt/streams/poetry/lib/python3.11/site-packages"
    findings = accept(
        [
            _err("poetry-stream-python3-poetry.noarch", "zero-length", f"{site}/poetry/e.py"),
            _err("poetry-stream-python3-poetry.noarch", "zero-length", f"{site}/poetry/data.txt"),
            _err("poetry-stream-python3-poetry.noarch", "zero-length", "/usr/lib/x/e.py"),
            _err("other-stream-python3-x.noarch", "zero-length", f"{site}/poetry/e.py"),
        ],
        rules,
    )
    assert [f.accepted for f in findings] == ["empty-module", None, None, None]


def test_embedded_fedora_config_matches_its_recorded_sdist_files() -> None:
    src = fedora_config_source()
    assert src.version.startswith("2.")
    assert len(src.sdist_sha256) == 64
    assert "fedora.toml" in src.files
    config = fedora_config_dir()
    on_disk = {p.name for p in config.glob("*.toml")}
    assert on_disk == set(src.files), "rerun tools/fetch_rpmlint_config.py"
    for name, digest in src.files.items():
        data = (config / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} was edited by hand"
        tomllib.loads(data.decode())
    fedora = tomllib.loads((config / "fedora.toml").read_text())
    assert fedora["BadnessThreshold"] == -1  # Fedora: any error is fatal


def test_fedora_valid_licenses_are_loadable() -> None:
    valid = fedora_valid_licenses()
    assert "MIT" in valid
    assert "ASL 2.0" in valid  # rpmlint's Fedora list uses the pre-SPDX short names
    assert len(valid) == len(set(valid)) > 100
