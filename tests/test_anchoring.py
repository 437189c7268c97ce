import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.library.anchoring import (
    CONTEXT_LENGTH,
    EDGE_CHARS,
    AmbiguousQuote,
    AnchorError,
    locate,
    trim,
)

SCRIPT_A = "\N{MATHEMATICAL SCRIPT CAPITAL A}"
SCRIPT_S = "\N{MATHEMATICAL SCRIPT SMALL S}"
TEXT = "Our glorious leader says the traitors will fail. The traitors always fail."


def test_offsets_count_code_points_not_utf16_units():
    text = f"😀 Smile {SCRIPT_A}gree{SCRIPT_S}: our glorious leader 🇰🇵 says so."
    start = text.index("glorious leader")
    end = start + len("glorious leader")
    assert start == 20
    assert len(text[:start].encode("utf-16-le")) // 2 == 23  # what JavaScript would count

    by_quote = locate(text, "glorious leader")
    by_offsets = locate(text, "glorious leader", start=start, end=end)
    assert (by_quote.start, by_quote.end) == (start, end)
    assert (by_offsets.start, by_offsets.end) == (start, end)
    assert by_offsets.quote == text[start:end]

    after = locate(text, "says so")
    assert (after.start, after.end) == (39, 46)
    assert text[after.start : after.end] == "says so"


def test_a_quote_made_of_non_bmp_characters_is_one_index_per_character():
    text = f"Everyone {SCRIPT_A}gree{SCRIPT_S} 😀😀 with us"
    anchor = locate(text, f"{SCRIPT_A}gree{SCRIPT_S} 😀😀")
    assert (anchor.start, anchor.end) == (9, 18)
    assert anchor.prefix == "Everyone "
    assert anchor.suffix == " with us"


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, 5), (0, len(TEXT) + 1), (10, 10), (12, 4), (len(TEXT), len(TEXT) + 2)],
)
def test_offsets_outside_the_text_or_backwards_are_refused(start, end):
    with pytest.raises(AnchorError, match="outside this passage"):
        locate(TEXT, "", start=start, end=end)


@pytest.mark.parametrize(("start", "end"), [(4, None), (None, 19)])
def test_one_offset_alone_is_refused(start, end):
    with pytest.raises(AnchorError, match="Both ends"):
        locate(TEXT, "glorious", start=start, end=end)


def test_offsets_select_exactly_the_characters_between_them():
    anchor = locate(TEXT, "glorious leader", start=4, end=19)
    assert (anchor.start, anchor.end, anchor.quote) == (4, 19, "glorious leader")
    assert anchor.prefix == "Our "
    assert anchor.suffix == TEXT[19 : 19 + CONTEXT_LENGTH]


def test_offsets_must_match_the_quote_sent_with_them():
    with pytest.raises(AnchorError, match="do not match"):
        locate(TEXT, "glorious leaders", start=4, end=19)
    with pytest.raises(AnchorError, match="do not match"):
        locate(TEXT, "says the", start=4, end=19)


def test_the_quote_check_ignores_differences_in_white_space():
    text = "Our glorious\n  leader says so."
    anchor = locate(text, "glorious leader", start=4, end=21)
    assert anchor.quote == "glorious\n  leader"


def test_offsets_are_trimmed_of_white_space_and_punctuation_at_the_ends():
    start = TEXT.index("fail.") - 1
    end = TEXT.index("The traitors") + 4
    anchor = locate(TEXT, TEXT[start:end], start=start, end=end)
    assert TEXT[start:end] == " fail. The "
    assert anchor.quote == "fail. The"
    assert (anchor.start, anchor.end) == (start + 1, end - 1)

    text = "Yes: ,;.  words\u00a0.,:; here"
    anchor = locate(text, "", start=3, end=text.index("here"))
    assert anchor.quote == "words"


def test_a_selection_of_only_spaces_and_punctuation_is_refused():
    with pytest.raises(AnchorError, match="not only spaces"):
        locate("One. ,;: two", "", start=3, end=8)


def test_trim_shrinks_a_span_to_its_words():
    assert trim(" .a, b; ", 0, 8) == (2, 6)
    assert trim(" .;", 0, 3) == (3, 3)


def test_a_quote_alone_is_found_exactly():
    anchor = locate(TEXT, "glorious leader")
    assert (anchor.start, anchor.end) == (4, 19)


