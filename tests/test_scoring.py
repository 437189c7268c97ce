"""The partial-overlap measure of Da San Martino et al. (EMNLP 2019, SemEval-2020 Task 11) and
the class views built on it (lessons/scoring.py)."""

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    merge_spans,
    missed_key_spans,
    other_technique_key_spans,
    overlap,
    per_technique,
    score,
    score_spans_only,
)

LOADED = "Loaded_Language"
DOUBT = "Doubt"
SLOGANS = "Slogans"
NAME_CALLING = "Name_Calling,Labeling"
FLAG_WAVING = "Flag-Waving"
AUTHORITY = "Appeal_to_Authority"


def approx(value: float) -> object:
    return pytest.approx(value, abs=5e-5)


def assert_scores(result: Scores, precision: float, recall: float, f1: float) -> None:
    assert (result.precision, result.recall, result.f1) == (
        approx(precision),
        approx(recall),
        approx(f1),
    )


# --- the worked example of TECHNIQUES.md -----------------------------------------------------

WORKED_KEY = [
    Span(0, 265, 323, AUTHORITY),
    Span(0, 149, 157, DOUBT),
    Span(0, 400, 420, "Repetition"),
    Span(0, 10, 40, FLAG_WAVING),
    Span(0, 60, 80, NAME_CALLING),
    Span(0, 200, 230, "Exaggeration,Minimisation"),
    Span(0, 500, 520, SLOGANS),
    Span(0, 600, 650, "Causal_Oversimplification"),
]
WORKED_STUDENT = [
    Span(0, 265, 294, AUTHORITY),
    Span(0, 140, 160, DOUBT),
    Span(0, 400, 420, LOADED),  # on the Repetition span: the wrong technique
]


def test_the_worked_example_of_techniques_md_scores_as_hand_checked():
    result = score(WORKED_STUDENT, WORKED_KEY)

    # P = (29/29 + 8/20 + 0) / 3, R = (29/58 + 8/8) / 8
    assert result.precision == pytest.approx(0.4667, abs=5e-5)
    assert result.recall == pytest.approx(0.1875, abs=5e-5)
    assert result.f1 == pytest.approx(0.2675, abs=5e-5)
    assert (result.student_count, result.key_count) == (3, 8)


def test_the_worked_example_scores_higher_when_techniques_are_ignored():
    # P = (29/29 + 8/20 + 20/20) / 3, R = (29/58 + 8/8 + 20/20) / 8
    result = score_spans_only(WORKED_STUDENT, WORKED_KEY)

    assert_scores(result, 0.8, 0.3125, 2 * 0.8 * 0.3125 / (0.8 + 0.3125))
    assert (result.student_count, result.key_count) == (3, 8)


# --- spans and merging -----------------------------------------------------------------------


def test_a_span_must_cover_at_least_one_character():
    with pytest.raises(ValueError):
        Span(0, 5, 5, LOADED)
    with pytest.raises(ValueError):
        Span(0, 6, 5, LOADED)
    with pytest.raises(ValueError):
        Span(0, -1, 5, LOADED)


def test_overlap_counts_shared_characters_only_within_one_segment():
    assert overlap(Span(0, 0, 10, LOADED), Span(0, 5, 20, DOUBT)) == 5
    assert overlap(Span(0, 0, 10, LOADED), Span(0, 10, 20, LOADED)) == 0
    assert overlap(Span(0, 0, 10, LOADED), Span(1, 0, 10, LOADED)) == 0
    assert overlap(Span(0, 2, 4, LOADED), Span(0, 0, 10, LOADED)) == 2


def test_merging_joins_duplicates_nested_and_overlapping_spans_of_one_technique():
    spans = [
        Span(0, 0, 10, LOADED),
        Span(0, 0, 10, LOADED),
        Span(0, 2, 4, LOADED),
        Span(0, 8, 15, LOADED),
        Span(0, 15, 20, LOADED),  # touches, shares no character: stays apart
        Span(0, 5, 12, DOUBT),
        Span(1, 0, 3, LOADED),
    ]

    assert merge_spans(spans) == [
        Span(0, 0, 15, LOADED),
        Span(0, 5, 12, DOUBT),
        Span(0, 15, 20, LOADED),
        Span(1, 0, 3, LOADED),
    ]
    assert merge_spans(spans, ignore_technique=True) == [
        Span(0, 0, 15, ""),
        Span(0, 15, 20, ""),
        Span(1, 0, 3, ""),
    ]


