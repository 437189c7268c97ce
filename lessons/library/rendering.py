"""Markdown in, safe HTML out; and the plain text that highlights point into.

Every piece of HTML that comes from Markdown goes through nh3. A segment's plain text is
exactly the text content of its sanitised HTML, so an offset counted in the browser (over
the text nodes of the rendered segment) and one counted here (over `Segment.text`) agree.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from itertools import pairwise

import markdown
import nh3
from django.utils.translation import get_language, gettext, pgettext

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
    """A span to show in the text: [start, end) in code points, with a visible label.

    A screen reader hears "<kind> start: <technique>" before the words and "<kind> end:
    <label>" after them; `technique` is the label when it is not given."""

    start: int
    end: int
    label: str
    ident: str = ""
    classes: Sequence[str] = field(default_factory=tuple)
    kind: str = ""  # what the mark is, in the reader's language ("Highlight" when empty)
    technique: str = ""


# Elements a <mark> may hold (phrasing content). A mark is never drawn around any other, and
# the words that announce a mark are never written inside any of these.
PHRASING_TAGS = {
    "em", "strong", "b", "i", "u", "s", "sub", "sup", "code", "a", "abbr", "q", "cite", "small",
    "br",
}  # fmt: skip


@dataclass(eq=False)
class _Node:
    """An element of the passage, or a piece of its text (tag ""), with the offsets of the
    text it holds (an empty element: where it is)."""

    tag: str
    start: int
    end: int
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    text: str = ""
    children: list["_Node"] = field(default_factory=list)


@dataclass(eq=False)
class _Span:
    """A mark as drawn: white space trimmed from its ends; `order` says which of two marks
    holds the other (the earlier start, then the longer)."""

    mark: Mark
    start: int
    end: int
    order: int


def _tree(html: str) -> list[_Node]:
    """The elements and text at the top of the fragment, each with what it holds. nh3 writes
    a tree, so every end tag closes the element open last."""
    top: list[_Node] = []
    stack: list[_Node] = []
    offset = 0
    for kind, value, attrs in _tokens(html):
        siblings = stack[-1].children if stack else top
        if kind == "data":
            siblings.append(_Node("", offset, offset + len(value), text=value))
            offset += len(value)
        elif kind == "start":
            node = _Node(value, offset, offset, attrs)
            siblings.append(node)
            if value not in VOID_TAGS:
                stack.append(node)
        else:
            stack.pop().end = offset
    return top


def _phrasing(node: _Node) -> bool:
    return node.tag == "" or (node.tag in PHRASING_TAGS and all(map(_phrasing, node.children)))


def annotate(html: str, marks: Sequence[Mark]) -> str:
    """Wrap the words covered by `marks` in <mark> elements, and announce each mark.

    A mark inside another is drawn inside it; marks that cross are closed and opened again
    where one ends, so the result stays well nested. Marks are drawn only around text and
    inline elements (never around a paragraph or list item: a mark over two paragraphs is
    two <mark> elements), and never around white space alone. Before a mark's first word
    comes a visually hidden "Highlight start: <technique>", after its last word "Highlight
    end:" and its visible label; these are outside the source's inline elements (a <strong>
    or link is closed before them and opened again after), and carry data-anchor-ignore,
    which the selection script skips: without them the text is the passage's plain text."""
    if not marks:
        return html
    out: list[str] = []
    _flow(_tree(html), _spans(plain_text(html), marks), out)
    return "".join(out)


def _spans(text: str, marks: Sequence[Mark]) -> list[_Span]:
    trimmed = []
    for mark in marks:
        start, end = max(mark.start, 0), min(mark.end, len(text))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            trimmed.append((start, end, mark))
    trimmed.sort(key=lambda t: (t[0], -t[1]))  # stable: of two equal marks, the first outside
    return [_Span(mark, start, end, order) for order, (start, end, mark) in enumerate(trimmed)]


def _flow(
    children: list[_Node], spans: list[_Span], out: list[str], pieces: "_Pieces | None" = None
) -> None:
    """Children of the passage or of a block element: runs of text and inline elements get
    their marks (piece by piece, with `pieces`); blocks are entered."""
    run: list[_Node] = []

    def draw() -> None:
        if pieces is None:
            _run(run, spans, out)
        else:
            pieces.draw(run, spans, out)

    for child in children:
        if _phrasing(child):
            run.append(child)
            continue
        draw()
        run = []
        out.append(_start_tag(child.tag, child.attrs))
        if child.tag not in VOID_TAGS:
            _flow(child.children, spans, out, pieces)
            out.append(f"</{child.tag}>")
    draw()


@dataclass(frozen=True)
class _Atom:
    """What a run of text and inline elements is drawn from, in order: pieces of text (cut
    wherever a mark starts or ends), empty elements such as <br>, and the announcements
    where a mark starts and ends. `chain` is the inline elements the atom sits in."""

    kind: str  # "text", "empty", "start" or "end"
    at: int
    text: str = ""
    node: _Node | None = None
    span: _Span | None = None
    chain: tuple[_Node, ...] = ()


