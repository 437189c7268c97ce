"""The passage's text in pieces (lessons/library/rendering.py): the student's page draws it
in clauses, each an element with an id, and an answer to a highlight saved, changed or removed
draws again only the pieces that highlight's words are in. Pure: no database."""

import re

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.library.rendering import (
    PHRASING_TAGS,
    Mark,
    annotate,
    annotate_in_pieces,
    annotate_pieces,
    pieces_around,
    plain_text,
    render_markdown,
)

from .test_rendering import Reader

PREFIX = "words-7-"
SOURCE = (
    "However, in an attempt to hide its true nature as the chief culprit, the **US is "
    "clamoring, loudly,** that its measures are “threats” to the community, and they are "
    "hurling assets into the region."
)


def pieces(html: str) -> list[tuple[str, str]]:
    """The pieces of a page: (id, text without the announcements)."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for piece in soup.select(f"span[id^={PREFIX}]"):
        for ignored in piece.select("[data-anchor-ignore]"):
            ignored.decompose()
        found.append((piece["id"], piece.get_text()))
    return found


def test_a_paragraph_is_cut_into_clauses_never_inside_a_bold_word():
    html = render_markdown(SOURCE)
    text = plain_text(html)

    page = annotate_in_pieces(html, [], prefix=PREFIX)

    assert pieces(page) == [
        ("words-7-0", "However, in an attempt to hide its true nature as the chief culprit, "),
        (
            f"words-7-{text.index('the US')}",
            "the US is clamoring, loudly, that its measures are “threats” to the community, ",
        ),
        (f"words-7-{text.index('and they')}", "and they are hurling assets into the region."),
    ]
    assert "<strong>US is clamoring, loudly,</strong>" in page  # not cut after "clamoring,"
    assert plain_text(page) == text  # the pieces add elements, not text


def test_a_mark_over_two_pieces_is_two_marks_announced_once():
    html = render_markdown(SOURCE)
    text = plain_text(html)
    start, end = text.index("chief"), text.index("US is") + 2
    mark = Mark(start, end, "Name calling", ident="m")

    reader = Reader(annotate_in_pieces(html, [mark], prefix=PREFIX))

    assert reader.problems == []
    assert [m["text"] for m in reader.marks] == ["chief culprit, ", "the US"]
    assert reader.announcements() == [
        (start, "Highlight start: Name calling"),
        (end, "Highlight end: Name calling"),
    ]
    # The same words, announcements and text as the passage drawn whole.
    whole = Reader(annotate(html, [mark]))
    assert reader.text == whole.text == text
    assert reader.covered_by("m") == whole.covered_by("m") == set(range(start, end))


def test_only_the_pieces_a_highlight_is_in_are_drawn_again():
    html = render_markdown(SOURCE)
    text = plain_text(html)
    words = text.index("measures"), text.index("measures") + len("measures")

    assert pieces_around(html, *words) == (text.index("the US"), text.index("and they"))
    marks = [Mark(*words, "Loaded", ident="m")]
    [piece] = annotate_pieces(html, marks, prefix=PREFIX, start=words[0], end=words[1])
    assert piece.ident == f"words-7-{text.index('the US')}"
    assert '<mark class="hl hl-depth-1" data-marks="m">measures</mark>' in piece.html
    # Over two pieces: both.
    across = text.index("culprit"), text.index("the US") + 3
    both = annotate_pieces(html, [], prefix=PREFIX, start=across[0], end=across[1])
    assert [piece.start for piece in both] == [0, text.index("the US")]


def test_white_space_between_blocks_and_text_in_a_pre_block_stay_as_they_were():
    html = render_markdown("A short one.\n\n- an item, with a comma\n\n<pre>\n\nroses, red\n</pre>")
    page = annotate_in_pieces(html, [], prefix=PREFIX)
    assert plain_text(page) == plain_text(html)
    assert Reader(page).text == plain_text(html)
    assert re.sub(r'<span id="[^"]+">|</span>', "", page) == html


# Any passage, any marks: properties -----------------------------------------------------

WORDS = st.sampled_from(
    ["a", "bc,", "déf.", "😀;", "g.h", "it's:", "x&y", "“q,”", "abcdefghijklmnopq", "ok!"]
)
INLINE = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"**{w} {w}**"),
    WORDS.map(lambda w: f"*{w}*"),
    WORDS.map(lambda w: f"[{w} go](https://e.org/)"),
    st.just("line  \nbreak,"),
)
LINES = st.lists(INLINE, min_size=1, max_size=14).map(" ".join)
BLOCKS = st.one_of(
    LINES,
    LINES.map(lambda line: f"- {line}"),
    LINES.map(lambda line: f"> {line}"),
    st.just("---"),
)
PASSAGES = st.lists(BLOCKS, min_size=1, max_size=3).map("\n\n".join)


def _marks(data, text: str, count: int) -> list[Mark]:
    ends = st.integers(min_value=0, max_value=len(text))
    pairs = data.draw(st.lists(st.tuples(ends, ends), max_size=count))
    marks = [Mark(a, b, f"L{n}", ident=f"m{n}") for n, (a, b) in enumerate(pairs)]
    return sorted(marks, key=lambda m: (m.start, m.end, int(m.ident[1:])))  # as stored


@settings(deadline=None)  # a loaded machine: each example parses the page a few times
@given(source=PASSAGES, data=st.data())
def test_a_passage_in_pieces_reads_as_the_passage_drawn_whole(source, data):
    html = render_markdown(source)
    text = plain_text(html)
    marks = _marks(data, text, 6)

    page = annotate_in_pieces(html, marks, prefix=PREFIX)
    reader, whole = Reader(page), Reader(annotate(html, marks))

    assert reader.problems == []
    assert reader.text == text  # the pieces add elements, not text
    # The same elements of the source around each character, and a piece around the words.
    assert [tuple(t for t in s if t != "span") for s in reader.sources] == whole.sources
    assert reader.announcements() == whole.announcements()  # each mark announced once

    # The same words under each mark. White space at the end of a piece, after a mark that
    # goes on into the next piece, is white space alone in its piece, which is never marked.
    def words(covered: set[int]) -> set[int]:
        return {i for i in covered if not text[i].isspace()}

    for mark in marks:
        assert words(reader.covered_by(mark.ident)) == words(whole.covered_by(mark.ident)), mark
    assert all(m["text"].strip() for m in reader.marks)
    # A piece is never inside one of the source's inline elements, and every word is in one.
    soup = BeautifulSoup(page, "html.parser")
    found = soup.select(f"span[id^={PREFIX}]")
    assert not any(p.find_parent(list(PHRASING_TAGS)) for p in found)
    ids = [p["id"] for p in found]
    assert len(ids) == len(set(ids))
    in_pieces = "".join(p.get_text() for p in found)
    outside = "".join(s for s in soup.find_all(string=True) if not s.find_parent(id=ids))
    assert not outside.strip(), outside
    assert len(re.sub(r"\s", "", in_pieces)) >= len(re.sub(r"\s", "", text))


def _spliced(page: str, new: list) -> str:
    soup = BeautifulSoup(page, "html.parser")
    for piece in new:
        element = soup.find(id=piece.ident)
        element.clear()
        element.append(BeautifulSoup(piece.html, "html.parser"))
    return str(BeautifulSoup(str(soup), "html.parser"))


@settings(deadline=None)
@given(source=PASSAGES, data=st.data())
def test_the_pieces_a_highlight_touches_put_in_place_give_the_whole_page(source, data):
    html = render_markdown(source)
    text = plain_text(html)
    others = _marks(data, text, 8)
    ends = st.integers(min_value=0, max_value=len(text))
    a, b = sorted(data.draw(st.tuples(ends, ends)))
    added = Mark(a, b, "New", ident="m99")
    with_it = sorted([*others, added], key=lambda m: (m.start, m.end, int(m.ident[1:])))
    lo, hi = pieces_around(html, a, b)

    def redrawn(marks: list[Mark]) -> list:
        # What the answer reads: only the highlights over the pieces it draws again.
        near = [m for m in marks if m.start < hi and m.end > lo]
        return annotate_pieces(html, near, prefix=PREFIX, start=a, end=b)

    before = annotate_in_pieces(html, others, prefix=PREFIX)
    after = annotate_in_pieces(html, with_it, prefix=PREFIX)
    normal = str(BeautifulSoup(after, "html.parser"))

    # Saved (or changed): the page before, with the pieces of the answer, is the page after.
    assert _spliced(before, redrawn(with_it)) == normal
    # Removed: the other way.
    assert _spliced(after, redrawn(others)) == str(BeautifulSoup(before, "html.parser"))
    # And every piece it leaves alone is the same in both.
    touched = {p.ident for p in redrawn(with_it)}
    assert {i: t for i, t in pieces(before) if i not in touched} == {
        i: t for i, t in pieces(after) if i not in touched
    }