def test_a_student_highlighting_the_same_words_twice_earns_no_extra_credit():
    key = [Span(0, 0, 10, LOADED), Span(0, 20, 30, LOADED)]
    once = score([Span(0, 0, 10, LOADED)], key)
    twice = score([Span(0, 0, 10, LOADED), Span(0, 0, 10, LOADED), Span(0, 2, 5, LOADED)], key)

    assert once == twice
    assert_scores(once, 1.0, 0.5, 2 / 3)


def test_a_long_span_covering_two_key_spans_earns_credit_from_both():
    key = [Span(0, 0, 10, LOADED), Span(0, 20, 30, LOADED)]

    # P = (10/40 + 10/40) / 1, R = (10/10 + 10/10) / 2
    assert_scores(score([Span(0, 0, 40, LOADED)], key), 0.5, 1.0, 2 / 3)


def test_key_spans_of_one_technique_that_overlap_are_merged_as_the_reference_scorer_does():
    key = [Span(0, 0, 10, LOADED), Span(0, 0, 10, LOADED), Span(0, 5, 15, LOADED)]
    result = score([Span(0, 0, 15, LOADED)], key)

    assert_scores(result, 1.0, 1.0, 1.0)
    assert result.key_count == 1  # one merged key span, 0-15


# --- spans only ------------------------------------------------------------------------------


def test_spans_only_merges_overlapping_key_spans_whatever_their_technique():
    key = [Span(0, 0, 10, LOADED), Span(0, 5, 15, NAME_CALLING), Span(0, 30, 40, SLOGANS)]
    result = score_spans_only([Span(0, 0, 15, DOUBT)], key)

    assert_scores(result, 1.0, 0.5, 2 / 3)
    assert (result.student_count, result.key_count) == (1, 2)


def test_spans_only_merges_the_students_spans_whatever_their_technique():
    key = [Span(0, 0, 10, LOADED)]
    student = [Span(0, 0, 10, DOUBT), Span(0, 5, 20, SLOGANS)]
    result = score_spans_only(student, key)

    # one merged student span 0-20: P = 10/20, R = 10/10
    assert_scores(result, 0.5, 1.0, 2 / 3)
    assert result.student_count == 1


# --- empty sets ------------------------------------------------------------------------------


@pytest.mark.parametrize("measure", [score, score_spans_only])
def test_no_key_and_no_highlights_is_f1_one_with_nothing_to_divide_by(measure):
    # the reference scorer: P = R = 0 where there is nothing to divide by, F1 = 1 when both
    # sides are empty
    assert measure([], []) == Scores(0.0, 0.0, 1.0, 0, 0)


@pytest.mark.parametrize("measure", [score, score_spans_only])
def test_no_highlights_scores_zero(measure):
    assert measure([], [Span(0, 0, 5, LOADED)]) == Scores(0.0, 0.0, 0.0, 0, 1)


@pytest.mark.parametrize("measure", [score, score_spans_only])
def test_highlights_against_an_empty_key_score_zero(measure):
    assert measure([Span(0, 0, 5, LOADED)], []) == Scores(0.0, 0.0, 0.0, 1, 0)


def test_precision_and_recall_of_zero_give_an_f1_of_zero():
    result = score([Span(0, 0, 5, LOADED)], [Span(0, 0, 5, DOUBT)])

    assert result == Scores(0.0, 0.0, 0.0, 1, 1)


# --- per technique ---------------------------------------------------------------------------


def test_per_technique_scores_each_technique_against_its_own_key_spans():
    key = [Span(0, 0, 10, LOADED), Span(0, 20, 30, LOADED), Span(0, 40, 50, DOUBT)]
    student = [Span(0, 0, 10, LOADED), Span(0, 60, 70, SLOGANS)]
    result = per_technique(student, key)

    assert set(result) == {LOADED, DOUBT, SLOGANS}
    assert result[LOADED] == Scores(1.0, 0.5, pytest.approx(2 / 3), 1, 2)
    assert result[DOUBT] == Scores(0.0, 0.0, 0.0, 0, 1)  # only in the key: missed
    assert result[SLOGANS] == Scores(0.0, 0.0, 0.0, 1, 0)  # only in the student's spans


