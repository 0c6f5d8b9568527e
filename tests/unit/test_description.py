"""%description from real long READMEs: plain text, the project's first paragraph, lists one
item per line, nothing wider than 79 columns, no URL broken.

The METADATA files are real (tests/data/descriptions/README.md says where from).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.metadata import parse_email

from streams.sources.description import plain_description
from streams.specgen.render import description as spec_description

DATA = Path(__file__).resolve().parents[1] / "data" / "descriptions"

# What each description must start with: the project's own first paragraph, as plain text.
FIRST = {
    "black-26.10.1": "Black is the uncompromising Python code formatter. By using it, you agree",
    "httpie-3.2.4": "HTTPie (pronounced aitch-tee-tee-pie) is a command-line HTTP client.",
    "multidict-7.2.1": "Multidict is dict-like collection of key-value pairs where key might",
    "requests-2.34.2": "Requests is a simple, yet elegant, HTTP library.",
    "rich-15.0.0": "Rich is a Python library for rich text and beautiful formatting in the",
    "torch-2.15.0": "PyTorch is a Python package that provides two high-level features:",
    "transformers-5.24.0": "Transformers acts as the model-definition framework for",
    # after "Official repository: <URL>" (a label) and "**PS**: Some links in this document
    # will not work" (a note about the README)
    "yt-dlp-2026.10.26": "yt-dlp is a feature-rich command-line audio/video downloader with",
}

# Markup of Markdown, reST and HTML that must not survive in plain text.
MARKUP = [
    re.compile(p)
    for p in (
        r"\*\*|__",  # strong
        r"(^|\s)\*[^\s*][^*]*\*(\s|$)",  # *emphasis*
        r"`",  # inline code, reST roles and links
        r"\]\(|!\[|\[!",  # Markdown links, images, badges, GitHub alerts
        r"<[a-zA-Z/!]",  # HTML tags and comments
        r"^\s*#",  # headings
        r"^\.\. |:target:|:alt:|\|[a-z-]+\|",  # reST directives, options, substitutions
        r"^[=\-~^*]{3,}\s*$",  # reST section underlines, rules
        r"^\s*\|.*\|\s*$",  # table rows
        r"shields\.io|badge\.svg|badge\.json",  # badge URLs
    )
]


def _metadata(name: str) -> tuple[str, str]:
    raw, _ = parse_email((DATA / f"{name}.METADATA").read_bytes())
    return str(raw.get("description") or ""), str(raw.get("description_content_type") or "")


@pytest.mark.parametrize("name", sorted(FIRST))
def test_real_descriptions_are_plain_text_and_start_with_the_first_paragraph(name: str) -> None:
    text, content_type = _metadata(name)
    plain = plain_description(text, content_type)
    assert plain.startswith(FIRST[name]), plain[:200]
    assert 100 < len(plain) <= 1200
    for line in plain.splitlines():
        for pattern in MARKUP:
            assert not pattern.search(line), f"{name}: {pattern.pattern!r} in {line!r}"
    assert "windows" not in plain.lower() or name == "rich-15.0.0"  # rich's prose names it


@pytest.mark.parametrize("name", sorted(FIRST))
def test_real_descriptions_wrap_at_79_columns_without_breaking_urls(name: str) -> None:
    text, content_type = _metadata(name)
    body = spec_description(plain_description(text, content_type))
    lines = body.splitlines()
    assert lines and all(len(line) <= 79 for line in lines), max(lines, key=len)
    for url in re.findall(r"https?://\S+", body):
        assert url.rstrip(".,;:)") in text, f"{name}: {url} is not a URL of the description"
    # a word is never split: every word of the body is a word of the plain text
    words = set(plain_description(text, content_type).split())
    assert all(w in words for w in body.replace("%%", "%").split())


def test_torch_keeps_its_list_one_item_per_line() -> None:
    text, content_type = _metadata("torch-2.15.0")
    body = spec_description(plain_description(text, content_type))
    assert (
        "two high-level features:\n\n"
        "- Tensor computation (like NumPy) with strong GPU acceleration\n"
        "- Deep neural networks built on a tape-based autograd system\n"
    ) in body
    # its introduction of a table that is not kept does not end the text
    assert not body.rstrip().endswith(":")


def test_multidict_rst_loses_badges_and_literals() -> None:
    text, content_type = _metadata("multidict-7.2.1")
    assert content_type == "text/x-rst"
    plain = plain_description(text, content_type)
    assert "The key is str (or istr for case-insensitive dictionaries)." in plain
    assert "codecov" not in plain and "image" not in plain


LONG_URL = "https://example.org/a/very/long/url/that/goes/on/and/on/and/on/and/on/for/ever.html"
MARKDOWN = """\
# tool

