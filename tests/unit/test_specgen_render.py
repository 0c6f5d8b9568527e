"""Escaping of untrusted text on its way into a spec (streams.specgen.render)."""

from __future__ import annotations

import pytest

from streams.errors import SpecGenError
from streams.specgen import render
from streams.specgen.render import description, safe_token, single_line, spec_url


def test_percent_is_escaped_so_rpm_expands_nothing() -> None:
    assert single_line("100% %(touch x) %{lua: os.exit()}") == (
        "100%% %%(touch x) %%{lua: os.exit()}"
    )


def test_single_line_cannot_start_a_new_tag_or_section() -> None:
    text = single_line("nice\n%post\nrm -rf /\r\nRequires: evil\x1b[31m")
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert text == "nice %%post rm -rf / Requires: evil[31m"


def test_single_line_is_bounded() -> None:
    assert len(single_line("x" * 1000)) == 200


def test_description_wraps_at_79_columns_and_keeps_paragraphs() -> None:
    text = description(("word " * 40) + "\n\n" + "second paragraph")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 79
    assert "" in lines and lines[-1] == "second paragraph"


def test_no_description_line_starts_with_percent() -> None:
    # rpm opens a section on "%post" even when written "%%post" (checked with rpm 4.18)
    text = description("harmless\n\n%post\n\n%{lua: os.execute('x')}")
    for line in text.splitlines():
        assert not line.startswith("%")
    assert " %%post" in text.splitlines()


def test_description_drops_control_and_bidi_characters() -> None:
    assert description("a\x00b\u202ec\x07d") == "abcd"


def test_url_is_one_token_and_escaped() -> None:
    url = spec_url('https://example.org/%{lua:os.execute("touch x")} a`b`')
    assert " " not in url and "`" not in url
    assert "%{" not in url.replace("%%", "")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x/y", "", "not a url"])
def test_non_http_urls_are_dropped(url: str) -> None:
    assert spec_url(url) == ""


@pytest.mark.parametrize("value", ["foo-1.0.tar.gz", "torch-2.14.0-cp314-cp314-linux_x86_64.whl"])
def test_safe_tokens_pass(value: str) -> None:
    assert safe_token(value, "file name") == value


@pytest.mark.parametrize("value", ["a b", "x;rm -rf /", "$(id)", "%{lua:x}", "a`b`", "-rf", ""])
def test_unsafe_tokens_are_refused(value: str) -> None:
    with pytest.raises(SpecGenError, match="not safe in a spec file"):
        safe_token(value, "file name")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # charset-normalizer's and PySocks' real summaries: the first sentence fits
        (
            "The Real First Universal Charset Detector. Open, modern and actively maintained "
            "alternative to Chardet.",
            "The Real First Universal Charset Detector",
        ),
        (
            "A Python SOCKS client module. See https://github.com/Anorov/PySocks for more "
            "information.",
            "A Python SOCKS client module",
        ),
        # rich's: one long sentence, cut before the last word that fits
        (
            "Render rich text, tables, progress bars, syntax highlighting, markdown and more "
            "to the terminal",
            "Render rich text, tables, progress bars, syntax highlighting, markdown and more",
        ),
        ("Python HTTP for Humans.", "Python HTTP for Humans"),
        ("100% pure", "100%% pure"),
    ],
)
def test_summary_fits_fedoras_rpmlint(text: str, expected: str) -> None:
    out = render.summary(text)
    assert out == expected
    assert len(out.replace("%%", "%")) <= 79