def test_per_technique_of_nothing_is_empty():
    assert per_technique([], []) == {}


# --- found and missed ------------------------------------------------------------------------


def test_found_and_missed_key_spans_split_the_key_in_key_order():
    key = [
        Span(0, 40, 50, DOUBT),
        Span(0, 0, 10, LOADED),
        Span(1, 0, 10, LOADED),
        Span(0, 20, 30, SLOGANS),
    ]
    student = [
        Span(0, 9, 12, LOADED),  # one character of the first Loaded_Language span is enough
        Span(0, 20, 30, DOUBT),  # the right words, the wrong technique
        Span(0, 50, 60, DOUBT),  # touches the Doubt span, shares no character
    ]

    assert found_key_spans(student, key) == [Span(0, 0, 10, LOADED)]
    assert other_technique_key_spans(student, key) == [Span(0, 20, 30, SLOGANS)]
    # a key span highlighted with another technique is not also missed
    assert missed_key_spans(student, key) == [Span(0, 40, 50, DOUBT), Span(1, 0, 10, LOADED)]


# --- verdicts --------------------------------------------------------------------------------

VERDICT_KEY = [Span(0, 10, 20, LOADED), Span(0, 40, 60, DOUBT), Span(0, 100, 200, SLOGANS)]


@pytest.mark.parametrize(
    ("span", "verdict"),
    [
        (Span(0, 10, 20, LOADED), Verdict.CORRECT),
        (Span(0, 10, 25, LOADED), Verdict.CORRECT),  # Jaccard 10/15
        (Span(0, 10, 30, LOADED), Verdict.CORRECT),  # Jaccard exactly 0.5
        (Span(0, 12, 16, LOADED), Verdict.PARTIAL),  # Jaccard 4/10
        (Span(0, 15, 40, LOADED), Verdict.PARTIAL),  # Jaccard 5/30
        (Span(0, 15, 45, LOADED), Verdict.PARTIAL),  # also touches Doubt: its own technique wins
        (Span(0, 10, 20, DOUBT), Verdict.WRONG_TECHNIQUE),
        (Span(0, 15, 50, SLOGANS), Verdict.WRONG_TECHNIQUE),
        (Span(0, 20, 40, LOADED), Verdict.NOT_IN_KEY),  # touches both, shares nothing
        (Span(1, 10, 20, LOADED), Verdict.NOT_IN_KEY),  # another segment
    ],
)
def test_each_student_span_gets_a_verdict(span, verdict):
    assert classify(span, VERDICT_KEY) == verdict


def test_the_best_matching_key_span_decides_the_verdict():
    key = [Span(0, 0, 100, LOADED), Span(0, 10, 20, LOADED)]

    assert classify(Span(0, 10, 20, LOADED), key) == Verdict.CORRECT


def test_nothing_is_in_an_empty_key():
    assert classify(Span(0, 0, 5, LOADED), []) == Verdict.NOT_IN_KEY


def test_verdicts_are_strings_for_templates():
    assert Verdict.WRONG_TECHNIQUE == "wrong_technique"


# --- coverage (the heat map) -----------------------------------------------------------------


def test_coverage_counts_students_per_run_and_tiles_the_segment():
    owners = {
        "ann": [Span(0, 2, 8, LOADED), Span(0, 5, 10, DOUBT)],  # overlapping: counts once
        "ben": [Span(0, 5, 12, LOADED)],
        "cat": [],
        "dan": [Span(1, 0, 20, LOADED)],  # another segment
        "eve": [Span(0, 15, 30, SLOGANS)],  # runs past the end: clipped
    }

    assert coverage_by_owner(owners, 0, 20) == [
        (0, 2, 0),
        (2, 5, 1),
        (5, 10, 2),
        (10, 12, 1),
        (12, 15, 0),
        (15, 20, 1),
    ]


