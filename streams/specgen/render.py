"""The jinja2 environment of the spec templates and the escaping of untrusted text.

Everything that comes from an index (summary, description, URL, names, versions) is hostile
until escaped (docs/concepts.md, "The provides firewall"):

- rpm expands macros in tag values, ``%description`` and ``%changelog``: every ``%`` becomes
  ``%%`` (rpm's escape for a literal percent sign), so ``%(cmd)`` and ``%{lua:...}`` stay text;
- a line of ``%description`` that starts with ``%`` -- even ``%%post`` -- opens a new section
  (checked with rpm 4.18: rpm recognises the section before unescaping), so such lines are
  indented by one space;
- single-line tags get control characters removed and whitespace collapsed, so a newline
  cannot start a new tag or section;
- URLs are percent-encoded (a URL tag takes one token) and then ``%``-escaped;
- untrusted text never reaches ``%prep``/``%build``/``%install``: only validated names,
  versions and file names do (see :func:`safe_token`), quoted with :func:`shlex.quote`.
"""

from __future__ import annotations

import re
import shlex
import textwrap
import unicodedata
from functools import cache
from urllib.parse import quote, urlsplit

import jinja2

from streams.errors import SpecGenError

__all__ = [
    "description",
    "environment",
    "escape",
    "render",
    "safe_token",
    "single_line",
    "spec_url",
]

WIDTH = 79
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+~^-]*$")


def escape(text: str) -> str:
    """``%`` -> ``%%``: rpm will not expand anything in the result."""
    return text.replace("%", "%%")


def _clean(text: str) -> str:
    # Format characters (bidi overrides, zero-width) and controls other than \t and \n go.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def single_line(text: str, limit: int = 200) -> str:
    """One line: no control characters, whitespace collapsed, at most ``limit`` characters,
    ``%`` escaped.  For Summary and other one-line tags."""
    line = " ".join(_clean(text).split())
    if len(line) > limit:
        line = line[: limit - 3].rstrip() + "..."
    return escape(line)


SUMMARY_WIDTH = 79
"""Fedora's rpmlint configuration makes a Summary longer than 80 characters an error
(``summary-too-long``) and one ending with a dot a warning (``summary-ended-with-dot``)."""


def summary(text: str, limit: int = SUMMARY_WIDTH) -> str:
    """A Summary tag: one line (:func:`single_line`) of at most ``limit`` characters, no
    final dot.  A longer one is cut to its first sentence when that fits, else before the
    last word that fits (only a single word longer than the limit is cut inside)."""
    line = " ".join(_clean(text).split())
    if len(line) > limit:
        first = re.match(r"(.+?[.!?])(\s|$)", line)
        if first and 10 <= len(first.group(1)) <= limit:
            line = first.group(1)
        else:
            line = (
                line[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:-")
                if " " in line[:limit]
                else line[:limit]
            )
    line = line.rstrip()
    if line.endswith(".") and not line.endswith(".."):
        line = line[:-1].rstrip()
    return escape(line)


_ITEM = re.compile(r"^(\s*)(- |\* |\d+[.)] )")


def _wrap(text: str, width: int, indent: str = "", hanging: str = "") -> list[str]:
    # No word is ever broken (break_long_words=False): a URL split across lines is no longer
    # a URL.  A word longer than the line (a long URL, a hash) is dropped instead, so no line
    # is longer than ``width``: rpmlint's description-line-too-long (Fedora's configuration:
    # MaxLineLength 80 in rpmlint's configs/Fedora/fedora.toml) is an error.
    room = width - max(len(indent), len(hanging))
    words = [w for w in text.split() if len(w) <= room]
    return textwrap.wrap(
        " ".join(words),
        width=width,
        initial_indent=indent,
        subsequent_indent=hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def description(text: str, width: int = WIDTH) -> str:
    """A ``%description`` body from the plain text of
    :func:`streams.sources.description.plain_description`: paragraphs wrapped at ``width``
    columns; a block of ``- item`` lines stays a list, one item per line (continuations
    indented under the item's text); no word broken; ``%`` escaped; no line starting with
    ``%`` (it would open a section) or ending in a backslash."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", _clean(text)):
        lines = [ln.rstrip() for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        wrapped: list[str] = []
        if all(_ITEM.match(ln) for ln in lines):
            for ln in lines:
                m = _ITEM.match(ln)
                assert m is not None
                lead = m.group(1)[:8]
                bullet = "- " if not m.group(2)[0].isdigit() else m.group(2)
                body = ln[m.end() :]
                wrapped += _wrap(body, width, lead + bullet, lead + " " * len(bullet))
        else:
            wrapped = _wrap(" ".join(lines), width)
        for line in wrapped:
            line = escape(line).rstrip("\\").rstrip()
            if line.startswith("%"):
                line = " " + line
            out.append(line)
        out.append("")
    return "\n".join(out).strip("\n")


def spec_url(url: str) -> str:
    """An http(s) URL as one spec token (percent-encoded, then ``%``-escaped), or ``""``."""
    url = _clean(url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    encoded = quote(url, safe="/:?#[]@!$&'()*+,;=-._~%")
    return escape(encoded)


def safe_token(value: str, what: str) -> str:
    """``value`` if it is a plain token (letters, digits, ``._+~^-``), else SpecGenError.

    Names, versions and source file names are validated with this before they reach a
    template at all: they appear in tags, in ``%prep`` and in file lists.
    """
    if not _SAFE_TOKEN.match(value) or len(value) > 255:
        raise SpecGenError(
            f"refusing {what} {value!r}: it has characters that are not safe in a spec file",
            hint="names, versions and file names may contain letters, digits and . _ + ~ ^ - "
            "only; report it to the index or pin another release",
        )
    return value


def _shell(value: str) -> str:
    return shlex.quote(value)


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment: templates from the package, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("streams.specgen", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # spec files, not HTML: the filters escape
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["spec_text"] = single_line
    env.filters["spec_summary"] = summary
    env.filters["spec_description"] = description
    env.filters["spec_url"] = spec_url
    env.filters["shell"] = _shell
    return env


def render(template: str, context: dict[str, object]) -> str:
    """Render ``template`` (a file name under ``templates/``) with ``context``."""
    try:
        return environment().get_template(template).render(context)
    except jinja2.UndefinedError as exc:
        raise SpecGenError(f"template {template}: {exc.message}") from exc
