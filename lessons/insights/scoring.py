"""Scoring students' highlights against a lesson's answer key. Pure Python, no Django.

The measure is the partial-overlap precision/recall of Da San Martino et al., "Fine-Grained
Analysis of Propaganda in News Articles" (EMNLP 2019), used again by SemEval-2020 Task 11.
For a student span s and a key span t with the same technique,

    C(s, t, h) = |s ∩ t| / h
    precision  = Σ_s Σ_t C(s, t, |s|) / |S|
    recall     = Σ_t Σ_s C(s, t, |t|) / |T|
    F1         = 2PR / (P + R)

There is no one-to-one matching, so a span would earn credit twice if it were counted twice:
as in the organisers' SemEval-2020 Task 11 scorer, overlapping spans of one technique are
merged on both sides (the key's and the student's) before scoring (see `score`).

Offsets are Python `str` indices (Unicode code points), start inclusive, end exclusive.
Spans in different segments (passages) never overlap.

Everything here sorts and sweeps per segment (and technique) rather than comparing every
student span with every key span, so a class of 1,000 students is scored in well under a
second.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate, groupby
from operator import attrgetter

__all__ = [
    "Cover",
    "KeyIndex",
    "Scores",
    "Span",
    "Verdict",
    "agreement",
    "agreement_of_runs",
    "classify",
    "confusion",
    "coverage_by_owner",
    "empty_scores",
    "found_key_spans",
    "harmonic_mean",
    "merge_spans",
    "missed_key_spans",
    "other_technique_key_spans",
    "overlap",
    "per_technique",
    "score",
    "score_spans_only",
    "union",
]


@dataclass(frozen=True, order=True)
class Span:
    """Characters [start, end) of one segment, labelled with a technique ID.

    A span covers at least one character: `0 <= start < end`, else ValueError.
    """

    segment: int  # which passage (spans in different segments never overlap)
    start: int
    end: int
    technique: str  # technique ID, e.g. "Loaded_Language"

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"A span needs 0 <= start < end, got [{self.start}, {self.end}).")

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1, each in [0, 1], and the sizes of the sets they came from."""

    precision: float
    recall: float
    f1: float
    student_count: int  # |S| after merging
    key_count: int  # |T| (after merging for the spans-only variant)


class Verdict(StrEnum):
    """What one student span is, compared with the key (see `classify`)."""

    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG_TECHNIQUE = "wrong_technique"
    NOT_IN_KEY = "not_in_key"


_POSITION = attrgetter("segment", "start", "end", "technique")  # the order of Span, but faster

type _Group = tuple[int, str] | tuple[int]  # (segment, technique), or (segment,)
type _Pair = tuple[int, int]  # (start, end)


# --- building blocks -------------------------------------------------------------------------


def overlap(a: Span, b: Span) -> int:
    """|a ∩ b|: the number of characters both spans cover (0 in different segments).

    Techniques are not compared here.
    """
    if a.segment != b.segment:
        return 0
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def merge_spans(spans: Iterable[Span], *, ignore_technique: bool = False) -> list[Span]:
    """Merge duplicate, nested and overlapping spans of the same segment and technique.

    With `ignore_technique`, spans of any technique are merged and the results have the
    technique "". Spans that only touch (a.end == b.start) stay apart: they share no
    character. The result is sorted and covers exactly the characters of the input, per
    segment and technique.
    """
    merged = [
        Span(group[0], start, end, group[1] if len(group) == 2 else "")
        for group, pairs in _group(spans, by_technique=not ignore_technique).items()
        for start, end in union(pairs)
    ]
    merged.sort(key=_POSITION)
    return merged


def _group(spans: Iterable[Span], *, by_technique: bool = True) -> dict[_Group, list[_Pair]]:
    """The spans' (start, end) pairs per (segment, technique), or per segment alone."""
    groups: dict[_Group, list[_Pair]] = defaultdict(list)
    for span in spans:
        group = (span.segment, span.technique) if by_technique else (span.segment,)
        groups[group].append((span.start, span.end))
    return groups