def test_coverage_joins_neighbouring_runs_with_the_same_count():
    touching_owners = {"ann": [Span(0, 0, 5, LOADED)], "ben": [Span(0, 5, 10, DOUBT)]}
    touching_spans = {"ann": [Span(0, 0, 5, LOADED), Span(0, 5, 10, LOADED)]}

    assert coverage_by_owner(touching_owners, 0, 20) == [(0, 10, 1), (10, 20, 0)]
    assert coverage_by_owner(touching_spans, 0, 20) == [(0, 10, 1), (10, 20, 0)]


def test_coverage_of_an_untouched_or_empty_segment():
    assert coverage_by_owner({}, 0, 7) == [(0, 7, 0)]
    assert coverage_by_owner({"ann": [Span(0, 0, 5, LOADED)]}, 0, 0) == []
    assert coverage_by_owner({"ann": [Span(0, 0, 5, LOADED)]}, 0, 5) == [(0, 5, 1)]


# --- agreement -------------------------------------------------------------------------------


def test_students_who_highlight_the_same_words_agree_fully():
    same = {"ann": [Span(0, 3, 9, LOADED)], "ben": [Span(0, 3, 9, DOUBT)], "cat": []}
    none = {"ann": [], "ben": []}

    assert agreement({"ann": same["ann"], "ben": same["ben"]}, 0, 20) == 1.0
    assert agreement(none, 0, 20) == 1.0


def test_two_students_who_agree_on_half_the_characters_agree_half_the_time():
    # characters 0-5: both highlighted, (2·1 + 0) / 2 = 1; characters 5-10: one did, 0
    owners = {"ann": [Span(0, 0, 10, LOADED)], "ben": [Span(0, 0, 5, LOADED)]}

    assert agreement(owners, 0, 10) == pytest.approx(0.5)


def test_agreement_counts_students_who_highlighted_nothing():
    # n = 3, k = 1 everywhere: (0 + 2·1) / (3·2) = 1/3
    owners = {"ann": [Span(0, 0, 10, LOADED)], "ben": [], "cat": []}

    assert agreement(owners, 0, 10) == pytest.approx(1 / 3)


def test_agreement_needs_two_students_and_some_text():
    assert agreement({"ann": [Span(0, 0, 5, LOADED)]}, 0, 10) is None
    assert agreement({}, 0, 10) is None
    assert agreement({"ann": [], "ben": []}, 0, 0) is None
    assert agreement_of_runs([(0, 10, 1)], 1, 10) is None
    assert agreement_of_runs([], 2, 0) is None


def test_agreement_of_runs_already_swept_is_agreement():
    owners = {"ann": [Span(0, 0, 10, LOADED)], "ben": [Span(0, 0, 5, LOADED)], "cat": []}

    runs = coverage_by_owner(owners, 0, 20)

    assert agreement_of_runs(runs, 3, 20) == agreement(owners, 0, 20)


# --- confusion -------------------------------------------------------------------------------


def test_confusion_counts_each_student_span_against_the_key_span_it_overlaps_most():
    key = [Span(0, 0, 10, LOADED), Span(0, 20, 30, DOUBT), Span(0, 50, 60, SLOGANS)]
    first = [
        Span(0, 0, 10, LOADED),
        Span(0, 22, 35, NAME_CALLING),
        Span(0, 40, 45, FLAG_WAVING),  # overlaps no key span
    ]
    second = [
        Span(0, 5, 25, LOADED),  # 5 characters of each: the first in key order wins
        Span(0, 6, 8, LOADED),  # nested: merged away
    ]

    assert confusion([first, second], key) == {
        (LOADED, LOADED): 2,
        (DOUBT, NAME_CALLING): 1,
        ("", FLAG_WAVING): 1,
        (SLOGANS, ""): 2,  # missed by both students
    }


def test_confusion_breaks_ties_by_key_order():
    key = [Span(0, 20, 30, DOUBT), Span(0, 0, 10, LOADED)]

    assert confusion([[Span(0, 5, 25, LOADED)]], key) == {(DOUBT, LOADED): 1}


