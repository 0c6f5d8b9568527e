"""A package's long description (its README) reduced to the plain text of a ``%description``.

The text is parsed, not pattern-matched: Markdown with ``markdown-it-py`` (CommonMark plus
GitHub's tables and strikethrough), reStructuredText with ``docutils``, chosen by the core
metadata's ``Description-Content-Type``: absent means ``text/x-rst``, falling back to plain
text when it is not valid reST (core metadata specification, "Description-Content-Type",
https://packaging.python.org/en/latest/specifications/core-metadata/ ).

What is kept, from the start of the document, until about :data:`ENOUGH` characters:

- paragraphs of prose (40 characters or more), as plain text: emphasis and inline code lose
  their markup, links keep their text, images, badges, HTML tags and comments are dropped;
- lists after some prose, one item per line, ``- item`` (nested items indented);

and what is skipped: headings, code blocks, tables, block quotes, HTML blocks, link-only lines
(navigation bars), and whole sections whose heading is about Windows or macOS.

The result is paragraphs separated by blank lines; a list is a block of ``- `` lines.
``streams.specgen.render.description`` wraps it for the spec.  The text is untrusted:
specgen escapes it.  docutils runs with file insertion and raw output disabled, so a
description cannot read files (``.. include::``) or pass HTML through.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["ENOUGH", "plain_description"]

ENOUGH = 400
"""Stop after this much text (the first paragraph or two, not the README)."""
_MIN_PARAGRAPH = 40
"""Shorter paragraphs are captions and labels ("Example:", "Installation"), not prose."""
_SKIP_SECTION = re.compile(r"(?i)\b(windows|win32|mac ?os( ?x)?|os ?x|osx|darwin|homebrew)\b")
_SKIP_PARAGRAPH = re.compile(
    r"(?i)^(on|for) (windows|mac ?os|os ?x)\b|^(windows|macos) users\b"
    # notes about the README itself ("PS: Some links in this document will not work")
    r"|^(ps|p\.s\.|note|nb|n\.b\.|warning|important|disclaimer)\s*:"
)
_SPACE = re.compile(r"\s+")
_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])(?=\s|$)")
_URL = re.compile(r"\b(https?|ftp)://\S+")


@dataclass
class _Out:
    """The blocks kept so far: ``("p", text)`` or ``("list", [lines])``."""

    limit: int
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)
    size: int = 0

    @property
    def full(self) -> bool:
        return self.size >= ENOUGH

    def paragraph(self, text: str) -> None:
        text = _tidy(text)
        words = len(_URL.sub("", text).strip())  # "Repository: https://..." is a label
        if words < _MIN_PARAGRAPH or _SKIP_PARAGRAPH.search(text) or self.full:
            return
        if not any(c.isalpha() for c in text):
            return
        self.blocks.append(("p", [text]))
        self.size += len(text)

    def items(self, lines: list[str]) -> None:
        # a list says something only after some prose introduced the package
        lines = [ln for ln in lines if ln.strip("- ").strip()]
        lines = [ln for ln in lines if not _SKIP_PARAGRAPH.search(ln.lstrip("- "))]
        if not lines or not self.blocks or self.full:
            return
        self.blocks.append(("list", lines))
        self.size += sum(len(ln) for ln in lines)

    def text(self) -> str:
        """The blocks, cut at a block (or list item) boundary to stay within ``limit``."""
        out: list[str] = []
        used = 0
        blocks = list(self.blocks)
        # "... consists of the following components:" introduces what was not kept
        while blocks and blocks[-1][0] == "p" and blocks[-1][1][0].endswith(":"):
            blocks.pop()
        for _kind, lines in blocks:
            keep: list[str] = []
            for line in lines:
                if used + len(line) + 2 > self.limit:
                    break
                keep.append(line)
                used += len(line) + 1
            if keep:
                out.append("\n".join(keep))
                used += 1
            if len(keep) < len(lines):
                break
        return "\n\n".join(out)


# --- Markdown ---------------------------------------------------------------------------------


def _md_inline(children: Iterable[Token]) -> tuple[str, bool]:
    """Plain text of an inline token's children, and whether it was only links and images."""
    parts: list[str] = []
    only_links = True
    in_link = 0
    for tok in children:
        if tok.type == "link_open":
            in_link += 1
        elif tok.type == "link_close":
            in_link -= 1
        elif tok.type in ("text", "code_inline"):
            parts.append(tok.content)
            if not in_link and tok.content.strip(" |•·-–—,;:/()[]"):
                only_links = False
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        # image, html_inline (tags, comments), em/strong/s markers: no text of their own
    return "".join(parts), only_links