def union(pairs: Iterable[_Pair]) -> list[_Pair]:
    """The characters the pairs cover, as sorted disjoint pairs; touching pairs stay apart."""
    union: list[_Pair] = []
    for start, end in sorted(pairs):
        if union and start < union[-1][1]:
            if end > union[-1][1]:
                union[-1] = (union[-1][0], end)
        else:
            union.append((start, end))
    return union


def _unique(spans: Iterable[Span]) -> list[Span]:
    """The spans in their first-seen order, without exact repeats (a key is a set)."""
    return list(dict.fromkeys(spans))


class Cover:
    """The characters covered by sorted disjoint pairs, for O(log n) intersections."""

    def __init__(self, disjoint: list[_Pair]) -> None:
        self._starts = [start for start, _ in disjoint]
        self._ends = [end for _, end in disjoint]
        self._before = [0, *accumulate(end - start for start, end in disjoint)]

    def _covered_below(self, x: int) -> int:
        """How many covered characters lie in [0, x)."""
        i = bisect_left(self._starts, x)
        total = self._before[i]
        if i and self._ends[i - 1] > x:
            total -= self._ends[i - 1] - x
        return total

    def intersection(self, start: int, end: int) -> int:
        """How many characters of [start, end) are covered."""
        return self._covered_below(end) - self._covered_below(start)