def test_confusion_picks_the_largest_overlap():
    key = [Span(0, 0, 10, DOUBT), Span(0, 10, 30, LOADED)]

    assert confusion([[Span(0, 8, 20, LOADED)]], key) == {(LOADED, LOADED): 1}


# --- properties ------------------------------------------------------------------------------

TECHNIQUES = [LOADED, DOUBT, SLOGANS]


@st.composite
def spans(draw, max_offset: int = 30, max_length: int = 10) -> Span:
    start = draw(st.integers(0, max_offset))
    return Span(
        segment=draw(st.integers(0, 2)),
        start=start,
        end=start + draw(st.integers(1, max_length)),
        technique=draw(st.sampled_from(TECHNIQUES)),
    )


span_lists = st.lists(spans(), max_size=8)
nonempty_span_lists = st.lists(spans(), min_size=1, max_size=8)


@st.composite
def disjoint_student_and_key(draw) -> tuple[list[Span], list[Span]]:
    """Two non-empty sets of spans that share no character, interleaved along the text."""
    student: list[Span] = []
    key: list[Span] = []
    position = 0
    for _ in range(draw(st.integers(2, 10))):
        start = position + draw(st.integers(0, 5))
        end = start + draw(st.integers(1, 8))
        span = Span(draw(st.integers(0, 1)), start, end, draw(st.sampled_from(TECHNIQUES)))
        position = span.end
        (student if draw(st.booleans()) else key).append(span)
    if not student:
        student.append(key.pop())
    if not key:
        key.append(student.pop())
    return student, key


def characters(spans_: list[Span], *, ignore_technique: bool = False) -> set[tuple]:
    return {
        (s.segment, "" if ignore_technique else s.technique, i)
        for s in spans_
        for i in range(s.start, s.end)
    }


def all_scores(student: list[Span], key: list[Span]) -> list[Scores]:
    return [
        score(student, key),
        score_spans_only(student, key),
        *per_technique(student, key).values(),
    ]


@given(span_lists, span_lists)
def test_scores_stay_between_zero_and_one(student, key):
    for result in all_scores(student, key):
        for value in (result.precision, result.recall, result.f1):
            assert 0.0 <= value <= 1.0


@given(span_lists)
def test_identical_sets_score_one(spans_):
    expected = (1.0, 1.0, 1.0) if spans_ else (0.0, 0.0, 1.0)  # both empty: nothing to divide
    assert_scores(score(spans_, spans_), *expected)
    assert_scores(score_spans_only(spans_, spans_), *expected)


@given(disjoint_student_and_key())
def test_sets_that_share_no_character_score_zero(case):
    student, key = case

    assert_scores(score(student, key), 0.0, 0.0, 0.0)
    assert_scores(score_spans_only(student, key), 0.0, 0.0, 0.0)


@given(nonempty_span_lists, span_lists, st.data())
def test_a_duplicate_or_nested_student_span_changes_no_score(student, key, data):
    chosen = data.draw(st.sampled_from(student))
    trim_start = data.draw(st.integers(0, len(chosen) - 1))
    trim_end = data.draw(st.integers(0, len(chosen) - 1 - trim_start))
    nested = Span(
        chosen.segment, chosen.start + trim_start, chosen.end - trim_end, chosen.technique
    )
    extra = data.draw(st.sampled_from([chosen, nested]))
    more = [*student, extra]

    assert score(more, key) == score(student, key)
    assert score_spans_only(more, key) == score_spans_only(student, key)
    assert per_technique(more, key) == per_technique(student, key)


@given(span_lists, span_lists)
def test_the_score_is_the_published_formula_when_key_spans_of_a_technique_are_apart(student, key):
    merged_key = merge_spans(key)  # a key whose spans of one technique never overlap
    merged = merge_spans(student)
    if not merged or not merged_key:
        return
    same = [(s, t) for s in merged for t in merged_key if s.technique == t.technique]
    precision = sum(overlap(s, t) / len(s) for s, t in same) / len(merged)
    recall = sum(overlap(s, t) / len(t) for s, t in same) / len(merged_key)
    result = score(student, merged_key)

    assert (result.precision, result.recall) == (
        pytest.approx(precision),
        pytest.approx(recall),
    )