def _md_blocks(tokens: list[Token], out: _Out) -> None:
    skip_level = 0  # inside a skipped section: its heading level
    i = 0
    while i < len(tokens) and not out.full:
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1:])
            title, _ = _md_inline(tokens[i + 1].children or ())
            if skip_level and level > skip_level:
                pass
            elif _SKIP_SECTION.search(title):
                skip_level = level
            else:
                skip_level = 0
            i += 3
            continue
        if skip_level:
            i += 1
            continue
        if tok.type == "paragraph_open" and tok.level == 0:
            text, only_links = _md_inline(tokens[i + 1].children or ())
            if not only_links:
                out.paragraph(text)
            i += 3
            continue
        if tok.type in ("bullet_list_open", "ordered_list_open") and tok.level == 0:
            end = _closing(tokens, i)
            out.items(list(_md_items(tokens[i + 1 : end], depth=0)))
            i = end + 1
            continue
        if tok.nesting == 1 and tok.level == 0:  # blockquote, table, ...: skipped whole
            i = _closing(tokens, i) + 1
            continue
        i += 1  # fence, code_block, html_block, hr


def _closing(tokens: list[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _md_items(tokens: list[Token], depth: int) -> Iterator[str]:
    """``- item`` lines of a list's tokens (between its open and close)."""
    i = 0
    text: list[str] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "list_item_open":
            text = []
        elif tok.type == "inline" and text is not None:
            words, only_links = _md_inline(tok.children or ())
            if not only_links:
                text.append(words)
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, i)
            if text:
                yield _item(" ".join(text), depth)
                text = []
            yield from _md_items(tokens[i + 1 : end], depth + 1)
            i = end
        elif tok.type == "list_item_close" and text:
            yield _item(" ".join(text), depth)
            text = []
        i += 1


def _tidy(text: str) -> str:
    """Whitespace collapsed; none left before punctuation where dropped markup was."""
    return _BEFORE_PUNCT.sub(r"\1", _SPACE.sub(" ", text)).strip()


def _item(text: str, depth: int) -> str:
    return "  " * depth + "- " + _tidy(text)


def _markdown(text: str, out: _Out) -> None:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    _md_blocks(md.parse(text), out)


# --- reStructuredText -------------------------------------------------------------------------


def _rst(text: str, out: _Out) -> bool:
    """Parse ``text`` as reST into ``out``; False when docutils finds it is not reST."""
    from docutils import nodes
    from docutils.core import publish_doctree
    from docutils.utils import SystemMessage

    settings = {
        "report_level": 5,  # nothing on stderr
        # a severe error: not reST, read it as plain text (errors such as a footnote
        # reference without its footnote leave a system_message node, skipped below)
        "halt_level": 4,
        "file_insertion_enabled": False,  # .. include:: and friends read no file
        "raw_enabled": False,
        "_disable_config": True,
        "input_encoding": "unicode",
        "doctitle_xform": True,
        "warning_stream": io.StringIO(),  # the message of the halting error too
    }
    try:
        doc = publish_doctree(text, settings_overrides=settings)
    except (SystemMessage, ValueError, TypeError, AttributeError, IndexError):
        return False

    skipped = (
        nodes.image,
        nodes.raw,
        nodes.comment,
        nodes.substitution_definition,
        nodes.system_message,
        nodes.target,
        nodes.footnote_reference,
        nodes.citation_reference,
    )

    def plain(node: nodes.Node) -> str:
        if isinstance(node, nodes.Text):
            return str(node)
        if isinstance(node, nodes.problematic):
            # markup docutils could not resolve: a reference without its target ("[1]_",
            # "|badge|_") goes, an unclosed "`" or "*" keeps its words
            text = node.astext()
            return (
                "" if re.fullmatch(r"(\[[^\]]*\]|\|[^|]*\||`[^`]*`)_+", text) else text.strip("`*")
            )
        if isinstance(node, skipped):
            return ""
        return "".join(plain(c) for c in node.children)

    def only_links(node: nodes.Element) -> bool:
        for c in node.children:
            if isinstance(c, nodes.Text):
                if str(c).strip(" |•·-–—,;:/()[]\n"):
                    return False
            elif not isinstance(c, (nodes.reference, *skipped)):
                return False
        return True

    def items(lst: nodes.Element, depth: int) -> Iterator[str]:
        for item in lst.children:
            if not isinstance(item, nodes.list_item):
                continue
            words = [
                plain(p)
                for p in item.children
                if isinstance(p, nodes.paragraph) and not only_links(p)
            ]
            if words:
                yield _item(" ".join(words), depth)
            for sub in item.children:
                if isinstance(sub, (nodes.bullet_list, nodes.enumerated_list)):
                    yield from items(sub, depth + 1)

    def walk(node: nodes.Element) -> None:
        for child in node.children:
            if out.full:
                return
            if isinstance(child, nodes.section):
                titles = [c for c in child.children if isinstance(c, nodes.title)]
                if titles and _SKIP_SECTION.search(titles[0].astext()):
                    continue
                walk(child)
            elif isinstance(child, nodes.paragraph):
                if not only_links(child):
                    out.paragraph(plain(child))
            elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                out.items(list(items(child, 0)))
            elif isinstance(child, (nodes.container, nodes.compound)):
                walk(child)
            # title, subtitle, literal_block, table, block_quote, image, figure, raw,
            # comment, docinfo, field_list, admonitions: skipped

    walk(doc)
    return True


# --- plain text -------------------------------------------------------------------------------

_LIST_LINE = re.compile(r"^\s*([-*+•]|\d+[.)])\s+")


_RULE = re.compile(r"^\s*[=\-~^*#+`:.'\"]{3,}\s*$")


def _plain(text: str, out: _Out) -> None:
    """Paragraphs and ``-``/``*``/``1.`` lists of plain text (or of reST docutils refused);
    titles (a line over or under a rule of ``=``, ``-``...) and indented blocks are skipped."""
    pending: list[str] = []  # list items of consecutive blocks: one list
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if all(_LIST_LINE.match(ln) for ln in lines):
            pending += [_item(_LIST_LINE.sub("", ln), 0) for ln in lines]
            continue
        if pending:
            out.items(pending)
            pending = []
        titled = any(_RULE.match(ln) for ln in lines)
        if not titled and not lines[0].startswith((" ", "\t", ">>>", "$ ")):
            out.paragraph(" ".join(lines))
        if out.full:
            return
    if pending:
        out.items(pending)


def _unfold(text: str) -> str:
    """A ``Description:`` header's text without its continuation indent: core metadata before
    2.1 puts the description in a header whose lines after the first are indented by 8 spaces
    (core metadata specification, "Description")."""
    first, _, rest = text.partition("\n")
    lines = rest.split("\n")
    if rest and all(not ln.strip() or ln.startswith(" " * 8) for ln in lines):
        return "\n".join([first, *(ln[8:] for ln in lines)])
    return textwrap.dedent(text)


def plain_description(text: str, content_type: str = "", *, limit: int = 1200) -> str:
    """The first prose of ``text`` (a long description) as plain text, at most ``limit``
    characters, cut between blocks or list items (see the module docstring)."""
    text = _unfold(text.replace("\r\n", "\n").replace("\r", "\n"))
    kind = content_type.split(";", 1)[0].strip().lower()
    out = _Out(limit)
    if kind == "text/markdown":
        _markdown(text, out)
    elif kind == "text/plain":
        _plain(text, out)
    elif not _rst(text, out):  # text/x-rst, or no type (the specification's default)
        out = _Out(limit)
        _plain(text, out)
    return out.text()