def harmonic_mean(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall, 0 when both are 0."""
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def empty_scores(student_count: int, key_count: int) -> Scores | None:
    """The scores of the reference scorer for empty sets, or None when both sets have spans.

    Where there is nothing to divide by the figure is 0: no student spans -> P = 0, no key
    spans -> R = 0; F1 = 1 only when both are empty. (`Scores.student_count` and `key_count`
    tell a page that the figure is not a measurement.)
    """
    if student_count == 0 and key_count == 0:
        return Scores(0.0, 0.0, 1.0, 0, 0)
    if student_count == 0 or key_count == 0:
        return Scores(0.0, 0.0, 0.0, student_count, key_count)
    return None


def _measure(student: dict[_Group, list[_Pair]], key: dict[_Group, list[_Pair]]) -> Scores:
    """The partial-overlap measure, group by group; pairs of different groups never match.

    The student's pairs must be disjoint within each group. Precision credits each student
    character at most once, against the union of the key pairs of its group; recall credits
    each key pair with the share of it that the student covered. Only groups on both sides
    are compared, so the work is about (|S| + |T|) log |T|.
    """
    student_count = sum(map(len, student.values()))
    key_count = sum(map(len, key.values()))
    empty = empty_scores(student_count, key_count)
    if empty is not None:
        return empty
    precision_sum = recall_sum = 0.0
    for group, student_pairs in student.items():
        key_pairs = key.get(group)
        if not key_pairs:
            continue
        key_cover = Cover(union(key_pairs))
        student_cover = Cover(student_pairs)
        for start, end in student_pairs:
            precision_sum += key_cover.intersection(start, end) / (end - start)
        for start, end in key_pairs:
            recall_sum += student_cover.intersection(start, end) / (end - start)
    precision = precision_sum / student_count
    recall = recall_sum / key_count
    return Scores(precision, recall, harmonic_mean(precision, recall), student_count, key_count)


def _merged_groups(spans: Iterable[Span], *, by_technique: bool) -> dict[_Group, list[_Pair]]:
    """The spans merged (see `merge_spans`), as sorted disjoint pairs per group."""
    return {
        group: union(pairs) for group, pairs in _group(spans, by_technique=by_technique).items()
    }


# --- scores ----------------------------------------------------------------------------------


def score(student: Iterable[Span], key: Iterable[Span]) -> Scores:
    """Label-aware partial-overlap precision, recall and F1, exactly as the SemEval-2020
    Task 11 FLC scorer computes them (Da San Martino et al., EMNLP 2019).

    C(s, t, h) = |s ∩ t| / h when s and t have the same technique, else 0;
    P = Σ_s Σ_t C(s, t, |s|) / |S|, R = Σ_t Σ_s C(s, t, |t|) / |T|, F1 = 2PR / (P + R),
    and F1 = 0 when P + R = 0.

    - Both sides are merged per technique first (`merge_spans`): duplicate, nested and
      overlapping spans of one technique become one span, so nobody earns credit twice for
      the same words; |S| and |T| count the merged spans. P, R and F1 stay in [0, 1].
    - Empty sets as the reference scorer: no student spans -> P = 0 (nothing to divide by),
      no key spans -> R = 0, F1 = 1 only when both are empty (see `empty_scores`).
    """
    return _measure(
        _merged_groups(student, by_technique=True), _merged_groups(key, by_technique=True)
    )


def score_spans_only(student: Iterable[Span], key: Iterable[Span]) -> Scores:
    """The label-agnostic "spans found" variant of `score` (SemEval-2020 Task 11, span
    identification): the key's overlapping spans are merged whatever their techniques, so are
    the student's, and then every overlapping pair counts as matching. Both counts in the
    result are after merging. Empty sets as in `score`.
    """
    return _measure(
        _merged_groups(student, by_technique=False), _merged_groups(key, by_technique=False)
    )


def per_technique(student: Iterable[Span], key: Iterable[Span]) -> dict[str, Scores]:
    """`score` restricted to each technique in the key or the student's spans, by technique ID.

    Recall for a technique is over the key spans of that technique only; a technique only in
    the key, or only in the student's spans, scores P = R = F1 = 0 (the empty-set definitions
    of `score`).
    """
    student_by: dict[str, list[Span]] = defaultdict(list)
    key_by: dict[str, list[Span]] = defaultdict(list)
    for span in student:
        student_by[span.technique].append(span)
    for span in key:
        key_by[span.technique].append(span)
    return {
        technique: score(student_by.get(technique, []), key_by.get(technique, []))
        for technique in sorted(student_by.keys() | key_by.keys())
    }


# --- feedback on single spans ----------------------------------------------------------------


def found_key_spans(student: Iterable[Span], key: Iterable[Span]) -> list[Span]:
    """The key spans that some student span of the same technique overlaps, in key order."""
    covers = {
        group: Cover(pairs) for group, pairs in _merged_groups(student, by_technique=True).items()
    }
    return [
        t
        for t in _unique(key)
        if (cover := covers.get((t.segment, t.technique))) and cover.intersection(t.start, t.end)
    ]


def other_technique_key_spans(student: Iterable[Span], key: Iterable[Span]) -> list[Span]:
    """The key spans that no student span of the same technique overlaps but one of another
    technique does ("right words, another technique"), in key order."""
    student = list(student)
    key = _unique(key)
    found = set(found_key_spans(student, key))
    covers = {
        group: Cover(pairs) for group, pairs in _merged_groups(student, by_technique=False).items()
    }
    return [
        t
        for t in key
        if t not in found
        and (cover := covers.get((t.segment,)))
        and cover.intersection(t.start, t.end)
    ]


def missed_key_spans(student: Iterable[Span], key: Iterable[Span]) -> list[Span]:
    """The key spans that no student span overlaps, whatever its technique, in key order (a
    key span highlighted with another technique is `other_technique_key_spans`)."""
    student = list(student)
    key = _unique(key)
    found = set(found_key_spans(student, key)) | set(other_technique_key_spans(student, key))
    return [t for t in key if t not in found]


def classify(span: Span, key: Iterable[Span]) -> Verdict:
    """What one student span is, compared with the key; the best match wins.

    - CORRECT: it overlaps a key span of its technique with a Jaccard index
      |s ∩ t| / (|s| + |t| - |s ∩ t|) of at least 0.5;
    - PARTIAL: it overlaps a key span of its technique, but less;
    - WRONG_TECHNIQUE: it overlaps key spans, none of its technique;
    - NOT_IN_KEY: it overlaps no key span.
    """
    overlaps_any = False
    overlaps_same = False
    for t in key:
        common = overlap(span, t)
        if not common:
            continue
        overlaps_any = True
        if t.technique == span.technique:
            overlaps_same = True
            union = len(span) + len(t) - common
            if 2 * common >= union:  # Jaccard >= 0.5, in exact integers
                return Verdict.CORRECT
    if overlaps_same:
        return Verdict.PARTIAL
    return Verdict.WRONG_TECHNIQUE if overlaps_any else Verdict.NOT_IN_KEY


# --- a class at a glance ---------------------------------------------------------------------


def coverage_by_owner[K: Hashable](
    owners: Mapping[K, Iterable[Span]], segment: int, length: int
) -> list[tuple[int, int, int]]:
    """Heat-map data for one segment: where the class highlighted, and how many students did.

    The segment's text [0, length) is cut into consecutive runs (start, end, k) that tile it in
    order, where k is the number of owners (students) with at least one span, of any technique,
    covering those characters: a student with two overlapping spans counts once. Neighbouring
    runs with the same k are joined. Spans beyond `length` are clipped. A sweep over span
    boundaries: O(n log n) in the number of spans, independent of the text's length.
    """
    if length < 0:
        raise ValueError("A segment cannot have a negative length.")
    if length == 0:
        return []
    events: list[tuple[int, int]] = []
    for spans in owners.values():
        in_segment = (s for s in spans if s.segment == segment and s.start < length)
        for span in merge_spans(in_segment, ignore_technique=True):
            events.append((span.start, 1))
            events.append((min(span.end, length), -1))
    events.sort()
    runs: list[tuple[int, int, int]] = []
    position = count = 0
    for at, changes in groupby(events, key=lambda event: event[0]):
        new_count = count + sum(change for _, change in changes)
        if at > position:
            _append_run(runs, position, at, count)
            position = at
        count = new_count
    if position < length:
        _append_run(runs, position, length, count)
    return runs


def _append_run(runs: list[tuple[int, int, int]], start: int, end: int, k: int) -> None:
    """Add the run (start, end, k), joining it to the previous run when k is the same."""
    if runs and runs[-1][2] == k:
        runs[-1] = (runs[-1][0], end, k)
    else:
        runs.append((start, end, k))


def agreement[K: Hashable](
    owners: Mapping[K, Iterable[Span]], segment: int, length: int
) -> float | None:
    """How much the students agree on where techniques are in one segment, in [0, 1].

    The observed pairwise agreement of Fleiss (1971) on the per-character label "highlighted or
    not": for characters that k of the n owners highlighted, the share of ordered pairs of
    different owners that agree is (k(k-1) + (n-k)(n-k-1)) / (n(n-1)); this is averaged over
    the characters of the segment, run by run from `coverage_by_owner`. Every owner counts,
    including those with no span in the segment. None when n < 2 or length == 0.
    """
    n = len(owners)
    if n < 2 or length <= 0:
        return None
    return agreement_of_runs(coverage_by_owner(owners, segment, length), n, length)


def agreement_of_runs(runs: Iterable[tuple[int, int, int]], n: int, length: int) -> float | None:
    """`agreement` for n owners from the runs of `coverage_by_owner` over a segment of
    `length` characters (for a caller that has swept the segment already, as the heat map
    has). None when n < 2 or length == 0."""
    if n < 2 or length <= 0:
        return None
    agreeing = sum((end - start) * (k * (k - 1) + (n - k) * (n - k - 1)) for start, end, k in runs)
    return agreeing / (n * (n - 1) * length)


def confusion(
    owners_spans: Iterable[Iterable[Span]], key: Iterable[Span]
) -> dict[tuple[str, str], int]:
    """Counts of (key technique, student technique) over all students, for a confusion table.

    Each student's spans are merged per technique first. Each student span counts once,
    against the key span it overlaps most (ties: the first in key order), as
    (key span's technique, student span's technique); a student span that overlaps no key span
    counts as ("", its technique). A key span that none of a student's spans overlaps counts
    as (its technique, "") once for each such student.
    """
    key = _unique(key)
    key_by_segment: dict[int, list[Span]] = defaultdict(list)
    for t in key:
        key_by_segment[t.segment].append(t)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for spans in owners_spans:
        merged = merge_spans(spans)
        for s in merged:
            best: Span | None = None
            best_common = 0
            for t in key_by_segment.get(s.segment, ()):
                common = overlap(s, t)
                if common > best_common:
                    best, best_common = t, common
            counts[(best.technique if best else "", s.technique)] += 1
        union = {
            group: Cover(pairs)
            for group, pairs in _merged_groups(merged, by_technique=False).items()
        }
        for t in key:
            cover = union.get((t.segment,))
            if cover is None or not cover.intersection(t.start, t.end):
                counts[(t.technique, "")] += 1
    return dict(counts)


# --- a whole class against one key -----------------------------------------------------------


def _rescaled(part: Scores, part_count: int, count: int) -> Scores:
    """Scores measured against part of the key (`part_count` of its `count` spans), as
    scores against the whole key: see `KeyIndex`."""
    if count == 0 or part_count == count:
        return part
    recall = part.recall * part_count / count
    return Scores(
        part.precision, recall, harmonic_mean(part.precision, recall), part.student_count, count
    )


class KeyIndex:
    """One answer key, grouped once to score a whole class against it.

    The partial-overlap measure is a sum over segments (and techniques): a student's span only
    ever meets key spans of its own segment and technique, and the key spans elsewhere only
    add to |T|. So each student is scored against the few key spans where they highlighted,
    and recall is rescaled to the whole key: the same figures as `score`, `score_spans_only`,
    `found_key_spans` and `confusion` against the whole key (a property test checks it),
    without a pass over the whole key for every student.
    """

    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = _unique(spans)  # the key is a set
        self._by_group: dict[tuple[int, str], list[Span]] = defaultdict(list)
        self._by_segment: dict[int, list[Span]] = defaultdict(list)
        for t in self.spans:
            self._by_group[(t.segment, t.technique)].append(t)
            self._by_segment[t.segment].append(t)
        self._merged_by_technique_count = len(merge_spans(self.spans))
        merged = merge_spans(self.spans, ignore_technique=True)
        self._merged_count = len(merged)
        self._merged_by_segment = Counter(t.segment for t in merged)
        self._techniques_by_segment = {
            segment: Counter(t.technique for t in spans)
            for segment, spans in self._by_segment.items()
        }

    def _in_groups(self, spans: list[Span]) -> list[Span]:
        groups = dict.fromkeys((s.segment, s.technique) for s in spans)
        return [t for group in groups for t in self._by_group.get(group, ())]

    def _in_segments(self, segments: Iterable[int]) -> list[Span]:
        return [t for segment in segments for t in self._by_segment.get(segment, ())]

    def score(self, spans: list[Span]) -> Scores:
        """`score(spans, key)`."""
        if not spans:
            return score(spans, self.spans)
        part = self._in_groups(spans)
        return _rescaled(
            score(spans, part), len(merge_spans(part)), self._merged_by_technique_count
        )

    def score_spans_only(self, spans: list[Span]) -> Scores:
        """`score_spans_only(spans, key)`."""
        if not spans:
            return score_spans_only(spans, self.spans)
        segments = dict.fromkeys(s.segment for s in spans)
        part_count = sum(self._merged_by_segment[segment] for segment in segments)
        part = score_spans_only(spans, self._in_segments(segments))
        return _rescaled(part, part_count, self._merged_count)

    def found(self, spans: list[Span]) -> list[Span]:
        """`found_key_spans(spans, key)`, in the key's order by group."""
        return found_key_spans(spans, self._in_groups(spans))

    def other_technique(self, spans: list[Span]) -> list[Span]:
        """`other_technique_key_spans(spans, key)`, in the key's order by segment."""
        segments = dict.fromkeys(s.segment for s in spans)
        return other_technique_key_spans(spans, self._in_segments(segments))

    def confusion(self, owners_spans: Iterable[list[Span]]) -> Counter[tuple[str, str]]:
        """`confusion(owners_spans, key)`: each student against the key spans of the segments
        they highlighted; in the others, every key span was missed."""
        counts: Counter[tuple[str, str]] = Counter()
        untouched: Counter[int] = Counter()  # segment -> students who highlighted nothing there
        for spans in owners_spans:
            segments = dict.fromkeys(s.segment for s in spans)
            if segments:
                counts.update(confusion([spans], self._in_segments(segments)))
            for segment in self._by_segment:
                if segment not in segments:
                    untouched[segment] += 1
        for segment, students in untouched.items():
            for technique, n in self._techniques_by_segment[segment].items():
                counts[(technique, "")] += n * students
        return counts
