"""One submission's figures against the answer key: the one computation behind the stored
figures (`models.SubmissionFigures`), the class dashboard and the students' CSV export. Pure
Python over `scoring`, no Django.

Every figure of a class is a sum over its students of a figure of one student: each
student's scores (shown per student, never averaged), the key spans they found or
highlighted with another technique, their confusion counts (key technique x chosen
technique) and the stretches of text they highlighted (the heat map counts students per
character). So each submission's figures are computed once, when its highlights change, and a
page adds them up (`add_up`): the same figures as scoring the class on every request, to the
last bit (tests/test_stored_figures.py)."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import scoring


@dataclass(frozen=True)
class Figures:
    """One student's figures, in the shape they are stored in (a page reads a class's worth
    at once, so they are kept small and read without conversion): techniques by id,
    passages by their id written out, each passage's stretches as one flat list."""

    highlight_count: int
    scores: scoring.Scores  # `score` against the whole key
    spans_found: scoring.Scores  # `score_spans_only` against the whole key
    found: Sequence[int]  # ids of the key spans found (`found_key_spans`)
    other: Sequence[int]  # ids of those highlighted with another technique only
    # This student's part of `scoring.confusion`: [key technique id, chosen technique id,
    # count], 0 for no technique (a highlight not in the key, a key span missed).
    confusion: Sequence[Sequence[int]]
    # Passage id -> what they highlighted there, any technique, merged: start, end, start...
    coverage: Mapping[str, Sequence[int]]
    per_passage: Mapping[str, int]  # passage id -> highlights there


class Key:
    """An answer key as `figures_of` reads it: grouped once (`scoring.KeyIndex`), with the ids
    of the key spans behind each span (a key may list the same span twice), and the ids of
    the techniques by code (`technique_ids`: the lesson's, or at least those its key and the
    students' highlights use)."""

    def __init__(
        self, items: Iterable[tuple[int, scoring.Span]], technique_ids: Mapping[str, int]
    ) -> None:
        ids: dict[scoring.Span, list[int]] = defaultdict(list)
        spans = []
        for pk, span in items:
            spans.append(span)
            ids[span].append(pk)
        self.ids = dict(ids)
        self.index = _index(tuple(spans))
        self.technique_ids = technique_ids


@lru_cache(maxsize=64)
def _index(spans: tuple[scoring.Span, ...]) -> scoring.KeyIndex:
    """The key grouped, once per key: a student's write stores their figures against it in
    the write's request, and grouping the key is most of the cost of that. Looked up by the
    spans themselves, never by a lesson's id, so a key that changed is grouped anew; a
    `KeyIndex` is never changed once made."""
    return scoring.KeyIndex(spans)


def figures_of(spans: list[scoring.Span], key: Key) -> Figures:
    """A student's figures, from their highlights (as scoring spans) and the key."""
    index = key.index
    ids = key.technique_ids
    coverage: dict[str, list[int]] = defaultdict(list)
    for span in scoring.merge_spans(spans, ignore_technique=True):
        coverage[str(span.segment)] += (span.start, span.end)
    return Figures(
        highlight_count=len(spans),
        scores=index.score(spans),
        spans_found=index.score_spans_only(spans),
        found=[pk for span in index.found(spans) for pk in key.ids[span]],
        other=[pk for span in index.other_technique(spans) for pk in key.ids[span]],
        confusion=[
            [ids.get(k, 0), ids.get(c, 0), n]
            for (k, c), n in sorted(index.confusion([spans]).items())
        ],
        coverage=dict(coverage),
        per_passage={str(segment): n for segment, n in Counter(s.segment for s in spans).items()},
    )


def pairs(flat: Sequence[int]) -> Iterable[tuple[int, int]]:
    """The (start, end) pairs of a passage's stretches (`Figures.coverage`)."""
    return zip(flat[::2], flat[1::2], strict=True)


# --- stored, as the columns of models.SubmissionFigures --------------------------------------

_SCORES = ("precision", "recall", "f1", "student_count", "key_count")
DETAIL = ("found", "other", "confusion", "coverage", "per_passage")  # in the JSON column


def as_columns(figures: Figures) -> dict[str, Any]:
    """The figures as the columns of a `SubmissionFigures` row."""
    return {
        "highlight_count": figures.highlight_count,
        **dict(zip(_SCORES, _values(figures.scores), strict=True)),
        **{f"spans_{n}": v for n, v in zip(_SCORES, _values(figures.spans_found), strict=True)},
        "detail": {name: getattr(figures, name) for name in DETAIL},
    }


def _values(scores: scoring.Scores) -> tuple:
    return (scores.precision, scores.recall, scores.f1, scores.student_count, scores.key_count)


COLUMNS = ("highlight_count", *_SCORES, *(f"spans_{n}" for n in _SCORES), "detail")


def from_columns(values: Mapping[str, Any]) -> Figures:
    """The figures of a stored row (`values`: its columns by name, as `as_columns` gives)."""
    return Figures(
        values["highlight_count"],
        scoring.Scores(*(values[name] for name in _SCORES)),
        scoring.Scores(*(values[f"spans_{name}"] for name in _SCORES)),
        **values["detail"],
    )


# --- a class ---------------------------------------------------------------------------------


@dataclass
class ClassFigures:
    """The class's sums: how many students found each key span, or highlighted it with
    another technique only (by key span id), and the confusion counts (by technique id)."""

    found: Counter[int]
    other: Counter[int]
    confusion: Counter[tuple[int, int]]


def add_up(students: Iterable[Figures]) -> ClassFigures:
    found: Counter[int] = Counter()
    other: Counter[int] = Counter()
    confusion: Counter[tuple[int, int]] = Counter()
    for figures in students:
        found.update(figures.found)
        other.update(figures.other)
        for key_technique, chosen, n in figures.confusion:
            confusion[(key_technique, chosen)] += n
    return ClassFigures(found, other, confusion)
