"""Cases that pin down placing a highlight (lessons/library/anchoring.py) beyond
test_anchoring.py: the exact messages a student reads, repeats that overlap, loose matching
of typed quotes, and the context an anchor keeps. Pure: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.library.anchoring import (
    CONTEXT_LENGTH,
    AmbiguousQuote,
    Anchor,
    AnchorError,
    anchor_at,
    locate,
    loose_occurrences,
    occurrence_of,
    occurrences,
)

TEXT = "Our glorious leader says the traitors will fail. The traitors always fail."


def message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


# --- what the student reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"start": 4}, "Both ends of the selection are needed."),
        ({"end": 19}, "Both ends of the selection are needed."),
        ({"start": 0, "end": len(TEXT) + 1}, "That selection is outside this passage."),
        ({"start": 3, "end": 4}, "Select some words, not only spaces or punctuation."),
        (
            {"start": 4, "end": 12, "quote": "glorius"},
            "The selected words do not match the passage. Reload the page and try again.",
        ),
        ({"quote": " ., "}, "Type or select the words you want to highlight."),
        ({"quote": "traitors", "occurrence": 3}, "That occurrence of the words does not exist."),
    ],
)
def test_each_refusal_tells_the_student_exactly_what_to_do(kwargs, expected):
    kwargs = dict(kwargs)
    quote = kwargs.pop("quote", "")
    with pytest.raises(AnchorError) as caught:
        locate(TEXT, quote, **kwargs)
    assert message(caught) == expected


def test_an_ambiguous_quote_says_how_often_it_occurs():
    with pytest.raises(AmbiguousQuote) as caught:
        locate("war and war and war", "war")
    assert (
        message(caught) == "These words appear 3 times in this passage. Choose which one you mean."
    )
    assert [(c.start, c.end) for c in caught.value.choices] == [(0, 3), (8, 11), (16, 19)]


# --- repeats ---------------------------------------------------------------------------------


def test_repeats_that_overlap_are_each_an_occurrence():
    assert occurrences("ha ha ha ha", "ha ha") == [(0, 5), (3, 8), (6, 11)]
    assert occurrences("aaaa", "aa") == [(0, 2), (1, 3), (2, 4)]


def test_a_quote_is_found_up_to_the_very_end_of_the_text():
    assert occurrences("no, no", "no") == [(0, 2), (4, 6)]
    assert occurrences("x", "x") == [(0, 1)]


def test_an_empty_quote_or_one_not_in_the_text_occurs_nowhere():
    assert occurrences("anything", "") == []
    assert occurrences("anything", "nothing") == []
    assert occurrences("", "a") == []


def test_the_nth_occurrence_of_overlapping_repeats_is_the_nth_start():
    text = "ha ha ha ha"
    assert locate(text, "ha ha", occurrence=2).start == 3
    assert locate(text, "ha ha", occurrence=3).start == 6
    assert [occurrence_of(text, "ha ha", start) for start in (0, 3, 6)] == [1, 2, 3]


def test_occurrence_of_refuses_a_start_where_the_words_are_not():
    with pytest.raises(ValueError):
        occurrence_of("ha ha ha", "ha", 1)


def test_loose_matching_ignores_case_and_runs_of_white_space_only():
    text = "The  Traitors\nwill FAIL. the traitors will fail."
    assert loose_occurrences(text, "traitors   WILL fail") == [(5, 23), (29, 47)]
    assert loose_occurrences(text, "traitorswill") == []
    assert loose_occurrences(text, " \n ") == []
    assert loose_occurrences("a.b axb", "a.b") == [(0, 3)]  # the quote is not a pattern


@given(st.text(alphabet="ab ", max_size=12), st.text(alphabet="ab", min_size=1, max_size=3))
def test_occurrences_are_every_place_the_words_start(text, quote):
    expected = [(i, i + len(quote)) for i in range(len(text)) if text.startswith(quote, i)]
    assert occurrences(text, quote) == expected


# --- anchors and their context ---------------------------------------------------------------


def test_an_anchor_keeps_32_characters_of_context_each_side_and_less_at_the_edges():
    text = "".join(chr(ord("A") + i % 26) for i in range(40)) + "WORDS" + "z" * 40
    anchor = anchor_at(text, 40, 45)
    assert anchor == Anchor(40, 45, "WORDS", text[8:40], "z" * CONTEXT_LENGTH)
    assert anchor_at("WORDS", 0, 5) == Anchor(0, 5, "WORDS", "", "")