def test_a_quote_alone_is_trimmed_before_it_is_looked_for():
    anchor = locate(TEXT, "  glorious leader,  ")
    assert anchor.quote == "glorious leader"


def test_a_quote_alone_falls_back_to_ignoring_case_and_white_space():
    anchor = locate(TEXT, "GLORIOUS   Leader\nsays")
    assert anchor.quote == "glorious leader says"
    assert (anchor.start, anchor.end) == (4, 24)


def test_an_exact_match_wins_over_a_case_insensitive_one():
    text = "Traitors! said the traitors."
    anchor = locate(text, "traitors")
    assert anchor.start == text.index("traitors")


def test_a_quote_not_in_the_text_gets_a_clear_message():
    with pytest.raises(AnchorError) as caught:
        locate(TEXT, "beloved leader")
    assert not isinstance(caught.value, AmbiguousQuote)
    assert str(caught.value) == "“beloved leader” is not in this passage. Check the spelling."


@pytest.mark.parametrize("quote", ["", "   ", " .,; "])
def test_an_empty_quote_is_refused(quote):
    with pytest.raises(AnchorError, match="Type or select"):
        locate(TEXT, quote)


def test_a_repeated_quote_is_ambiguous_and_offers_each_place_with_context():
    with pytest.raises(AmbiguousQuote) as caught:
        locate(TEXT, "traitors")
    assert "2 times" in str(caught.value)
    first, second = caught.value.choices
    assert (first.start, first.end) == (29, 37)
    assert second.start == TEXT.index("traitors", 37)
    for choice in (first, second):
        assert choice.quote == "traitors"
        assert choice.prefix == TEXT[max(0, choice.start - CONTEXT_LENGTH) : choice.start]
        assert choice.suffix == TEXT[choice.end : choice.end + CONTEXT_LENGTH]
    assert first.prefix == "Our glorious leader says the "
    assert first.suffix == " will fail. The traitors always "
    assert second.suffix == " always fail."


def test_a_loosely_matched_repeated_quote_is_ambiguous_too():
    with pytest.raises(AmbiguousQuote) as caught:
        locate(TEXT, "TRAITORS")
    assert len(caught.value.choices) == 2


def test_an_occurrence_picks_the_nth_place():
    first = locate(TEXT, "traitors", occurrence=1)
    second = locate(TEXT, "traitors", occurrence=2)
    assert first.start == 29
    assert second.start == TEXT.index("traitors", 30)
    assert TEXT[second.start : second.end] == "traitors"


@pytest.mark.parametrize("occurrence", [0, 3, -1])
def test_an_occurrence_that_does_not_exist_is_refused(occurrence):
    with pytest.raises(AnchorError, match="occurrence"):
        locate(TEXT, "traitors", occurrence=occurrence)


def test_prefix_and_suffix_keep_at_most_32_characters():
    text = "x" * 100 + " the words " + "y" * 100
    anchor = locate(text, "the words")
    assert CONTEXT_LENGTH == 32
    assert anchor.prefix == "x" * 31 + " "
    assert anchor.suffix == " " + "y" * 31
    short = locate("a the words b", "the words")
    assert (short.prefix, short.suffix) == ("a ", " b")


characters = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from([*EDGE_CHARS, "😀", SCRIPT_A, SCRIPT_S, "🇰", "a", "b"]),
)


@st.composite
def text_and_span(draw):
    text = draw(st.text(alphabet=characters, min_size=1, max_size=60))
    start = draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = draw(st.integers(min_value=start + 1, max_value=len(text)))
    return text, start, end


@given(text_and_span())
def test_locating_any_selection_gives_a_trimmed_span_inside_it(case):
    text, start, end = case
    selected = text[start:end]
    if not selected.strip(EDGE_CHARS):
        with pytest.raises(AnchorError):
            locate(text, selected, start=start, end=end)
        return
    anchor = locate(text, selected, start=start, end=end)
    assert start <= anchor.start < anchor.end <= end
    assert anchor.quote == text[anchor.start : anchor.end]
    assert anchor.quote == selected.strip(EDGE_CHARS)
    assert anchor.quote[0] not in EDGE_CHARS
    assert anchor.quote[-1] not in EDGE_CHARS
    assert anchor.prefix == text[max(0, anchor.start - CONTEXT_LENGTH) : anchor.start]
    assert anchor.suffix == text[anchor.end : anchor.end + CONTEXT_LENGTH]