# Where atoms meet at one offset: the marks that end (the inner one first), an empty element
# such as <br>, the marks that start (the outer one first), then the text after.
_RANK = {"end": 0, "empty": 1, "start": 2, "text": 3}


def _run(nodes: list[_Node], spans: list[_Span], out: list[str]) -> None:
    if not nodes:
        return
    lo, hi = nodes[0].start, nodes[-1].end
    points = {p for s in spans for p in (s.start, s.end)}
    atoms: list[_Atom] = []

    def walk(node: _Node, chain: tuple[_Node, ...]) -> None:
        if node.tag == "":
            inside = sorted(p for p in points if node.start < p < node.end)
            for a, b in pairwise([node.start, *inside, node.end]):
                piece = node.text[a - node.start : b - node.start]
                atoms.append(_Atom("text", a, text=piece, chain=chain))
        elif node.children:
            for child in node.children:
                walk(child, (*chain, node))
        else:
            atoms.append(_Atom("empty", node.start, node=node, chain=chain))

    for node in nodes:
        walk(node, ())
    # A mark is announced in the run that holds its first and its last character.
    atoms += [_Atom("end", s.end, span=s) for s in reversed(spans) if lo < s.end <= hi]
    atoms += [_Atom("start", s.start, span=s) for s in spans if lo <= s.start < hi]
    atoms.sort(key=lambda atom: (atom.at, _RANK[atom.kind]))  # stable: the source's order

    stack: list[_Node | _Span] = []
    for atom in atoms:
        open_marks = [entry for entry in stack if isinstance(entry, _Span)]
        if atom.span is not None:
            # Announcements stand outside the source's inline elements and the marks they
            # announce, inside the marks that hold them.
            _sync(stack, [s for s in open_marks if s.order < atom.span.order], out)
            out.append(_announcement(atom.kind, atom.span.mark))
            continue
        if atom.kind == "text" and not atom.text.isspace():
            end = atom.at + len(atom.text)
            covering = [s for s in spans if s.start <= atom.at and s.end >= end]
            _sync(stack, [*covering, *atom.chain], out)
        else:
            # White space alone, or an empty element: in the marks already open, never in
            # a mark of its own.
            _sync(stack, [*open_marks, *atom.chain], out)
        if atom.node is None:
            out.append(escape(atom.text, quote=False))
        else:
            out.append(_start_tag(atom.node.tag, atom.node.attrs))
            if atom.node.tag not in VOID_TAGS:
                out.append(f"</{atom.node.tag}>")
    _sync(stack, [], out)


def _sync(stack: list[_Node | _Span], wanted: list[_Node | _Span], out: list[str]) -> None:
    """Close what is open and not wanted, from the innermost out, then open what is wanted:
    the elements open afterwards are exactly `wanted`, outermost first."""
    keep = 0
    while keep < min(len(stack), len(wanted)) and stack[keep] is wanted[keep]:
        keep += 1
    while len(stack) > keep:
        entry = stack.pop()
        out.append("</mark>" if isinstance(entry, _Span) else f"</{entry.tag}>")
    for entry in wanted[keep:]:
        if isinstance(entry, _Span):
            depth = sum(isinstance(e, _Span) for e in stack) + 1
            classes = " ".join(
                dict.fromkeys(["hl", f"hl-depth-{min(depth, 3)}", *entry.mark.classes])
            )
            ident = entry.mark.ident
            data = f' data-marks="{escape(ident)}"' if ident else ""
            out.append(f'<mark class="{classes}"{data}>')
        else:
            out.append(_start_tag(entry.tag, entry.attrs))
        stack.append(entry)


def _announcement(kind: str, mark: Mark) -> str:
    # Lens's words, in the reader's language, inside a text that may be in another one.
    lang = escape(get_language() or "en")
    what = mark.kind or pgettext("a mark in the text", "Highlight")
    if kind == "start":
        words = gettext("%(kind)s start: %(technique)s") % {
            "kind": what,
            "technique": mark.technique or mark.label,
        }
        return (
            f'<span class="hl-start visually-hidden" lang="{lang}" data-anchor-ignore="">'
            f"{escape(words)}</span>"
        )
    end = gettext("%(kind)s end:") % {"kind": what}
    return (
        f'<span class="hl-end" lang="{lang}" data-anchor-ignore="">'
        f'<span class="visually-hidden">{escape(end)} </span>'
        f'<span class="hl-label">{escape(mark.label)}</span></span>'
    )


