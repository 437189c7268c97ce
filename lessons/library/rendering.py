"""Markdown in, safe HTML out; and the plain text that highlights point into.

Every piece of HTML that comes from Markdown goes through nh3. A segment's plain text is
exactly the text content of its sanitised HTML, so an offset counted in the browser (over
the text nodes of the rendered segment) and one counted here (over `Segment.text`) agree.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from itertools import pairwise

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "b", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr", "abbr", "q", "cite", "small",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
VOID_TAGS = {"br", "hr"}


def render_markdown(source: str) -> str:
    """Markdown to sanitised HTML: no script, no event handler, no foreign scheme."""
    # Python-Markdown's core syntax, no extension. Its XHTML (<br />) is fine: nh3 reads it
    # and writes HTML.
    html = markdown.markdown(source)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_spaced_urls,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,  # pragma: no mutate (nh3's default, stated: see docs/testing.md)
    )
    return _unwrap_links_without_href(cleaned)


def _drop_spaced_urls(tag: str, attribute: str, value: str) -> str | None:
    # A URL with white space in it is never a real link here ("java\tscript:..."), and it
    # is invalid HTML: drop it, and the link around it goes too (below).
    if attribute == "href" and any(c.isspace() for c in value):
        return None
    return value


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tokens.append(("start", tag, attrs))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag, []))

    def handle_data(self, data):
        # As a browser reads HTML: CR and CRLF become LF, and a line feed straight after
        # <pre> is dropped. Then offsets here and in the browser count the same text.
        data = data.replace("\r\n", "\n").replace("\r", "\n")
        if self.tokens and self.tokens[-1][:2] == ("start", "pre") and data.startswith("\n"):
            data = data[1:]
        if data:
            self.tokens.append(("data", data, []))


def _tokens(html: str) -> list[tuple[str, str, list]]:
    parser = _Tokenizer()
    parser.feed(html)
    parser.close()
    return parser.tokens


def _start_tag(tag: str, attrs: Iterable[tuple[str, str | None]]) -> str:
    rendered = "".join(
        f' {name}="{escape(value)}"' if value is not None else f" {name}" for name, value in attrs
    )
    # A browser drops a line feed right after <pre>: write one, so none is lost.
    return f"<{tag}{rendered}>" + ("\n" if tag == "pre" else "")


def _unwrap_links_without_href(html: str) -> str:
    """A link whose URL the sanitiser removed keeps its words but not its <a> tag."""
    if "<a" not in html:
        return html
    out: list[str] = []
    unwrapping: list[bool] = []
    for kind, value, attrs in _tokens(html):
        if kind == "start" and value == "a":
            unwrap = not any(name == "href" for name, _ in attrs)
            unwrapping.append(unwrap)
            if not unwrap:
                out.append(_start_tag(value, attrs))
        elif kind == "end" and value == "a":
            # nh3 writes balanced tags: every </a> closes an <a> opened before it.
            if not unwrapping.pop():
                out.append("</a>")
        elif kind == "start":
            out.append(_start_tag(value, attrs))
        elif kind == "end":
            if value not in VOID_TAGS:
                out.append(f"</{value}>")
        else:
            out.append(escape(value, quote=False))
    return "".join(out)


def plain_text(html: str) -> str:
    """The text content of an HTML fragment, as a browser's `textContent` gives it."""
    return "".join(value for kind, value, _ in _tokens(html) if kind == "data")


@dataclass(frozen=True)
class Mark:
    """A span to show in the text: [start, end) in code points, with a visible label."""

    start: int
    end: int
    label: str
    ident: str = ""
    classes: Sequence[str] = field(default_factory=tuple)


def annotate(html: str, marks: Sequence[Mark]) -> str:
    """Wrap the characters covered by `marks` in <mark> elements, splitting at tag
    boundaries so the result stays well nested; overlapping marks nest by depth. After the
    last character of each mark comes its label, which the selection script ignores."""
    if not marks:
        return html
    out: list[str] = []
    offset = 0
    for kind, value, attrs in _tokens(html):
        if kind == "start":
            out.append(_start_tag(value, attrs))
            continue
        if kind == "end":
            if value not in VOID_TAGS:
                out.append(f"</{value}>")
            continue
        length = len(value)
        stops = {0, length}
        for m in marks:
            for point in (m.start - offset, m.end - offset):
                if 0 < point < length:
                    stops.add(point)
        cuts = sorted(stops)
        for a, b in pairwise(cuts):
            piece = escape(value[a:b], quote=False)
            lo, hi = offset + a, offset + b
            active = [m for m in marks if m.start < hi and m.end > lo]
            if active:
                classes = ["hl", f"hl-depth-{min(len(active), 3)}"]
                for m in active:
                    classes.extend(m.classes)
                idents = " ".join(m.ident for m in active if m.ident)
                data = f' data-marks="{escape(idents)}"' if idents else ""
                classes_attr = " ".join(dict.fromkeys(classes))
                out.append(f'<mark class="{classes_attr}"{data}>{piece}</mark>')
            else:
                out.append(piece)
            for m in marks:
                if m.end == hi:
                    out.append(
                        f'<span class="hl-label" data-anchor-ignore="">{escape(m.label)}</span>'
                    )
        offset += length
    return "".join(out)