[![CI](https://github.com/o/tool/actions/workflows/ci.yml/badge.svg)](https://github.com/o/tool)
<!-- a comment that is long enough to be taken for a paragraph of prose, if it were -->
<p align="center"><img src="logo.png"></p>

**tool** is a *small* command that turns `key=value` pairs into JSON, see
[the docs](https://example.org/docs) or LONG_URL for more.

Features:

* fast: written in `C`
* safe
  - nested item
* [Docs](https://example.org) | [PyPI](https://pypi.org/project/tool)

## Installing on Windows

On Windows, download the installer and run it as administrator, then reboot twice.

## Usage

```
tool a=1
```

Run tool with pairs of keys and values on the command line to get a JSON object.
""".replace("LONG_URL", LONG_URL)


def test_markdown_markup_is_reduced_to_text() -> None:
    plain = plain_description(MARKDOWN, "text/markdown; charset=UTF-8; variant=GFM")
    blocks = plain.split("\n\n")
    assert blocks[0] == (
        "tool is a small command that turns key=value pairs into JSON, see the docs or "
        f"{LONG_URL} for more."
    )
    assert blocks[1] == "- fast: written in C\n- safe\n  - nested item"
    assert "Windows" not in plain and "administrator" not in plain
    assert "comment" not in plain and "img" not in plain and "Docs" not in plain
    assert blocks[-1].startswith("Run tool with pairs")


def test_long_url_is_dropped_not_broken() -> None:
    body = spec_description(plain_description(MARKDOWN, "text/markdown"))
    assert all(len(line) <= 79 for line in body.splitlines())
    assert "ever.html" not in body  # 84 characters: it cannot be on a line, it is left out
    assert "see the docs or for more." in " ".join(body.split())


RST = """\
=====
tool
=====

.. image:: https://img.shields.io/pypi/v/tool.svg
   :target: https://pypi.org/project/tool

``tool`` is a *small* command that turns `pairs <https://example.org>`_ into JSON objects.

Installation on macOS
---------------------

Use Homebrew and then do many other things that only matter on a Mac computer.

- one item
- another item
"""


def test_rst_markup_is_reduced_to_text_and_macos_sections_skipped() -> None:
    plain = plain_description(RST, "text/x-rst")
    assert plain == "tool is a small command that turns pairs into JSON objects."
    # without a content type the text is reST too (core metadata's default)
    assert plain_description(RST) == plain


def test_invalid_rst_falls_back_to_plain_text() -> None:
    text = "A package whose description is plain text with `an odd backquote in it.\n"
    assert plain_description(text) == text.strip().replace("`", "")
    # a title whose overline and underline differ is a severe error: not reST at all
    text = "=====\nTitle\n===\n\nA package whose description docutils cannot read at all.\n"
    assert plain_description(text) == "A package whose description docutils cannot read at all."


def test_plain_text_lists_and_paragraphs() -> None:
    text = (
        "A plain text description of a package that is long enough to count.\n\n"
        "- first item\n- second item\n\n    indented code\n"
    )
    assert plain_description(text, "text/plain") == (
        "A plain text description of a package that is long enough to count.\n\n"
        "- first item\n- second item"
    )


def test_size_limit_cuts_between_blocks() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(10))
    plain = plain_description(text, "text/plain", limit=400)
    assert len(plain) <= 400 and plain.endswith("word")
    assert plain.count("Paragraph") == 2


def test_plain_fallback_skips_titles_and_joins_list_blocks() -> None:
    # astor 0.8.1: reST that docutils refuses (an overline shorter than its title)
    text = (
        "=====\nastor -- AST observe/rewrite\n=====\n\n"
        "astor is designed to allow easy manipulation of Python source via the AST.\n\n"
        "- Round-trip an AST back to Python\n\n- Dump pretty-printing of AST\n"
    )
    assert plain_description(text) == (
        "astor is designed to allow easy manipulation of Python source via the AST.\n\n"
        "- Round-trip an AST back to Python\n- Dump pretty-printing of AST"
    )


def test_metadata_1_header_indentation_and_footnotes() -> None:
    # astor 0.8.1's PKG-INFO: a Description header, lines after the first indented by 8
    # spaces; "[1]_" refers to a footnote further down (docutils: an error, not a failure)
    rule = "=" * 28
    body = (
        f"{rule}\nastor -- AST observe/rewrite\n{rule}\n\n"
        ":PyPI: https://pypi.org/project/astor/\n\n"
        "astor is designed to allow easy manipulation of Python source via the AST.\n\n"
        "- Round-trip an AST back to Python [1]_:\n\n  - Modified AST\n"
    )
    lines = body.split("\n")
    header = "\n".join([lines[0], *("        " + ln if ln else ln for ln in lines[1:])])
    want = (
        "astor is designed to allow easy manipulation of Python source via the AST.\n\n"
        "- Round-trip an AST back to Python:\n  - Modified AST"
    )
    assert plain_description(header) == want
    assert plain_description(body, "text/x-rst") == want
