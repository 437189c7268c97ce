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

from bisect import bisect_right
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
    """An answer key as `figures_of` reads it: its shape (`KeyShape`, made once per key), the
    ids of the key spans behind each span (a key may list the same span twice), and the ids of
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
        self.shape = _shape(tuple(spans))
        self.technique_ids = technique_ids


class KeyShape:
    """One answer key, grouped once for `parts_of`: per passage its spans in the key's order
    (without repeats: a key is a set), and merged as `scoring.score` merges them (per
    technique) and as `scoring.score_spans_only` does (any technique); how many merged spans
    there are in all (|T| of each measure) and how many spans of each technique."""

    def __init__(self, spans: tuple[scoring.Span, ...]) -> None:
        unique = list(dict.fromkeys(spans))
        self.by_segment: dict[int, list[scoring.Span]] = defaultdict(list)
        by_group: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        by_segment_pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for t in unique:
            self.by_segment[t.segment].append(t)
            by_group[(t.segment, t.technique)].append((t.start, t.end))
            by_segment_pairs[t.segment].append((t.start, t.end))
        self.technique_pairs = {g: scoring.union(p) for g, p in by_group.items()}
        self.technique_covers = {g: scoring.Cover(p) for g, p in self.technique_pairs.items()}
        self.any_pairs = {g: scoring.union(p) for g, p in by_segment_pairs.items()}
        self.any_covers = {g: scoring.Cover(p) for g, p in self.any_pairs.items()}
        self.technique_count = sum(map(len, self.technique_pairs.values()))
        self.any_count = sum(map(len, self.any_pairs.values()))
        self.per_technique = Counter(t.technique for t in unique)


@lru_cache(maxsize=64)
def _shape(spans: tuple[scoring.Span, ...]) -> KeyShape:
    """The key grouped, once per key: a student's write stores their figures against it in
    the write's request. Looked up by the spans themselves, never by a lesson's id, so a key
    that changed is grouped anew; a `KeyShape` is never changed once made."""
    return KeyShape(spans)


# --- parts: a student's figures, stretch by stretch -----------------------------------------
#
# Every figure of a student is a sum over the places where their highlights meet the key. In a
# passage, take the stretches they highlighted (any technique, merged) and the key's spans
# (any technique, merged): joined where they overlap, they make "parts", apart from each other
# (no highlight and no key span overlaps two parts). A highlight only ever counts against key
# spans of its own part, so a part's figures depend on its highlights alone, and a write
# changes the parts around its own words and no other (`parts_update`): the cost of storing a
# student's figures does not grow with their highlights elsewhere. `fold` adds the parts up
# in one order (by passage and place), so figures made from the parts kept and from parts
# computed anew are the same to the last bit.
#
# A part is stored as a list (JSON, `SubmissionFigures.parts`), its fields by position:
SEGMENT, START, END, HIGHLIGHTS, COVERAGE = 0, 1, 2, 3, 4
# merged per technique: how many, and the sums of precision and recall (`scoring._measure`)
TECHNIQUE_COUNT, TECHNIQUE_PRECISION, TECHNIQUE_RECALL = 5, 6, 7
# merged whatever the technique: the sums (the count is that of COVERAGE's stretches)
ANY_PRECISION, ANY_RECALL = 8, 9
# key span ids found, and highlighted with another technique only; the confusion counts of
# the student's spans (flat: key technique id, chosen technique id, count, ...); and how many
# key spans of each technique the student's stretches overlap (flat: technique id, count, ...)
FOUND, OTHER, CONFUSION, TOUCHED = 10, 11, 12, 13

type Part = list[Any]


def parts_of(spans: Iterable[scoring.Span], key: Key) -> list[Part]:
    """The parts of these highlights: every part they make, in order. Given the highlights of
    a stretch of a passage that holds whole parts (all that overlap it), the parts there."""
    by_segment: dict[int, list[scoring.Span]] = defaultdict(list)
    for span in spans:
        by_segment[span.segment].append(span)
    return [
        part
        for segment in sorted(by_segment)
        for part in _segment_parts(segment, by_segment[segment], key)
    ]


def _segment_parts(segment: int, spans: list[scoring.Span], key: Key) -> list[Part]:
    stretches = scoring.union((s.start, s.end) for s in spans)
    # The stretches and the key's merged spans, joined where they overlap (neither overlaps
    # its own kind); a run of key spans alone is no part.
    joined: list[list[int]] = []  # start, end, has a stretch
    items = [(a, b, 1) for a, b in stretches]
    items += [(a, b, 0) for a, b in key.shape.any_pairs.get(segment, ())]
    for a, b, student in sorted(items):
        if joined and a < joined[-1][1]:
            last = joined[-1]
            last[1] = max(last[1], b)
            last[2] |= student
        else:
            joined.append([a, b, student])
    extents = [(a, b) for a, b, student in joined if student]
    starts = [a for a, _ in extents]
    members: list[list[scoring.Span]] = [[] for _ in extents]
    for span in spans:
        members[bisect_right(starts, span.start) - 1].append(span)
    return [
        _part(segment, a, b, inside, key) for (a, b), inside in zip(extents, members, strict=True)
    ]


def _part(segment: int, a: int, b: int, spans: list[scoring.Span], key: Key) -> Part:
    """One part's figures: the highlights `spans`, all of them in [a, b) of `segment`."""
    shape, ids = key.shape, key.technique_ids
    stretches = scoring.union((s.start, s.end) for s in spans)
    anywhere = scoring.Cover(stretches)
    local = [t for t in shape.by_segment.get(segment, ()) if t.start < b and a < t.end]
    by_technique: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in spans:
        by_technique[span.technique].append((span.start, span.end))
    count = 0
    precision = recall = 0.0
    covers: dict[str, scoring.Cover] = {}
    confusion: Counter[tuple[int, int]] = Counter()
    for technique in sorted(by_technique):
        merged = scoring.union(by_technique[technique])
        count += len(merged)
        covers[technique] = cover = scoring.Cover(merged)
        group = (segment, technique)
        key_cover = shape.technique_covers.get(group)
        for start, end in merged:
            if key_cover is not None:
                precision += key_cover.intersection(start, end) / (end - start)
            best, best_common = None, 0  # the key span it overlaps most; ties: the first
            for t in local:
                common = min(end, t.end) - max(start, t.start)
                if common > best_common:
                    best, best_common = t, common
            confusion[(ids.get(best.technique, 0) if best else 0, ids.get(technique, 0))] += 1
        for start, end in shape.technique_pairs.get(group, ()):
            if start < b and a < end:
                recall += cover.intersection(start, end) / (end - start)
    any_precision = any_recall = 0.0
    key_anywhere = shape.any_covers.get(segment)
    if key_anywhere is not None:
        for start, end in stretches:
            any_precision += key_anywhere.intersection(start, end) / (end - start)
        for start, end in shape.any_pairs[segment]:
            if start < b and a < end:
                any_recall += anywhere.intersection(start, end) / (end - start)
    found: list[int] = []
    other: list[int] = []
    touched: Counter[int] = Counter()
    for t in local:
        if not anywhere.intersection(t.start, t.end):
            continue
        touched[ids.get(t.technique, 0)] += 1
        same = covers.get(t.technique)
        (found if same and same.intersection(t.start, t.end) else other).extend(key.ids[t])
    return [
        segment,
        a,
        b,
        len(spans),
        [x for pair in stretches for x in pair],
        count,
        precision,
        recall,
        any_precision,
        any_recall,
        found,
        other,
        [x for (k, c), n in sorted(confusion.items()) for x in (k, c, n)],
        [x for pair in sorted(touched.items()) for x in pair],
    ]


