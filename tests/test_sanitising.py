"""Every script injection vector (tests/data/xss_vectors.txt) through render_markdown, and
through annotate (the path of a segment with highlights), comes out harmless: no script, no
event handler, no javascript:/data: URL, no foreign element, no htmx attribute. The browser
test (tests/browser/test_sanitising.py) shows the same vectors on every page in Chromium."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lessons.library.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    Mark,
    annotate,
    plain_text,
    render_markdown,
)

VECTORS_FILE = Path(__file__).resolve().parent / "data" / "xss_vectors.txt"
LITERAL = "{{ 7*7 }}"


def load_vectors() -> list[str]:
    """The vectors, with \\n and \\t in the file standing for a line break and a tab."""
    return [
        line.replace("\\n", "\n").replace("\\t", "\t")
        for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


VECTORS = load_vectors()

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "cite"}
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "object", "embed", "style", "svg", "math", "img", "base",
    "meta", "link", "form", "button", "input", "textarea", "template", "noscript", "title",
    "video", "audio", "source", "details", "body", "html", "head",
}  # fmt: skip
SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def url_scheme(value: str) -> str:
    """The scheme a browser sees (WHATWG URL parsing): leading and trailing C0 controls and
    spaces go, tabs and line breaks anywhere are removed; '' for a relative URL."""
    value = value.strip("".join(chr(c) for c in range(0x21)))
    value = re.sub(r"[\t\n\r]", "", value)
    match = SCHEME_RE.match(value)
    return match[1].lower() if match else ""


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)


def problems(html: str) -> list[str]:
    found = []
    if re.search(r"<\s*script", html, re.IGNORECASE):
        found.append("a <script")
    parser = Elements()
    parser.feed(html)
    parser.close()
    if parser.comments:
        found.append(f"a comment: {parser.comments}")
    for tag, attrs in parser.elements:
        if tag in FORBIDDEN_TAGS or tag not in ALLOWED_TAGS | {"mark", "span"}:
            found.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            if name.startswith(("hx-", "data-hx-")):
                found.append(f"htmx attribute {name}= on <{tag}>")
            if name in ("style", "srcdoc"):
                found.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") in {
                "javascript", "data", "vbscript",
            }:  # fmt: skip
                found.append(f"{name}={value!r} on <{tag}>")
            allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel", "class", "data-marks"}
            if tag == "span":
                allowed |= {"data-anchor-ignore", "lang"}  # the announcements of a mark
            if name not in allowed:
                found.append(f"attribute {name}= on <{tag}>")
    return found


def test_the_corpus_has_at_least_sixty_vectors():
    assert len(VECTORS) >= 60
    assert len(set(VECTORS)) == len(VECTORS), "a vector is listed twice"


@pytest.mark.parametrize("vector", VECTORS)
def test_a_vector_renders_harmless(vector):
    html = render_markdown(vector)
    assert not problems(html), (vector, html)
    # A highlight over all of the text goes through annotate, which writes tags again.
    text = plain_text(html)
    if text:
        marked = annotate(html, [Mark(0, len(text), "label <b>", ident="h1")])
        assert not problems(marked), (vector, marked)
        said = ("Highlight start: label <b>", "Highlight end: label <b>")
        assert plain_text(marked).replace(said[0], "").replace(said[1], "") == text


def test_all_vectors_together_render_harmless():
    """One document with every vector, so one vector's unclosed tag meets the next."""
    source = "\n\n".join(VECTORS) + "\n\n" + " ".join(v for v in VECTORS if "\n" not in v)
    html = render_markdown(source)
    assert not problems(html), html


def test_template_syntax_shows_literally():
    html = render_markdown(f"Text {LITERAL} and {{% debug %}} and {{% csrf_token %}}.")
    assert plain_text(html) == f"Text {LITERAL} and {{% debug %}} and {{% csrf_token %}}."


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        (" \x01JaVa\tScRiPt:alert(1)", "javascript"),
        ("java   script:alert(1)", ""),
        ("/accounts/logout/", ""),
        ("https://example.org", "https"),
    ],
)
def test_url_scheme_reads_urls_as_a_browser_does(value, scheme):
    assert url_scheme(value) == scheme


MARKED = [
    "- one **bold words here** and\n- two *em* [a link](https://e.org/) end",
    "> quoted **strong *and em* words** here\n\n1. first\n2. second",
    "line one  \nline two <q>quoted words</q> <code>some code</code>\n\n---\n\nafter",
]


def test_the_sanitised_html_of_every_vector_is_valid_html():
    """Sanitised output must be valid HTML: every page is checked by the Nu checker, so an
    invalid fragment would fail the page that shows the lesson."""
    from .browser.support import check_html

    body = "\n".join(f'<div class="source-text">{render_markdown(v)}</div>' for v in VECTORS)
    # ... and with highlights that cross each other, inline elements and paragraphs.
    for source in [*VECTORS, *MARKED]:
        html = render_markdown(source)
        n = len(plain_text(html))
        marks = [Mark(0, n // 2 + 1, "A"), Mark(n // 3, n, "B"), Mark(n // 3, n // 3 + 2, "C")]
        body += f'\n<div class="source-text">{annotate(html, marks)}</div>'
    check_html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vectors</title>'
        f"</head><body>{body}</body></html>",
        "the vectors, rendered and with highlights",
    )
