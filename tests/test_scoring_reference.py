"""The scores of `scoring.score` against examples computed by hand, as the SemEval-2020 Task 11
FLC scorer computes them (overlapping spans of one technique merged on both sides; 0 where
there is nothing to divide by). docs/scoring.md walks a teacher through the same examples."""

import pytest

from lessons.insights.scoring import (
    KeyIndex,
    Span,
    missed_key_spans,
    other_technique_key_spans,
    score,
)

AUTHORITY = "Appeal_to_Authority"
DOUBT = "Doubt"
LOADED = "Loaded_Language"
REPETITION = "Repetition"
SLOGANS = "Slogans"
FLAG = "Flag-Waving"


def figures(student, key):
    result = score(student, key)
    return (
        round(result.precision, 4),
        round(result.recall, 4),
        round(result.f1, 4),
        result.student_count,
        result.key_count,
    )


def test_no_highlights_scores_zero_and_says_there_is_nothing_to_divide_by():
    assert figures([], [Span(0, 0, 10, LOADED)]) == (0.0, 0.0, 0.0, 0, 1)


def test_no_key_scores_zero():
    assert figures([Span(0, 0, 10, LOADED)], []) == (0.0, 0.0, 0.0, 1, 0)


def test_both_empty_is_f1_one_with_zero_precision_and_recall():
    assert figures([], []) == (0.0, 0.0, 1.0, 0, 0)


def test_overlapping_key_spans_of_one_technique_are_merged():
    # key 0-10 and 5-15 become 0-15; the student's 0-10: P = 10/10, R = 10/15
    assert figures([Span(0, 0, 10, LOADED)], [Span(0, 0, 10, LOADED), Span(0, 5, 15, LOADED)]) == (
        1.0,
        0.6667,
        0.8,
        1,
        1,
    )


def test_nested_key_spans_of_one_technique_are_merged():
    # key 0-20 with 5-10 inside it is one span 0-20; the student's 5-10: P = 1, R = 5/20
    key = [Span(0, 0, 20, DOUBT), Span(0, 5, 10, DOUBT)]
    assert figures([Span(0, 5, 10, DOUBT)], key) == (1.0, 0.25, 0.4, 1, 1)


def test_overlapping_key_spans_of_two_techniques_stay_apart():
    key = [Span(0, 0, 10, LOADED), Span(0, 5, 15, DOUBT)]
    # only the Loaded_Language span is found: P = 1, R = (1 + 0) / 2
    assert figures([Span(0, 0, 10, LOADED)], key) == (1.0, 0.5, 0.6667, 1, 2)


def test_duplicate_highlights_and_duplicate_key_spans_count_once():
    student = [Span(0, 0, 10, LOADED), Span(0, 0, 10, LOADED)]
    key = [Span(0, 0, 10, LOADED), Span(0, 0, 10, LOADED), Span(0, 30, 40, LOADED)]
    assert figures(student, key) == (1.0, 0.5, 0.6667, 1, 2)


def worked_example() -> tuple[list[Span], list[Span]]:
    """TECHNIQUES.md's worked example: eight key spans, three highlights."""
    key = [
        Span(0, 265, 323, AUTHORITY),
        Span(0, 149, 157, DOUBT),
        Span(0, 400, 420, REPETITION),
        Span(0, 10, 30, LOADED),
        Span(0, 40, 60, SLOGANS),
        Span(0, 70, 90, FLAG),
        Span(1, 0, 20, LOADED),
        Span(1, 30, 50, DOUBT),
    ]
    student = [
        Span(0, 265, 294, AUTHORITY),  # 29 of the key span's 58 characters
        Span(0, 140, 160, DOUBT),  # covers the whole 8-character key span, 20 characters
        Span(0, 400, 420, LOADED),  # the right words, another technique
    ]
    return student, key


def test_the_worked_example_of_techniques_md():
    student, key = worked_example()
    # P = (29/29 + 8/20 + 0) / 3, R = (29/58 + 8/8) / 8
    assert figures(student, key) == (0.4667, 0.1875, 0.2675, 3, 8)
    assert KeyIndex(key).score(student) == score(student, key)


def test_the_worked_examples_key_span_found_with_another_technique_is_not_missed():
    student, key = worked_example()
    assert other_technique_key_spans(student, key) == [Span(0, 400, 420, REPETITION)]
    assert Span(0, 400, 420, REPETITION) not in missed_key_spans(student, key)
    assert len(missed_key_spans(student, key)) == 5
    assert KeyIndex(key).other_technique(student) == [Span(0, 400, 420, REPETITION)]


@pytest.mark.parametrize(
    "student",
    [[], [Span(0, 0, 5, LOADED)], [Span(0, 0, 10, LOADED), Span(0, 5, 15, LOADED)]],
)
def test_the_class_index_agrees_with_the_merged_measure(student):
    key = [Span(0, 0, 10, LOADED), Span(0, 5, 15, LOADED), Span(1, 0, 4, DOUBT)]
    assert KeyIndex(key).score(student) == score(student, key)