@given(span_lists, st.booleans())
def test_merging_is_idempotent_and_keeps_the_covered_characters(spans_, ignore_technique):
    merged = merge_spans(spans_, ignore_technique=ignore_technique)

    assert merge_spans(merged, ignore_technique=ignore_technique) == merged
    assert merged == sorted(merged)
    assert characters(merged) == characters(spans_, ignore_technique=ignore_technique)
    for a, b in pairwise(merged):
        assert overlap(a, b) == 0 or a.technique != b.technique


@given(st.dictionaries(st.integers(0, 5), span_lists, max_size=6), st.integers(0, 45))
def test_coverage_runs_tile_the_segment_and_count_each_student_once(owners, length):
    runs = coverage_by_owner(owners, 0, length)

    boundaries = [0, *(end for _, end, _ in runs)]
    assert [start for start, _, _ in runs] == boundaries[:-1]
    assert boundaries[-1] == length
    for start, end, k in runs:
        assert start < end
        assert 0 <= k <= len(owners)
        for i in (start, end - 1):
            assert k == sum(
                any(s.segment == 0 and s.start <= i < s.end for s in spans_)
                for spans_ in owners.values()
            )
    for before, after in pairwise(runs):
        assert before[2] != after[2]


@given(st.dictionaries(st.integers(0, 5), span_lists, max_size=6), st.integers(0, 45))
def test_agreement_stays_between_zero_and_one(owners, length):
    result = agreement(owners, 0, length)

    if len(owners) < 2 or length == 0:
        assert result is None
    else:
        assert 0.0 <= result <= 1.0


@given(st.lists(span_lists, max_size=5), span_lists)
def test_confusion_counts_every_merged_student_span_once(owners_spans, key):
    counts = confusion(owners_spans, key)

    assert sum(n for (_, student), n in counts.items() if student) == sum(
        len(merge_spans(spans_)) for spans_ in owners_spans
    )
    assert all(n > 0 for n in counts.values())


# Wider than `span_lists`: up to 12 spans, longer, over three segments.
class_span_lists = st.lists(
    st.builds(
        lambda segment, start, length, technique: Span(segment, start, start + length, technique),
        st.integers(1, 3),
        st.integers(0, 40),
        st.integers(1, 15),
        st.sampled_from(TECHNIQUES),
    ),
    max_size=12,
)


@given(st.dictionaries(st.integers(1, 6), class_span_lists, max_size=6), st.integers(0, 60))
def test_agreement_is_the_mean_over_characters_of_pairs_that_agree(owners, length):
    n = len(owners)
    result = agreement(owners, 2, length)

    if n < 2 or length == 0:
        assert result is None
        return
    per_character = []
    for i in range(length):
        k = sum(
            any(s.segment == 2 and s.start <= i < s.end for s in spans_)
            for spans_ in owners.values()
        )
        per_character.append((k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1)))
    assert result == pytest.approx(sum(per_character) / length)


# --- a whole class against one key (KeyIndex) ------------------------------------------------


@given(student=class_span_lists, other=class_span_lists, key=class_span_lists)
def test_the_key_index_scores_exactly_as_scoring_against_the_whole_key(student, other, key):
    index = KeyIndex(key)

    for fast, slow in [
        (index.score(student), score(student, key)),
        (index.score_spans_only(student), score_spans_only(student, key)),
    ]:
        assert fast.precision == pytest.approx(slow.precision)
        assert fast.recall == pytest.approx(slow.recall)
        assert fast.f1 == pytest.approx(slow.f1)
        assert (fast.student_count, fast.key_count) == (slow.student_count, slow.key_count)
    assert sorted(index.found(student)) == sorted(found_key_spans(student, key))
    assert dict(+index.confusion([student, other])) == confusion([student, other], key)


def test_the_key_index_rescales_recall_to_the_whole_key():
    key = [Span(0, 0, 10, LOADED), Span(1, 0, 10, DOUBT), Span(2, 0, 10, SLOGANS)]
    student = [Span(0, 0, 10, LOADED)]

    scores = KeyIndex(key).score(student)

    assert_scores(scores, 1.0, 1 / 3, 0.5)
    assert (scores.student_count, scores.key_count) == (1, 3)
