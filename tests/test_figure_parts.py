"""A student's figures made of parts (`lessons.insights.figures`): the parts of all their
highlights give the figures `scoring` gives against the whole key; and after any sequence
of highlights added, changed and removed, the parts kept up to date write by write (each
write computing anew only the parts around its words) are exactly the parts computed from
scratch, so the stored figures equal a recomputation to the last bit. Pure Python, no
database: many more sequences than tests/test_stored_figures.py can afford."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.insights import figures, scoring

TECHNIQUES = ["A", "B", "C", ""]  # "": a technique of another taxonomy
IDS = {"A": 1, "B": 2, "C": 3}
LENGTH = 60  # characters in each of the passages 1 and 2


def spans(segments=(1, 2)):
    return st.builds(
        lambda segment, start, length, technique: scoring.Span(
            segment, start, min(LENGTH, start + length), technique
        ),
        st.sampled_from(segments),
        st.integers(0, LENGTH - 1),
        st.integers(1, 15),
        st.sampled_from(TECHNIQUES),
    )


def _key(spans_: list[scoring.Span]) -> figures.Key:
    """The key with ids 100, 101, ... in its order (a repeated span has two ids)."""
    return figures.Key(((100 + n, span) for n, span in enumerate(spans_)), IDS)


def _expected(student: list[scoring.Span], key_spans: list[scoring.Span], key: figures.Key):
    """The figures as `scoring` computes them against the whole key, in the stored shape."""
    ids = key.ids
    coverage: dict[str, list[int]] = {}
    for span in scoring.merge_spans(student, ignore_technique=True):
        coverage.setdefault(str(span.segment), []).extend((span.start, span.end))
    confusion = scoring.confusion([student], key_spans)
    return (
        len(student),
        scoring.score(student, key_spans),
        scoring.score_spans_only(student, key_spans),
        sorted(pk for t in scoring.found_key_spans(student, key_spans) for pk in ids[t]),
        sorted(pk for t in scoring.other_technique_key_spans(student, key_spans) for pk in ids[t]),
        sorted((IDS.get(k, 0), IDS.get(c, 0), n) for (k, c), n in confusion.items()),
        coverage,
        {str(s): n for s, n in Counter(span.segment for span in student).items()},
    )


def _shown(f: figures.Figures) -> tuple:
    return (
        f.highlight_count,
        f.scores,
        f.spans_found,
        sorted(f.found),
        sorted(f.other),
        sorted(tuple(entry) for entry in f.confusion),
        {s: list(flat) for s, flat in f.coverage.items()},
        dict(f.per_passage),
    )


def _close(a: scoring.Scores, b: scoring.Scores) -> bool:
    return (a.student_count, a.key_count) == (b.student_count, b.key_count) and all(
        x == pytest.approx(y, rel=1e-12, abs=1e-12)
        for x, y in [(a.precision, b.precision), (a.recall, b.recall), (a.f1, b.f1)]
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(spans(), max_size=25), st.lists(spans(), max_size=12))
def test_the_parts_give_the_figures_scoring_gives(student, key_spans):
    key = _key(key_spans)
    got = _shown(figures.figures_of(student, key))
    expected = _expected(student, key_spans, key)
    assert _close(got[1], expected[1]), (got[1], expected[1])
    assert _close(got[2], expected[2]), (got[2], expected[2])
    assert got[:1] + got[3:] == expected[:1] + expected[3:]


writes = st.lists(
    st.tuples(st.sampled_from(["add", "add", "add", "change", "remove"]), spans(), st.floats(0, 1)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(writes, st.lists(spans(), max_size=12))
def test_parts_kept_write_by_write_are_the_parts_computed_anew(sequence, key_spans):
    key = _key(key_spans)
    highlights: list[scoring.Span] = []
    parts: list[figures.Part] = figures.parts_of(highlights, key)
    for kind, span, which in sequence:
        if kind == "add":
            if span in highlights:
                continue  # the database refuses the same words with the same technique
            highlights.append(span)
            where = span
        elif not highlights:
            continue
        else:
            where = highlights[min(int(which * len(highlights)), len(highlights) - 1)]
            highlights.remove(where)
            if kind == "change":
                changed = scoring.Span(where.segment, where.start, where.end, span.technique)
                if changed in highlights:
                    highlights.append(where)  # refused: nothing changed
                    continue
                highlights.append(changed)
        stretch = figures.parts_around(parts, where.segment, where.start, where.end)
        inside = [
            h
            for h in highlights
            if h.segment == where.segment and h.start < stretch[1] and stretch[0] < h.end
        ]
        anew = figures.parts_of(inside, key)
        parts = figures.parts_update(parts, where.segment, stretch, anew)
        assert parts == figures.parts_of(highlights, key), (kind, where, stretch)
        assert figures.fold(parts, key) == figures.figures_of(highlights, key)
