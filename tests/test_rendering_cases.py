"""Cases that pin down lessons/library/rendering.py beyond test_rendering.py and
test_sanitising.py: exactly which links and attributes survive sanitising, links whose
address was removed, and highlights drawn on the right words wherever they sit in the
passage. Pure: no database."""

from html.parser import HTMLParser

import nh3
import pytest

from lessons.library.rendering import Mark, annotate, plain_text, render_markdown

REL = 'rel="noopener noreferrer nofollow"'


class Page(HTMLParser):
    """Annotated HTML read back as a browser shows it: the text (announcements apart, which
    carry data-anchor-ignore), which mark idents cover each character, the attributes of
    every mark, and the visible labels in order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict]] = []
        self.chars: list[tuple[str, frozenset[str]]] = []
        self.marks: list[dict] = []
        self.labels: list[tuple[int, str]] = []
        self.tags: list[tuple[str, list]] = []
        self.after_pre = False
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        return "".join(char for char, _ in self.chars)

    def words(self, ident: str) -> str:
        """The characters the mark `ident` covers, with '|' wherever it leaves a gap."""
        runs, previous = [], False
        for char, idents in self.chars:
            if ident in idents:
                runs.append(char if previous or not runs else f"|{char}")
                previous = True
            else:
                previous = False
        return "".join(runs)

    def handle_starttag(self, tag, attrs):
        self.after_pre = tag == "pre"
        if tag == "mark":
            self.marks.append(dict(attrs))
        elif tag != "span":
            self.tags.append((tag, attrs))
        if tag not in ("br", "hr"):
            self.open.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.after_pre = False
        assert self.open and self.open[-1][0] == tag, (tag, self.open)
        self.open.pop()

    def handle_data(self, data):
        if self.after_pre and data.startswith("\n"):
            data = data[1:]  # a browser drops the line feed right after <pre>
        self.after_pre = False
        if any("data-anchor-ignore" in attrs for _, attrs in self.open):
            if "hl-label" in self.open[-1][1].get("class", ""):
                self.labels.append((len(self.chars), data))
            return
        idents = frozenset(
            ident
            for tag, attrs in self.open
            if tag == "mark"
            for ident in (attrs.get("data-marks") or "").split()
        )
        self.chars.extend((char, idents) for char in data)


def marked(html: str, *marks: Mark) -> Page:
    page = Page(annotate(html, list(marks)))
    assert page.text == plain_text(html)
    return page


def span(text: str, words: str, ident: str, occurrence: int = 1) -> Mark:
    start = -1
    for _ in range(occurrence):
        start = text.index(words, start + 1)
    return Mark(start, start + len(words), f"label {ident}", ident=ident)


# --- links -----------------------------------------------------------------------------------


def test_a_link_whose_address_was_removed_keeps_its_words_but_not_its_link():
    assert render_markdown("[click](javascript:alert(1))") == "<p>click</p>"
    assert render_markdown("[*so* bad](javascript:x) and [good](https://e.org)") == (
        f'<p><em>so</em> bad and <a href="https://e.org" {REL}>good</a></p>'
    )


def test_words_next_to_links_are_kept_even_a_one_letter_word():
    assert render_markdown("A [link](https://e.org) and **a** word") == (
        f'<p>A <a href="https://e.org" {REL}>link</a> and <strong>a</strong> word</p>'
    )


@pytest.mark.parametrize("url", ["http://example.org/a", "HTTP://EXAMPLE.ORG", "/techniques/"])
def test_web_links_and_links_within_the_site_stay_links(url):
    assert render_markdown(f"[site]({url})") == f'<p><a href="{url}" {REL}>site</a></p>'


@pytest.mark.parametrize("scheme", sorted(nh3.ALLOWED_URL_SCHEMES - {"http", "https", "mailto"}))
def test_only_web_and_mail_links_are_kept(scheme):
    assert render_markdown(f"[open]({scheme}:something)") == "<p>open</p>"


def test_an_address_with_white_space_in_it_is_no_link():
    assert render_markdown('<a href="/a b">spaced</a> and [encoded](/a%20b)') == (
        f'<p>spaced and <a href="/a%20b" {REL}>encoded</a></p>'
    )
    assert render_markdown('<a href="https://e.org/\tx">tab</a>') == "<p>tab</p>"


# --- attributes ------------------------------------------------------------------------------


def test_only_the_listed_attributes_survive():
    assert render_markdown('<a href="https://e.org" hreflang="en" title="T">y</a>') == (
        f'<p><a href="https://e.org" title="T" {REL}>y</a></p>'
    )
    assert render_markdown('<blockquote cite="https://e.org">q</blockquote>') == (
        "<blockquote>q</blockquote>"
    )
    assert render_markdown('<q cite="https://e.org">q</q>') == "<p><q>q</q></p>"
    assert render_markdown('<ol start="3" reversed type="a"><li>x</li></ol>') == (
        '<ol start="3"><li>x</li></ol>'
    )
    assert render_markdown('<abbr title="World Health Organization">WHO</abbr>') == (
        '<p><abbr title="World Health Organization">WHO</abbr></p>'
    )


# --- plain text ------------------------------------------------------------------------------


def test_a_lone_carriage_return_is_a_line_feed_as_in_a_browser():
    assert plain_text(render_markdown("a&#13;b")) == "a\nb"
    assert plain_text("<p>a\rb\r\nc</p>") == "a\nb\nc"


def test_self_closing_tags_are_read_like_any_other():
    html = "<p>a<br/>b</p>"
    assert plain_text(html) == "ab"
    page = marked(html, Mark(0, 2, "L", ident="m"))
    assert page.tags == [("p", []), ("br", [])]
    assert page.words("m") == "ab"


# --- drawing highlights ----------------------------------------------------------------------

SOURCE = "Our glorious leader says the **traitors** will fail.\n\nThe traitors always fail."


def test_a_highlight_after_an_inline_tag_covers_only_its_words():
    html = render_markdown(SOURCE)
    text = plain_text(html)
    page = marked(html, span(text, "fail", "a"), span(text, "will", "b"))
    assert page.words("a") == "fail"
    assert page.words("b") == "will"


def test_a_highlight_in_a_later_paragraph_covers_only_its_words():
    html = render_markdown(SOURCE)
    text = plain_text(html)
    page = marked(html, span(text, "always", "a"), span(text, "fail", "b", occurrence=2))
    assert page.words("a") == "always"
    assert page.words("b") == "fail"
    assert [label for _, label in page.labels] == ["label a", "label b"]


def test_a_highlight_may_start_at_any_character_of_a_piece_of_text():
    html = render_markdown("abcdef **ghijkl** mnopqr")
    text = plain_text(html)
    for start in range(len(text) - 1):
        page = marked(html, Mark(start, start + 2, "L", ident="m"))
        # (white space at either end is left out of the mark)
        assert page.words("m") == text[start : start + 2].strip(), start


def test_a_mark_names_its_own_classes_once_each_and_its_own_ident():
    html = render_markdown("Nothing but lies.")
    marks = [
        Mark(0, 7, "Loaded", classes=("hl-correct",)),
        Mark(0, 16, "Doubt", ident="k1", classes=("hl-missed", "hl-depth-1", "hl-missed")),
    ]
    page = Page(annotate(html, marks))
    assert page.marks == [
        {"class": "hl hl-depth-1 hl-missed", "data-marks": "k1"},
        {"class": "hl hl-depth-2 hl-correct"},
    ]
    page = Page(annotate(html, [Mark(0, 7, "Loaded")]))
    assert page.marks == [{"class": "hl hl-depth-1"}]


def test_a_passage_starting_with_a_blank_line_in_pre_keeps_it_when_highlighted():
    html = render_markdown("<pre>\n\n\nroses are red</pre>")
    text = plain_text(html)
    assert text == "\nroses are red"
    page = marked(html, span(text, "roses", "r"))
    assert page.words("r") == "roses"


def test_attributes_are_written_back_as_they_were():
    html = '<p>The <abbr title="say &quot;hi&quot; &amp; go">WHO</abbr> <abbr title>UN</abbr></p>'
    page = marked(html, Mark(0, 3, "L"))
    assert page.tags == [
        ("p", []),
        ("abbr", [("title", 'say "hi" & go')]),
        ("abbr", [("title", None)]),
    ]