# The passage in pieces ---------------------------------------------------------------------
#
# The student's page draws the passage's text in pieces, each an element with an id of its
# own, so that an answer to a highlight saved, changed or removed draws again and swaps only
# the pieces that highlight touches, and reads only the highlights on them: its cost does not
# grow with the highlights elsewhere in the passage.
#
# A piece is a clause or more: each run of text and inline elements (a paragraph, a list
# item) is cut after the punctuation that ends a clause (. ! ? ; : , …, with any closing
# quotes or brackets) and the white space after it, wherever the piece so far holds at least
# PIECE_LENGTH characters; never inside one of the source's inline elements (a bold word, a
# link), and never where white space alone would be left. The cuts depend on the text alone,
# so a piece's id (where it starts in the plain text) names the same words on the page and
# in every answer. A mark over two pieces is drawn as one <mark> in each, as over two
# paragraphs, and announced once: before its first word and after its last. The pieces add
# elements, never text: the plain text stays the passage's.

PIECE_LENGTH = 40  # characters, at least, before a piece may end (the last may be shorter)
CLAUSE_END = re.compile(r"[.!?;:,\u2026][\"'\u201d\u2019\u00bb)\]]*\s+(?=\S)")


@dataclass(frozen=True)
class Piece:
    """A piece of the passage's text, [start, end) in code points: `ident`, its element's
    id; `html`, its contents with the marks on it drawn in."""

    ident: str
    start: int
    end: int
    html: str


def _pieces_of(nodes: list[_Node]) -> list[list[_Node]]:
    """A run cut into pieces: the nodes of each (a text node cut where a piece ends). White
    space alone is no piece: it is drawn as it is (no mark holds white space alone)."""
    text = "".join(_text_of(node) for node in nodes)
    if not text.strip():
        return []
    lo = nodes[0].start
    cuts: list[int] = []
    for match in CLAUSE_END.finditer(text):
        at = lo + match.end()
        inside = any(node.tag and node.start < at < node.end for node in nodes)
        if not inside and at - (cuts[-1] if cuts else lo) >= PIECE_LENGTH:
            cuts.append(at)
    pieces: list[list[_Node]] = [[]]
    for node in nodes:
        if cuts and cuts[0] <= node.start and node.end > node.start:
            cuts.pop(0)  # an empty element where a piece ends stays in the piece before
            pieces.append([])
        if node.tag:
            pieces[-1].append(node)
            continue
        at = node.start
        while cuts and cuts[0] < node.end:
            cut = cuts.pop(0)
            pieces[-1].append(
                _Node("", at, cut, text=node.text[at - node.start : cut - node.start])
            )
            pieces.append([])
            at = cut
        pieces[-1].append(_Node("", at, node.end, text=node.text[at - node.start :]))
    return pieces


def _text_of(node: _Node) -> str:
    return node.text if node.tag == "" else "".join(map(_text_of, node.children))


@dataclass
class _Pieces:
    """How `_flow` draws runs in pieces: every piece, each in its element (`within` None),
    or only those that overlap `within`, kept in `found`."""

    prefix: str
    within: tuple[int, int] | None = None
    found: list[Piece] = field(default_factory=list)

    def draw(self, run: list[_Node], spans: list[_Span], out: list[str]) -> None:
        if not run:
            return
        pieces = _pieces_of(run)
        if not pieces:
            _run(run, spans, out)
            return
        for nodes in pieces:
            start, end = nodes[0].start, nodes[-1].end
            ident = f"{self.prefix}{start}"
            if self.within is None:
                out.append(f'<span id="{escape(ident)}">')
                _run(nodes, spans, out)
                out.append("</span>")
            elif start < self.within[1] and end > self.within[0]:
                drawn: list[str] = []
                _run(nodes, spans, drawn)
                self.found.append(Piece(ident, start, end, "".join(drawn)))


def annotate_in_pieces(html: str, marks: Sequence[Mark], *, prefix: str) -> str:
    """`annotate`, with the text in pieces: each a <span> whose id is `prefix` and where it
    starts in the plain text."""
    out: list[str] = []
    _flow(_tree(html), _spans(plain_text(html), marks), out, _Pieces(prefix))
    return "".join(out)


def pieces_around(html: str, start: int, end: int) -> tuple[int, int]:
    """Where the pieces that [start, end) overlaps begin and end: the marks to read to draw
    them again are those that overlap this (`start` = `end`: none)."""
    found = _Pieces("", within=(start, end))
    _flow(_tree(html), [], [], found)
    if not found.found:
        return start, start
    return found.found[0].start, found.found[-1].end


def annotate_pieces(
    html: str, marks: Sequence[Mark], *, prefix: str, start: int, end: int
) -> list[Piece]:
    """The pieces of `annotate_in_pieces` that [start, end) overlaps, with their marks drawn
    in: put in place of the page's pieces with the same ids, the page is the passage drawn
    with `marks`. `marks` need hold only those overlapping `pieces_around(html, start, end)`:
    no other is drawn or announced in these pieces."""
    found = _Pieces(prefix, within=(start, end))
    _flow(_tree(html), _spans(plain_text(html), marks), [], found)
    return found.found
