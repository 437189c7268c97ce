import re
from html.parser import HTMLParser

import pytest

from lessons.library.rendering import Mark, annotate, plain_text, render_markdown

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}
SOURCE = "Our glorious leader 😀 says the **traitors** will *fail*.\n\nThe traitors always fail."


class Reader(HTMLParser):
    """Reads annotated HTML back as a browser would: the text outside labels, which marks
    cover each character, the labels and where they sit, and whether the tags balance."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.tags: list[tuple[str, list]] = []
        self.chars: list[str] = []
        self.covering: list[list[dict]] = []
        self.labels: list[tuple[int, str, dict]] = []
        self.problems: list[str] = []
        self.after_pre = False
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed {[tag for tag, _ in self.stack]}")

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def in_label(self) -> dict | None:
        for tag, attrs in self.stack:
            if tag == "span" and "hl-label" in (attrs.get("class") or "").split():
                return attrs
        return None

    def handle_starttag(self, tag, attrs):
        self.after_pre = tag == "pre"
        if tag not in ("mark", "span"):
            self.tags.append((tag, attrs))
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.after_pre = False
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.after_pre and data.startswith("\n"):
            data = data[1:]  # the HTML parser ignores a line feed right after <pre>
        self.after_pre = False
        label = self.in_label()
        if label is not None:
            self.labels.append((len(self.chars), data, label))
            return
        marks = [attrs for tag, attrs in self.stack if tag == "mark"]
        for char in data:
            self.chars.append(char)
            self.covering.append(marks)

    def covered_by(self, ident: str) -> set[int]:
        return {
            index
            for index, marks in enumerate(self.covering)
            if any(ident in (m.get("data-marks") or "").split() for m in marks)
        }

    def depth_at(self, index: int) -> int:
        classes = " ".join(m.get("class", "") for m in self.covering[index])
        depths = [int(n) for n in re.findall(r"\bhl-depth-(\d)\b", classes)]
        assert len(depths) <= 1, classes
        return depths[0] if depths else 0


# Sanitising ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Hi <script>alert('x')</script> there", ["<script", "alert"]),
        ("<script src='https://evil.example/x.js'></script>", ["<script", "evil.example"]),
        ('<a href="https://example.org" onclick="steal()">link</a>', ["onclick", "steal"]),
        ("<img src=x onerror=alert(1)>", ["<img", "onerror", "alert"]),
        ("[click](javascript:alert(1))", ["javascript", "alert"]),
        ('<a href="JaVaScRiPt:alert(1)">click</a>', ["javascript", "alert"]),
        ('<a href=" javascript:alert(1)">click</a>', ["javascript", "alert"]),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", ["data:", "base64"]),
        ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
        ('<p style="position:fixed;top:0">covered</p>', ["style", "position"]),
        ('<span style="color:red">red</span>', ["style", "<span"]),
        ("<svg onload=alert(1)><circle r=1 /></svg>", ["<svg", "onload", "alert"]),
        ('<form action="https://evil.example/"><input name=p></form>', ["<form", "<input"]),
        ('<a href="https://example.org" target="_blank">x</a>', ["target"]),
        ('[t](https://example.org "x\\" onmouseover=\\"alert(1)")', ['onmouseover="']),
        ("<!-- hidden -->shown", ["hidden", "<!--"]),
    ],
)
def test_render_markdown_removes_anything_that_could_run_or_restyle(source, forbidden):
    html = render_markdown(source).lower()
    for word in forbidden:
        assert word.lower() not in html


def test_render_markdown_keeps_text_that_surrounds_removed_markup():
    assert plain_text(render_markdown("before <img src=x onerror=alert(1)> after")) == (
        "before  after"
    )
    assert "covered" in render_markdown('<p style="position:fixed">covered</p>')


def test_render_markdown_keeps_emphasis_and_safe_links_with_rel():
    html = render_markdown(
        "**bold** *em* [site](https://example.org/a?b=1&c=2) [mail](mailto:a@b.c)"
    )
    assert html == (
        "<p><strong>bold</strong> <em>em</em> "
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">site</a> '
        '<a href="mailto:a@b.c" rel="noopener noreferrer nofollow">mail</a></p>'
    )


def test_render_markdown_keeps_paragraphs_lists_and_quotes():
    html = render_markdown("One\n\n- a\n- b\n\n> quoted")
    assert "<p>One</p>" in html
    assert "<ul>" in html and "<li>a</li>" in html
    assert "<blockquote>" in html


# Plain text ----------------------------------------------------------------------------


# Expected values are what Chromium's textContent gives for the same HTML.
@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p>\n<p>b</p>", "a\nb"),
        ("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#128512; &nbsp;x</p>", 'a & b <c> "d" 😀 \xa0x'),
        ("<p>x<br>y</p>", "xy"),
        ("<p>line<br>\nnext</p>", "line\nnext"),
        ("<p>One <strong>two</strong> <em>three</em></p>", "One two three"),
        ('<p><a href="https://e.org" rel="nofollow">link</a></p>', "link"),
        ("<blockquote>\n<p>quote\nmore</p>\n</blockquote>", "\nquote\nmore\n"),
        ("<ol>\n<li>a</li>\n<li>b</li>\n</ol>", "\na\nb\n"),
        ("<pre><code>code\nmore\n</code></pre>", "code\nmore\n"),
    ],
)
def test_plain_text_is_what_a_browser_gives_as_text_content(html, text):
    assert plain_text(html) == text


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (SOURCE, "Our glorious leader 😀 says the traitors will fail.\nThe traitors always fail."),
        ("a &amp; b &lt;c&gt; &nbsp;x", "a & b <c> \xa0x"),
        ("Hi <script>alert(1)</script>\n\nthere", "Hi \nthere"),
        ("line  \nnext", "line\nnext"),
        ("    code\n    more", "code\nmore\n"),
    ],
)
def test_plain_text_of_rendered_markdown_is_what_a_browser_shows(source, text):
    assert plain_text(render_markdown(source)) == text


def test_plain_text_drops_the_line_feed_that_a_browser_drops_after_pre():
    # Chromium: <pre>\npoem\n</pre> has textContent "poem\n"; the parser ignores one line
    # feed right after <pre>, so offsets counted in the browser would be one less.
    html = render_markdown("<pre>\n\npoem\n</pre>")
    assert plain_text(html) == "poem\n"


def test_plain_text_turns_a_carriage_return_into_a_line_feed_as_a_browser_does():
    # Chromium normalises CR LF and CR to LF when it parses the page, so "a\r\nb" is
    # three characters there, four here.
    html = render_markdown("a&#13;&#10;b c")
    assert plain_text(html) == "a\nb c"


# Annotating ----------------------------------------------------------------------------


@pytest.fixture
def html():
    return render_markdown(SOURCE)


def test_marks_wrap_exactly_the_characters_between_their_offsets(html):
    text = plain_text(html)
    marks = [
        Mark(4, 19, "Loaded language", ident="m1"),
        Mark(text.index("😀"), text.index("😀") + 1, "Emoji", ident="m2"),
        Mark(text.index("The"), len(text), "Repetition", ident="m3"),
    ]
    reader = Reader(annotate(html, marks))
    assert reader.problems == []
    assert reader.text == text
    for mark in marks:
        assert reader.covered_by(mark.ident) == set(range(mark.start, mark.end)), mark
    uncovered = [i for i, covering in enumerate(reader.covering) if not covering]
    assert (
        "".join(text[i] for i in uncovered)
        == text[:4] + text[19 : text.index("😀")] + (text[text.index("😀") + 1 : text.index("The")])
    )


def test_overlapping_marks_split_into_pieces_with_depth_classes():
    html = render_markdown("abcdefghijklmnop")
    marks = [
        Mark(0, 10, "A", ident="a"),
        Mark(5, 15, "B", ident="b"),
        Mark(7, 9, "C", ident="c"),
        Mark(8, 9, "D", ident="d"),
    ]
    reader = Reader(annotate(html, marks))
    assert reader.problems == []
    assert [reader.depth_at(i) for i in range(16)] == [1] * 5 + [2, 2, 3, 3, 2] + [1] * 5 + [0]
    for mark in marks:
        assert reader.covered_by(mark.ident) == set(range(mark.start, mark.end))
    assert all(len(covering) <= 1 for covering in reader.covering)


def test_identical_marks_share_one_element_that_names_both(html):
    reader = Reader(annotate(html, [Mark(4, 19, "A", ident="a"), Mark(4, 19, "B", ident="b")]))
    assert reader.covered_by("a") == reader.covered_by("b") == set(range(4, 19))
    assert reader.depth_at(4) == 2
    assert [label for _, label, _ in reader.labels] == ["A", "B"]


def test_marks_crossing_tag_boundaries_stay_well_formed(html):
    text = plain_text(html)
    inside_bold = text.index("traitors") + 3
    marks = [
        Mark(text.index("says"), inside_bold, "Into the bold", ident="x"),
        Mark(inside_bold, text.index("fail") + 2, "Out of the bold into em", ident="y"),
        Mark(text.index("fail."), text.index("always"), "Across paragraphs", ident="z"),
    ]
    annotated = annotate(html, marks)
    reader = Reader(annotated)
    assert reader.problems == []
    assert reader.text == text
    for mark in marks:
        assert reader.covered_by(mark.ident) == set(range(mark.start, mark.end))
    original = Reader(html)
    assert reader.tags == original.tags
    assert annotated.count("<mark") == annotated.count("</mark>")
    assert annotated.count("<mark") >= 7


def test_each_label_follows_the_last_character_of_its_mark(html):
    text = plain_text(html)
    marks = [
        Mark(4, 19, "Loaded language", ident="a"),
        Mark(text.index("traitors"), text.index("traitors") + 8, "Name calling", ident="b"),
    ]
    reader = Reader(annotate(html, marks))
    assert [(at, label) for at, label, _ in reader.labels] == [
        (19, "Loaded language"),
        (text.index("traitors") + 8, "Name calling"),
    ]
    assert all(attrs.get("data-anchor-ignore") == "" for _, _, attrs in reader.labels)


def test_removing_the_labels_gives_back_the_plain_text(html):
    text = plain_text(html)
    marks = [Mark(0, 3, "Loaded"), Mark(2, 30, "Doubt"), Mark(40, len(text), "End")]
    annotated = annotate(html, marks)
    without_labels = re.sub(
        r'<span class="hl-label" data-anchor-ignore="">[^<]*</span>', "", annotated
    )
    assert annotated.count("data-anchor-ignore") == 3
    assert plain_text(without_labels) == text
    assert plain_text(annotated) != text


def test_labels_and_idents_are_escaped(html):
    marks = [Mark(4, 19, "<script>alert('x')</script> & co", ident='id"><script>x</script>')]
    annotated = annotate(html, marks)
    assert "<script" not in annotated
    assert "&lt;script&gt;alert(" in annotated
    assert "&lt;/script&gt; &amp; co</span>" in annotated
    reader = Reader(annotated)
    assert reader.problems == []
    assert reader.labels[0][1] == "<script>alert('x')</script> & co"
    assert reader.text == plain_text(html)


def test_marks_in_a_pre_block_cover_the_words_a_browser_shows():
    html = render_markdown("Poem:\n\n<pre>\n\nroses are red\n</pre>")
    text = plain_text(html)
    start = text.index("roses")
    reader = Reader(annotate(html, [Mark(start, start + 5, "Loaded", ident="r")]))
    assert reader.text == text
    assert "".join(reader.text[i] for i in sorted(reader.covered_by("r"))) == "roses"


def test_text_that_looks_like_markup_stays_text_when_annotated():
    html = render_markdown("Use &lt;b&gt; &amp; &lt;script&gt; here")
    text = plain_text(html)
    assert text == "Use <b> & <script> here"
    annotated = annotate(html, [Mark(0, len(text), "All")])
    assert "<script" not in annotated and "<b>" not in annotated
    assert Reader(annotated).text == text


def test_annotate_without_marks_returns_the_html_unchanged(html):
    assert annotate(html, []) == html