def parts_around(parts: Sequence[Part], segment: int, start: int, end: int) -> tuple[int, int]:
    """The stretch of `segment` whose parts a write on [start, end) may change: [start, end)
    and the parts it overlaps (`parts`: those stored before the write). The highlights that
    overlap that stretch once the write is done make whole parts: a highlight added joins the
    parts it overlaps (and key spans no part holds, which overlap no other highlight); one
    removed or changed was in one part, which it may split."""
    for part in parts:
        if part[SEGMENT] == segment and part[START] < end and start < part[END]:
            start, end = min(start, part[START]), max(end, part[END])
    return start, end


def parts_update(
    parts: Sequence[Part], segment: int, stretch: tuple[int, int], anew: list[Part]
) -> list[Part]:
    """The parts once a write is done: those of `segment` in `stretch` (`parts_around`)
    replaced by `anew`, the parts of the highlights that overlap it now."""
    start, end = stretch
    kept = [p for p in parts if not (p[SEGMENT] == segment and p[START] < end and start < p[END])]
    return sorted([*kept, *anew], key=lambda p: (p[SEGMENT], p[START]))


def fold(parts: Iterable[Part], key: Key) -> Figures:
    """A student's figures from their parts (any order: they are added up in one)."""
    shape = key.shape
    highlights = count = stretches = 0
    precision = recall = any_precision = any_recall = 0.0
    found: list[int] = []
    other: list[int] = []
    confusion: Counter[tuple[int, int]] = Counter()
    touched: Counter[int] = Counter()
    coverage: dict[str, list[int]] = defaultdict(list)
    per_passage: Counter[str] = Counter()
    for part in sorted(parts, key=lambda p: (p[SEGMENT], p[START])):
        segment = str(part[SEGMENT])
        highlights += part[HIGHLIGHTS]
        per_passage[segment] += part[HIGHLIGHTS]
        coverage[segment] += part[COVERAGE]
        stretches += len(part[COVERAGE]) // 2
        count += part[TECHNIQUE_COUNT]
        precision += part[TECHNIQUE_PRECISION]
        recall += part[TECHNIQUE_RECALL]
        any_precision += part[ANY_PRECISION]
        any_recall += part[ANY_RECALL]
        found += part[FOUND]
        other += part[OTHER]
        flat = part[CONFUSION]
        for i in range(0, len(flat), 3):
            confusion[(flat[i], flat[i + 1])] += flat[i + 2]
        flat = part[TOUCHED]
        for i in range(0, len(flat), 2):
            touched[flat[i]] += flat[i + 1]
    ids = key.technique_ids
    for technique, n in shape.per_technique.items():
        if missed := n - touched[ids.get(technique, 0)]:
            confusion[(ids.get(technique, 0), 0)] += missed
    return Figures(
        highlight_count=highlights,
        scores=_scores(precision, recall, count, shape.technique_count),
        spans_found=_scores(any_precision, any_recall, stretches, shape.any_count),
        found=found,
        other=other,
        confusion=[[k, c, n] for (k, c), n in sorted(confusion.items())],
        coverage=dict(coverage),
        per_passage=dict(per_passage),
    )


def _scores(precision_sum: float, recall_sum: float, count: int, key_count: int) -> scoring.Scores:
    """`scoring._measure`'s figures from its sums over the parts."""
    empty = scoring.empty_scores(count, key_count)
    if empty is not None:
        return empty
    precision, recall = precision_sum / count, recall_sum / key_count
    return scoring.Scores(
        precision, recall, scoring.harmonic_mean(precision, recall), count, key_count
    )


def figures_of(spans: list[scoring.Span], key: Key) -> Figures:
    """A student's figures, from their highlights (as scoring spans) and the key."""
    return fold(parts_of(spans, key), key)


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
