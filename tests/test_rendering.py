import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.library.rendering import PHRASING_TAGS, Mark, annotate, plain_text, render_markdown

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}
SOURCE = "Our glorious leader 😀 says the **traitors** will *fail*.\n\nThe traitors always fail."


class Reader(HTMLParser):
    """Reads annotated HTML back as a browser and a screen reader would: the text without
    the announcements ([data-anchor-ignore], which the selection script skips), which marks
    and which of the source's elements hold each character, every <mark> element with the
    text it holds, the announcements with where they sit, and whether the tags balance."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.tags: list[tuple[str, list]] = []
        self.chars: list[str] = []
        self.covering: list[list[dict]] = []
        self.sources: list[tuple[str, ...]] = []  # the source's elements around each character
        self.marks: list[dict] = []  # {"attrs", "text", "holds", "parent"}, in document order
        self.said: list[dict] = []  # {"at", "text", "label", "inside"}: the announcements
        self.problems: list[str] = []
        self.after_pre = False
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed {[tag for tag, _ in self.stack]}")

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def ignored(self) -> bool:
        return any("data-anchor-ignore" in attrs for _, attrs in self.stack)

    def open_marks(self) -> list[dict]:
        return [record for record in self.marks if record.get("open")]

    def handle_starttag(self, tag, attrs):
        self.after_pre = tag == "pre"
        attributes = dict(attrs)
        if self.ignored():
            pass
        elif "data-anchor-ignore" in attributes:
            inside = tuple(t for t, _ in self.stack)
            self.said.append({"at": len(self.chars), "text": "", "label": "", "inside": inside})
        elif tag == "mark":
            parent = self.stack[-1][0] if self.stack else ""
            self.marks.append(
                {"attrs": attributes, "text": "", "holds": [], "parent": parent, "open": True}
            )
        else:
            self.tags.append((tag, attrs))
            for record in self.open_marks():
                record["holds"].append(tag)
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.after_pre = False
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "mark" and not self.ignored():
            self.open_marks()[-1]["open"] = False

    def handle_data(self, data):
        if self.after_pre and data.startswith("\n"):
            data = data[1:]  # the HTML parser ignores a line feed right after <pre>
        self.after_pre = False
        if self.ignored():
            self.said[-1]["text"] += data
            if any("hl-label" in (a.get("class") or "").split() for _, a in self.stack):
                self.said[-1]["label"] += data
            return
        marks = [attrs for tag, attrs in self.stack if tag == "mark"]
        sources = tuple(tag for tag, _ in self.stack if tag != "mark")
        for record in self.open_marks():
            record["text"] += data
        for char in data:
            self.chars.append(char)
            self.covering.append(marks)
            self.sources.append(sources)

    def covered_by(self, ident: str) -> set[int]:
        return {
            index
            for index, marks in enumerate(self.covering)
            if any(ident in (m.get("data-marks") or "").split() for m in marks)
        }

    def words(self, ident: str) -> str:
        return "".join(self.chars[i] for i in sorted(self.covered_by(ident)))

    def elements(self, ident: str) -> list[dict]:
        return [m for m in self.marks if m["attrs"].get("data-marks") == ident]

    def depth_at(self, index: int) -> int:
        """The depth class of the innermost mark over the character (0: none)."""
        if not self.covering[index]:
            return 0
        classes = self.covering[index][-1].get("class", "")
        depths = [int(n) for n in re.findall(r"\bhl-depth-(\d)\b", classes)]
        assert len(depths) == 1, classes
        return depths[0]

    def announcements(self) -> list[tuple[int, str]]:
        return [(said["at"], said["text"]) for said in self.said]


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


def at(text: str, words: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(words, start + 1)
    return start, start + len(words)


def test_marks_wrap_exactly_the_characters_between_their_offsets(html):
    text = plain_text(html)
    marks = [
        Mark(4, 19, "Loaded language", ident="m1"),
        Mark(*at(text, "😀"), "Emoji", ident="m2"),
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


def test_a_mark_inside_another_is_drawn_inside_it_with_a_deeper_depth_class():
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
    # A holds B, which holds C, which holds D; B goes on after A ends, in a second element.
    assert [(m["attrs"]["data-marks"], m["text"]) for m in reader.marks] == [
        ("a", "abcdefghij"),
        ("b", "fghij"),
        ("c", "hi"),
        ("d", "i"),
        ("b", "klmno"),
    ]
    nesting = [len(covering) for covering in reader.covering]
    assert nesting == [1] * 5 + [2, 2, 3, 4, 2] + [1] * 5 + [0]


def test_depth_classes_stop_at_three():
    reader = Reader(annotate("<p>abcd</p>", [Mark(0, 4 - n, "L", ident=f"m{n}") for n in range(4)]))
    assert [m["attrs"]["class"] for m in reader.marks] == [
        "hl hl-depth-1",
        "hl hl-depth-2",
        "hl hl-depth-3",
        "hl hl-depth-3",
    ]


def test_identical_marks_are_two_elements_one_inside_the_other(html):
    reader = Reader(annotate(html, [Mark(4, 19, "A", ident="a"), Mark(4, 19, "B", ident="b")]))
    assert reader.covered_by("a") == reader.covered_by("b") == set(range(4, 19))
    assert reader.depth_at(4) == 2
    assert [(m["attrs"]["data-marks"], m["text"]) for m in reader.marks] == [
        ("a", "glorious leader"),
        ("b", "glorious leader"),
    ]
    # The outer one is announced first and ends last.
    assert reader.announcements() == [
        (4, "Highlight start: A"),
        (4, "Highlight start: B"),
        (19, "Highlight end: B"),
        (19, "Highlight end: A"),
    ]


def test_marks_that_cross_are_closed_and_opened_again_where_one_ends():
    html = render_markdown("Our glorious leader says so.")
    text = plain_text(html)
    marks = [
        Mark(*at(text, "Our glorious"), "Loaded language", ident="a"),
        Mark(*at(text, "glorious leader"), "Exaggeration", ident="b"),
    ]
    annotated = annotate(html, marks)
    assert annotated == (
        '<p><span class="hl-start visually-hidden" lang="en" data-anchor-ignore="">'
        "Highlight start: Loaded language</span>"
        '<mark class="hl hl-depth-1" data-marks="a">Our '
        '<span class="hl-start visually-hidden" lang="en" data-anchor-ignore="">'
        "Highlight start: Exaggeration</span>"
        '<mark class="hl hl-depth-2" data-marks="b">glorious</mark></mark>'
        '<span class="hl-end" lang="en" data-anchor-ignore="">'
        '<span class="visually-hidden">Highlight end: </span>'
        '<span class="hl-label">Loaded language</span></span>'
        '<mark class="hl hl-depth-1" data-marks="b"> leader</mark>'
        '<span class="hl-end" lang="en" data-anchor-ignore="">'
        '<span class="visually-hidden">Highlight end: </span>'
        '<span class="hl-label">Exaggeration</span></span>'
        " says so.</p>"
    )


def test_each_mark_is_announced_before_its_first_word_and_after_its_last(html):
    text = plain_text(html)
    marks = [
        Mark(4, 19, "Loaded language", ident="a"),
        Mark(*at(text, "traitors"), "Name calling", ident="b"),
    ]
    reader = Reader(annotate(html, marks))
    assert reader.announcements() == [
        (4, "Highlight start: Loaded language"),
        (19, "Highlight end: Loaded language"),
        (text.index("traitors"), "Highlight start: Name calling"),
        (text.index("traitors") + 8, "Highlight end: Name calling"),
    ]
    assert [said["label"] for said in reader.said] == ["", "Loaded language", "", "Name calling"]


def test_an_announcement_names_what_is_marked_and_its_technique(html):
    mark = Mark(4, 19, "Missed: Loaded language", kind="Key span", technique="Loaded language")
    annotated = annotate(html, [mark])
    assert (
        '<span class="hl-start visually-hidden" lang="en" data-anchor-ignore="">'
        "Key span start: Loaded language</span>"
    ) in annotated
    assert (
        '<span class="hl-end" lang="en" data-anchor-ignore="">'
        '<span class="visually-hidden">Key span end: </span>'
        '<span class="hl-label">Missed: Loaded language</span></span>'
    ) in annotated


def test_a_mark_is_drawn_around_whole_inline_elements(html):
    text = plain_text(html)
    annotated = annotate(html, [Mark(*at(text, "the traitors will"), "L", ident="m")])
    mark = '<mark class="hl hl-depth-1" data-marks="m">the <strong>traitors</strong> will</mark>'
    assert mark in annotated


def test_announcements_are_never_inside_the_sources_inline_elements():
    html = render_markdown("He **said [so and](https://e.org/) *very* loudly** today.")
    text = plain_text(html)
    marks = [
        Mark(*at(text, "aid"), "Inside bold", ident="a"),
        Mark(*at(text, "o an"), "Inside a link", ident="b"),
        Mark(*at(text, "ery loud"), "Across", ident="c"),
        Mark(*at(text, "He said"), "Into bold", ident="d"),
    ]
    annotated = annotate(html, marks)
    reader = Reader(annotated)
    assert reader.problems == []
    assert reader.text == text
    assert {said["inside"] for said in reader.said} <= {("p",), ("p", "mark")}
    assert len(reader.said) == 8
    for mark in marks:
        assert reader.covered_by(mark.ident) == set(range(mark.start, mark.end)), mark
    # Every character keeps the elements it was in: a bold word cut by an announcement is
    # two <strong> elements, a link two links to the same address.
    assert reader.sources == Reader(html).sources
    assert annotated.count("<strong>") == 7  # cut where a, b and c start and end
    assert annotated.count('<a href="https://e.org/"') == 3
    assert annotated.count("<em>") == 2


def test_marks_are_drawn_inside_paragraphs_and_list_items_never_around_them():
    html = render_markdown("- first item\n- second item\n\nA paragraph.\n\n---\n\nLast one.")
    text = plain_text(html)
    start = text.index("item")
    marks = [Mark(start, len(text), "Everything", ident="m")]
    reader = Reader(annotate(html, marks))
    assert reader.problems == []
    assert reader.text == text
    assert [(m["parent"], m["text"]) for m in reader.marks] == [
        ("li", "item"),
        ("li", "second item"),
        ("p", "A paragraph."),
        ("p", "Last one."),
    ]
    assert all(m["holds"] == [] for m in reader.marks)
    assert [(said["at"], said["inside"]) for said in reader.said] == [
        (start, ("ul", "li")),
        (len(text), ("p",)),
    ]
    # The line breaks between the blocks are in no mark: white space alone is never marked.
    assert reader.words("m") == "item" + "second item" + "A paragraph." + "Last one."


def test_no_mark_holds_white_space_alone():
    html = render_markdown("abcdefghij klmnop")
    marks = [Mark(0, 10, "A", ident="a"), Mark(5, 15, "B", ident="b"), Mark(11, 12, "C")]
    reader = Reader(annotate(html, marks))
    assert [(m["attrs"].get("data-marks"), m["text"]) for m in reader.marks] == [
        ("a", "abcdefghij"),
        ("b", "fghij"),
        ("b", "klmn"),
        (None, "k"),
    ]
    assert reader.words("b") == "fghijklmn"  # the space where A ends is left out


def test_a_mark_over_white_space_alone_is_not_drawn_nor_announced():
    html = "<p>a  b</p>"
    assert annotate(html, [Mark(1, 3, "Spaces")]) == html


def test_a_mark_starting_or_ending_with_white_space_is_drawn_from_its_first_word_to_its_last(html):
    text = plain_text(html)
    reader = Reader(annotate(html, [Mark(3, 20, "L", ident="m")]))
    assert reader.words("m") == "glorious leader"
    assert reader.announcements()[0][0] == 4
    assert reader.announcements()[1][0] == 19
    assert text[3] == text[19] == " "


def test_a_mark_beyond_the_text_is_drawn_up_to_its_edge():
    html = "<p>abc</p>"
    reader = Reader(
        annotate(html, [Mark(-2, 2, "Before", ident="x"), Mark(1, 9, "After", ident="y")])
    )
    assert reader.words("x") == "ab"
    assert reader.words("y") == "bc"
    assert reader.announcements() == [
        (0, "Highlight start: Before"),
        (1, "Highlight start: After"),
        (2, "Highlight end: Before"),
        (3, "Highlight end: After"),
    ]


def test_a_line_break_stays_in_the_mark_around_it_and_after_the_end_of_one_before_it():
    reader = Reader(annotate("<p>ab<br>cd</p>", [Mark(1, 3, "Across", ident="m")]))
    assert reader.words("m") == "bc"
    assert reader.marks[0]["holds"] == ["br"]
    annotated = annotate("<p>ab<br>cd</p>", [Mark(0, 2, "First"), Mark(2, 4, "Second")])
    first_end = annotated.index('<span class="hl-label">First')
    assert first_end < annotated.index("<br>") < annotated.index("Highlight start: Second")


def test_a_line_break_inside_a_bold_word_stays_inside_it_and_at_the_end_after_the_label():
    start = (
        '<span class="hl-start visually-hidden" lang="en" data-anchor-ignore="">'
        "Highlight start: L</span>"
    )
    end = (
        '<span class="hl-end" lang="en" data-anchor-ignore=""><span class="visually-hidden">'
        'Highlight end: </span><span class="hl-label">L</span></span>'
    )
    mark = '<mark class="hl hl-depth-1">'
    assert annotate("<p><strong>a<br>b</strong></p>", [Mark(0, 2, "L")]) == (
        f"<p>{start}{mark}<strong>a<br>b</strong></mark>{end}</p>"
    )
    assert annotate("<p>ab<br></p>", [Mark(0, 2, "L")]) == f"<p>{start}{mark}ab</mark>{end}<br></p>"


def test_an_empty_element_stays_where_it_was():
    html = '<p>a<strong></strong>b <a href="x"></a>c</p>'
    annotated = annotate(html, [Mark(0, 2, "L", ident="m")])
    assert annotated.startswith(
        '<p><span class="hl-start visually-hidden" lang="en" data-anchor-ignore="">'
        "Highlight start: L</span>"
        '<mark class="hl hl-depth-1" data-marks="m">a<strong></strong>b</mark>'
    )
    assert annotated.endswith(' <a href="x"></a>c</p>')


def test_a_block_inside_an_inline_element_is_never_inside_a_mark():
    html = render_markdown("- <em>a<p>b</p></em>")
    assert html == "<ul>\n<li><em>a<p>b</p></em></li>\n</ul>"
    text = plain_text(html)
    reader = Reader(annotate(html, [Mark(*at(text, "ab"), "L", ident="m")]))
    assert reader.problems == []
    assert [(m["parent"], m["text"], m["holds"]) for m in reader.marks] == [
        ("em", "a", []),
        ("p", "b", []),
    ]


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
    assert reader.words("x") == "says the tra"
    assert reader.words("y") == "itors will fa"
    assert reader.words("z") == "fail.The traitors"  # not the line break between paragraphs
    assert reader.sources == Reader(html).sources
    assert annotated.count("<mark") == annotated.count("</mark>")


def test_removing_the_announcements_gives_back_the_plain_text(html):
    text = plain_text(html)
    marks = [Mark(0, 3, "Loaded"), Mark(2, 30, "Doubt"), Mark(40, len(text), "End")]
    annotated = annotate(html, marks)
    assert annotated.count("data-anchor-ignore") == 6
    assert Reader(annotated).text == text
    assert plain_text(annotated) != text


def test_labels_and_idents_are_escaped(html):
    marks = [Mark(4, 19, "<script>alert('x')</script> & co", ident='id"><script>x</script>')]
    annotated = annotate(html, marks)
    assert "<script" not in annotated
    assert "&lt;script&gt;alert(" in annotated
    assert "&lt;/script&gt; &amp; co</span>" in annotated
    reader = Reader(annotated)
    assert reader.problems == []
    assert reader.said[1]["label"] == "<script>alert('x')</script> & co"
    assert reader.said[0]["text"] == "Highlight start: <script>alert('x')</script> & co"
    assert reader.text == plain_text(html)
    kind = Reader(annotate(html, [Mark(4, 19, "L", kind="<b>Key</b>", technique="<i>T</i>")]))
    assert [said["text"] for said in kind.said] == [
        "<b>Key</b> start: <i>T</i>",
        "<b>Key</b> end: L",
    ]
    assert kind.tags == Reader(html).tags


def test_marks_in_a_pre_block_cover_the_words_a_browser_shows():
    html = render_markdown("Poem:\n\n<pre>\n\nroses are red\n</pre>")
    text = plain_text(html)
    start = text.index("roses")
    reader = Reader(annotate(html, [Mark(start, start + 5, "Loaded", ident="r")]))
    assert reader.text == text
    assert reader.words("r") == "roses"


def test_text_that_looks_like_markup_stays_text_when_annotated():
    html = render_markdown("Use &lt;b&gt; &amp; &lt;script&gt; here")
    text = plain_text(html)
    assert text == "Use <b> & <script> here"
    annotated = annotate(html, [Mark(0, len(text), "All")])
    assert "<script" not in annotated and "<b>" not in annotated
    assert Reader(annotated).text == text


def test_annotate_without_marks_returns_the_html_unchanged(html):
    assert annotate(html, []) == html


# Any passage, any marks: properties -----------------------------------------------------

WORDS = st.sampled_from(["a", "bc", "déf", "😀", "g.h", "it's", "x&y"])
INLINE = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"**{w} {w}**"),
    WORDS.map(lambda w: f"*{w}*"),
    WORDS.map(lambda w: f"[{w} go](https://e.org/)"),
    st.tuples(WORDS, WORDS).map(lambda t: f"**{t[0]} *{t[1]}* z**"),
    st.just("line  \nbreak"),
)
LINES = st.lists(INLINE, min_size=1, max_size=6).map(" ".join)
BLOCKS = st.one_of(
    LINES,
    LINES.map(lambda line: f"- {line}"),
    LINES.map(lambda line: f"> {line}"),
    LINES.map(lambda line: f"1. {line}\n2. {line}"),
    st.just("---"),
)
PASSAGES = st.lists(BLOCKS, min_size=1, max_size=4).map("\n\n".join)


@given(source=PASSAGES, data=st.data())
def test_any_marks_on_any_passage_are_drawn_exactly_and_announced(source, data):
    html = render_markdown(source)
    text = plain_text(html)
    ends = st.integers(min_value=0, max_value=len(text))
    pairs = data.draw(st.lists(st.tuples(ends, ends), max_size=6))
    marks = [Mark(a, b, f"L{n}", ident=f"m{n}") for n, (a, b) in enumerate(pairs)]
    reader = Reader(annotate(html, marks))

    assert reader.problems == []
    # Without the announcements the text is the passage's, in the same elements.
    assert reader.text == text
    assert reader.sources == Reader(html).sources
    # No mark holds white space alone, or a block; none sits where only list items may.
    assert all(m["text"].strip() for m in reader.marks)
    assert all(set(m["holds"]) <= PHRASING_TAGS for m in reader.marks)
    assert not any(m["parent"] in ("ul", "ol") for m in reader.marks)
    # Announcements are never inside a bold word or a link.
    assert not any(set(said["inside"]) & PHRASING_TAGS for said in reader.said)
    expected = []
    for mark in marks:
        words = [i for i in range(mark.start, mark.end) if not text[i].isspace()]
        covered = reader.covered_by(mark.ident)
        # Every character that is not white space is marked, and only those of the mark.
        assert set(words) <= covered <= set(range(mark.start, mark.end)), mark
        if words:
            expected += [
                (words[0], mark, f"Highlight start: {mark.label}"),
                (words[-1] + 1, mark, f"Highlight end: {mark.label}"),
            ]
    said = sorted(reader.announcements())
    assert said == sorted((at, words) for at, _, words in expected)
