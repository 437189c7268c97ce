"""Cases that pin down placing a highlight (lessons/library/anchoring.py) beyond
test_anchoring.py: the exact messages a student reads, repeats that overlap, and
re-anchoring a highlight in a changed text (`reanchor`), the rule that moves a class to a new
revision and keeps key spans on their words while an author edits. Pure: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.library.anchoring import (
    CONTEXT_CHECK,
    CONTEXT_LENGTH,
    AmbiguousQuote,
    Anchor,
    AnchorError,
    Unplaceable,
    anchor_at,
    locate,
    loose_occurrences,
    occurrence_of,
    occurrences,
    reanchor,
)

TEXT = "Our glorious leader says the traitors will fail. The traitors always fail."


def message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


def old(text: str, quote: str, occurrence: int = 1) -> Anchor:
    """The highlight a student made on the `occurrence`-th `quote` of `text`."""
    start, end = occurrences(text, quote)[occurrence - 1]
    return anchor_at(text, start, end)


def moved(anchor: Anchor, texts: list[str], **kwargs) -> tuple[int, int, str]:
    """Where `anchor` lands among `texts`: (passage, start, the words there)."""
    place = reanchor(anchor.quote, anchor.prefix, anchor.suffix, texts, **kwargs)
    return place.index, place.anchor.start, texts[place.index][place.anchor.start :]


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


# --- re-anchoring: the same words in a changed text ------------------------------------------

COLD_WAR = "In 1950 the long Cold War began in earnest across Europe."


def test_unchanged_words_stay_where_they_were_with_their_new_context():
    anchor = old(COLD_WAR, "Cold War")
    place = reanchor(anchor.quote, anchor.prefix, anchor.suffix, [COLD_WAR])
    assert place.index == 0
    assert place.anchor == anchor


def test_words_in_another_passage_of_the_new_revision_are_found_there():
    anchor = old(COLD_WAR, "Cold War")
    texts = ["A new first passage.", "Another one.", COLD_WAR]
    place = reanchor(anchor.quote, anchor.prefix, anchor.suffix, texts)
    assert (place.index, place.anchor.start, place.anchor.quote) == (2, 17, "Cold War")
    assert place.anchor.prefix == "In 1950 the long "
    assert place.anchor.suffix == " began in earnest across Europe."


def test_an_edit_far_from_the_words_does_not_matter():
    anchor = old(COLD_WAR, "Cold War")
    edited = "In 1949 the long Cold War began in earnest across Asia."
    assert moved(anchor, [edited])[:2] == (0, 17)


def test_words_that_are_gone_cannot_be_placed():
    anchor = old(COLD_WAR, "Cold War")
    with pytest.raises(Unplaceable) as caught:
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, ["In 1950 the long war began."])
    assert message(caught) == "the words are no longer in the text"
    with pytest.raises(Unplaceable, match="^the words are no longer in the text$"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, [])


def test_the_nearest_eight_characters_each_side_must_still_agree():
    assert CONTEXT_CHECK == 8
    anchor = old(COLD_WAR, "Cold War")  # prefix "In 1950 the long ", suffix " began in earnest..."
    nine_left = "In 1950 Xhe long Cold War began in earnest across Europe."
    nine_right = "In 1950 the long Cold War began iXXearnest across Europe."
    assert moved(anchor, [nine_left])[:2] == (0, 17)  # "he long " agrees: 8 characters
    assert moved(anchor, [nine_right])[:2] == (0, 17)  # " began i" agrees: 8 characters
    eight_left = "In 1950 tXe long Cold War began in earnest across Europe."
    eight_right = "In 1950 the long Cold War began Xn earnest across Europe."
    for text in (eight_left, eight_right):
        with pytest.raises(Unplaceable) as caught:
            reanchor(anchor.quote, anchor.prefix, anchor.suffix, [text])
        assert message(caught) == "the words around them have changed"


def test_the_character_right_next_to_the_words_counts():
    anchor = old(COLD_WAR, "Cold War")
    for text in (
        "In 1950 the longXCold War began in earnest across Europe.",
        "In 1950 the long Cold WarXbegan in earnest across Europe.",
    ):
        with pytest.raises(Unplaceable, match="words around them have changed"):
            reanchor(anchor.quote, anchor.prefix, anchor.suffix, [text])


def test_words_at_the_start_of_a_passage_agree_with_anything_before_them():
    anchor = old("Traitors always fail, says the paper.", "Traitors")
    assert anchor.prefix == ""
    assert moved(anchor, ["Beware. Traitors always fail, says the paper."])[:2] == (0, 8)


def test_words_at_the_end_of_a_passage_agree_with_anything_after_them():
    anchor = old("The paper says that all traitors", "traitors")
    assert anchor.suffix == ""
    assert moved(anchor, ["The paper says that all traitors fail."])[:2] == (0, 24)


def test_a_short_context_at_a_passage_edge_must_agree_whole():
    anchor = old("We traitors fail, and so do they.", "traitors")
    assert anchor.prefix == "We "
    assert moved(anchor, ["And We traitors fail, and so do they."])[:2] == (0, 7)
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, ["So e traitors fail, and so on."])


def test_text_cut_away_before_words_at_an_edge_is_one_changed_side():
    old_text = "And We traitors fail, and so do they."
    anchor = old(old_text, "traitors")
    new_text = "We traitors fail, and so do they."
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, [new_text])
    place = reanchor(anchor.quote, anchor.prefix, anchor.suffix, [new_text], old_text=old_text)
    assert (place.index, place.anchor.start) == (0, 3)


def test_text_cut_away_after_words_at_an_edge_is_one_changed_side():
    old_text = "They say all traitors fail"
    anchor = old(old_text, "traitors")
    new_text = "They say all traitors f"
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, [new_text])
    assert moved(anchor, [new_text], old_text=old_text)[:2] == (0, 13)


def test_one_changed_side_is_allowed_only_for_words_unique_before_and_after():
    old_text = "In 1950 the long Cold War began in earnest. Nobody won the Cold War."
    anchor = old(old_text, "Cold War")
    new_text = "In 1950 the long Cold War started."
    # The words were there twice: the change might have been to the other one.
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, [new_text], old_text=old_text)
    # Unique before, unique now: the unchanged side is enough.
    unique_old = "In 1950 the long Cold War began in earnest."
    anchor = old(unique_old, "Cold War")
    assert moved(anchor, [new_text], old_text=unique_old)[:2] == (0, 17)
    # Unique before, but twice now: which one is unknown.
    twice = "In 1950 the long Cold War started. Another Cold War."
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(anchor.quote, anchor.prefix, anchor.suffix, [twice], old_text=unique_old)


def test_both_sides_changed_is_refused_even_for_unique_words():
    unique_old = "In 1950 the long Cold War began in earnest."
    anchor = old(unique_old, "Cold War")
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(
            anchor.quote,
            anchor.prefix,
            anchor.suffix,
            ["Back then a Cold War started."],
            old_text=unique_old,
        )


def test_the_place_whose_context_agrees_longest_wins_whichever_side_agrees_more():
    anchor = old(COLD_WAR, "Cold War")
    # 10 characters agree on the left and 25 on the right: 35 in all
    better = "In 1991 the long Cold War began in earnest across Asia."
    # 17 on the left, 10 on the right: 27
    worse = "In 1950 the long Cold War began in haste."
    assert moved(anchor, [worse, better], preferred=0)[:2] == (1, 17)
    assert moved(anchor, [better, worse], preferred=1)[:2] == (0, 17)


def test_among_equally_good_places_the_same_passage_wins():
    text = "Everyone agrees with us. Join them!"
    anchor = old(text, "Join them")
    assert moved(anchor, [text, "Intro.", text], preferred=2)[0] == 2
    assert moved(anchor, [text, "Intro.", text], preferred=0)[0] == 0


def test_a_tie_the_same_passage_cannot_break_is_refused():
    text = "Everyone agrees with us. Join them!"
    anchor = old(text, "Join them")
    for preferred in (None, 1):
        with pytest.raises(Unplaceable) as caught:
            reanchor(
                anchor.quote, anchor.prefix, anchor.suffix, [text, "x", text], preferred=preferred
            )
        assert message(caught) == "the words now occur more than once in the same context"


def test_the_same_passage_is_not_preferred_over_a_better_place():
    text = "Everyone agrees with us. Join them!"
    anchor = old(text, "Join them")
    worse = "Somebody agrees with us. Join them!"  # 17 characters agree on the left, not 25
    assert moved(anchor, [worse, text], preferred=0)[:2] == (1, 25)
    assert moved(anchor, [text, worse], preferred=1)[:2] == (0, 25)


@given(
    st.text(alphabet="ab ", min_size=1, max_size=30),
    st.data(),
)
def test_in_an_unchanged_text_words_stay_put_unless_their_context_repeats(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, min(len(text), start + 4)))
    anchor = anchor_at(text, start, end)
    twins = [
        s
        for s, e in occurrences(text, anchor.quote)
        if s != start
        and anchor_at(text, s, e).prefix.endswith(anchor.prefix)
        and anchor_at(text, s, e).suffix.startswith(anchor.suffix)
    ]
    if twins:
        with pytest.raises(Unplaceable, match="more than once"):
            reanchor(anchor.quote, anchor.prefix, anchor.suffix, [text], old_text=text)
    else:
        place = reanchor(anchor.quote, anchor.prefix, anchor.suffix, [text], old_text=text)
        assert place.anchor == anchor
