"""Cases that pin down lessons/insights/scoring.py beyond test_scoring.py: verdicts against
every key span (not only the first), confusion counted on a single shared character, and the
exact errors for spans and segments that cannot exist. Pure: no database."""

import pytest

from lessons.insights.scoring import (
    KeyIndex,
    Scores,
    Span,
    Verdict,
    agreement,
    agreement_of_runs,
    classify,
    confusion,
    coverage_by_owner,
    found_key_spans,
    missed_key_spans,
    score,
    score_spans_only,
)

LOADED = "Loaded_Language"
DOUBT = "Doubt"
SLOGANS = "Slogans"


# --- spans -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5), (-1, 5)])
def test_a_span_that_covers_nothing_is_refused_naming_its_offsets(start, end):
    with pytest.raises(ValueError) as caught:
        Span(0, start, end, LOADED)
    assert str(caught.value) == f"A span needs 0 <= start < end, got [{start}, {end})."


# --- verdicts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "verdict"),
    [
        (Span(0, 40, 50, LOADED), Verdict.CORRECT),  # equal to the second key span
        (Span(0, 40, 60, LOADED), Verdict.CORRECT),  # Jaccard 10/20 with the second
        (Span(0, 45, 47, LOADED), Verdict.PARTIAL),  # inside the second
        (Span(0, 40, 50, DOUBT), Verdict.WRONG_TECHNIQUE),
        (Span(0, 70, 80, LOADED), Verdict.NOT_IN_KEY),
    ],
)
def test_a_span_is_judged_against_every_key_span_not_only_the_first(span, verdict):
    key = [Span(0, 0, 10, LOADED), Span(0, 40, 50, LOADED)]
    assert classify(span, key) == verdict


def test_a_span_overlapping_several_key_spans_of_other_techniques_is_the_wrong_technique():
    key = [Span(0, 0, 10, DOUBT), Span(0, 20, 30, SLOGANS), Span(1, 0, 40, LOADED)]
    assert classify(Span(0, 5, 25, LOADED), key) == Verdict.WRONG_TECHNIQUE


def test_a_partial_match_then_a_good_one_is_correct():
    key = [Span(0, 0, 100, LOADED), Span(0, 200, 210, DOUBT), Span(0, 40, 50, LOADED)]
    assert classify(Span(0, 40, 50, LOADED), key) == Verdict.CORRECT


# --- found and missed ------------------------------------------------------------------------


def test_one_shared_character_finds_a_key_span_and_touching_does_not():
    key = [Span(0, 10, 20, LOADED), Span(0, 30, 40, LOADED)]
    student = [Span(0, 19, 30, LOADED)]
    assert found_key_spans(student, key) == [Span(0, 10, 20, LOADED)]
    assert missed_key_spans(student, key) == [Span(0, 30, 40, LOADED)]


def test_a_key_listed_twice_is_found_and_missed_once():
    key = [Span(0, 10, 20, LOADED), Span(0, 10, 20, LOADED), Span(0, 30, 40, DOUBT)] * 2
    student = [Span(0, 10, 12, LOADED)]
    assert found_key_spans(student, key) == [Span(0, 10, 20, LOADED)]
    assert missed_key_spans(student, key) == [Span(0, 30, 40, DOUBT)]


# --- scores ----------------------------------------------------------------------------------


def test_a_student_span_partly_inside_a_key_span_gets_the_share_inside():
    # Student 5-15 against key 0-10: 5 of its 10 characters are in the key, and it covers
    # 5 of the key's 10.
    result = score([Span(0, 5, 15, LOADED)], [Span(0, 0, 10, LOADED)])
    assert (result.precision, result.recall) == (0.5, 0.5)
    # a key span nested in another of its technique is merged into it (the reference scorer)
    result = score([Span(0, 0, 10, LOADED)], [Span(0, 5, 15, LOADED), Span(0, 8, 9, LOADED)])
    assert (result.precision, result.recall, result.key_count) == (0.5, 0.5, 1)


def test_spans_only_counts_the_key_after_merging_across_techniques():
    key = [Span(0, 0, 10, LOADED), Span(0, 5, 15, DOUBT), Span(0, 20, 30, SLOGANS)]
    student = [Span(0, 0, 10, SLOGANS), Span(0, 5, 20, DOUBT)]
    assert score_spans_only(student, key) == Scores(0.75, 0.5, 0.6, 1, 2)


# --- a class at a glance ---------------------------------------------------------------------


def test_a_segment_of_negative_length_is_refused():
    with pytest.raises(ValueError) as caught:
        coverage_by_owner({}, 0, -1)
    assert str(caught.value) == "A segment cannot have a negative length."


def test_a_span_starting_at_the_end_of_the_segment_is_not_in_the_heat_map():
    owners = {"ann": [Span(0, 10, 15, LOADED)], "ben": [Span(0, 0, 10, LOADED)]}
    assert coverage_by_owner(owners, 0, 10) == [(0, 10, 1)]


@pytest.mark.parametrize(("n", "length"), [(1, 10), (0, 10), (2, 0), (3, -1)])
def test_agreement_needs_two_students_and_some_text(n, length):
    owners = {f"s{i}": [Span(0, 0, 5, LOADED)] for i in range(n)}
    assert agreement(owners, 0, length) is None
    assert agreement_of_runs([(0, 10, 1)], n, length) is None


def test_confusion_counts_a_student_span_against_a_key_span_it_shares_one_character_with():
    key = [Span(0, 0, 10, DOUBT)]
    assert confusion([[Span(0, 9, 20, LOADED)]], key) == {(DOUBT, LOADED): 1}
    assert confusion([[Span(0, 10, 20, LOADED)]], key) == {("", LOADED): 1, (DOUBT, ""): 1}


def test_the_key_index_counts_a_one_character_overlap_like_confusion():
    key = [Span(0, 0, 10, DOUBT), Span(1, 0, 10, SLOGANS)]
    students = [[Span(0, 9, 20, LOADED)], [], [Span(1, 0, 3, SLOGANS)]]
    assert (
        dict(KeyIndex(key).confusion(students))
        == confusion(students, key)
        == {
            (DOUBT, LOADED): 1,
            (DOUBT, ""): 2,
            (SLOGANS, ""): 2,
            (SLOGANS, SLOGANS): 1,
        }
    )
