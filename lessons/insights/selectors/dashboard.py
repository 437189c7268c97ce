"""One assignment's class at a glance: the teacher's dashboard, the students' class map and
the figures the CSV exports share.

`load_class` reads the work in a fixed handful of queries whatever the class size (segments,
techniques, key, enrolled students, submissions, and the highlights or each submission's
stored figures); everything else is computed here in Python, never with a query per
student. The dashboard adds up each student's stored figures (`lessons.insights.figures`)
rather than scoring the class on every request, and shows the students a page at a time.
"""

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from core.models import User
from lessons.library.models import KeySpan, Segment, Technique
from lessons.work.models import Answer, Assignment, Highlight, Submission
from lessons.work.progress import PassageState, PassageTask, passage_state
from lessons.work.selectors import task_of, with_answered_segments, with_tasks

from .. import figures as student_figures
from .. import scoring
from ..figures import Figures
from ..models import FIGURES_VERSION
from .spans import span_of

HEAT_LEVELS = 5
PHRASES_PER_SEGMENT = 5
PHRASE_LENGTH = 80  # characters of a phrase quoted in the heat map's text alternative
_PHRASE_ENDS = re.compile(r"^[\W_]+|[\W_]+$")  # punctuation and spaces around a phrase
MOST_MISSED = 10
MIN_CLASS_MAP_STUDENTS = 3  # fewer, and a student could tell who highlighted what
STUDENTS_PER_PAGE = 30  # rows of the dashboard's progress table: a class of 30 on one page

# Highlight columns every loader fetches, in this order, then any extra ones asked for.
_HIGHLIGHT_COLUMNS = ("submission_id", "segment_id", "start", "end", "technique_id")

# --- loading ---------------------------------------------------------------------------------


@dataclass
class ClassWork:
    """One assignment's work, read once. Only students enrolled in the class now count."""

    assignment: Assignment
    segments: list[Segment]
    techniques: dict[int, Technique]  # the lesson's taxonomy, by id, in taxonomy order
    codes: dict[int, str]  # technique id -> code, for `span_of`
    keys: list[KeySpan]  # empty unless loaded `with_key`
    key_spans: list[scoring.Span]  # keys[i] as a scoring span
    students: list[User]  # enrolled, by display name
    submissions: dict[int, Submission]  # by student id
    # Named rows of `values_list` by student id: submission_id, segment_id, start, end,
    # technique_id, then the `highlight_columns` asked for. Loaded `with_highlights` only
    # (with stored figures instead, only those of students whose figures are not stored).
    highlights: dict[int, list[Any]]
    spans: dict[int, list[scoring.Span]]  # by student id: highlights[i] as a scoring span
    # By student id, for every student who started: their figures (`lessons.insights.figures`),
    # as stored, or computed from their highlights where none fresh are stored. Loaded
    # `with_figures` only.
    figures: dict[int, Figures]
    # By student id: the questions they answered in each passage (passage id -> how many),
    # for `lessons.work.progress`; for every student, or those `answered` asked for.
    answered: dict[int, dict[int, int]]

    @property
    def started(self) -> list[User]:
        """The students who opened the lesson (they have a submission), by display name."""
        return [s for s in self.students if s.pk in self.submissions]


# Each submission's stored figures, read with it (`_stored`): "figures_f1" for its f1...
_AS_READ = {name: f"figures_{name}" for name in student_figures.COLUMNS}
_FIGURES = {read: F(f"figures__{name}") for name, read in _AS_READ.items()}
_FIGURES |= {"figures_lesson": F("figures__lesson"), "figures_version": F("figures__version")}


def _stored(submission: Submission, assignment: Assignment) -> Figures | None:
    """The stored figures read with a submission, if they are fresh: computed against the
    revision the class is on, by this version of the computation."""
    values = submission.__dict__
    if (values["figures_lesson"], values["figures_version"]) != (
        assignment.lesson_id,
        FIGURES_VERSION,
    ):
        return None
    return student_figures.from_columns({name: values[read] for name, read in _AS_READ.items()})


def _answered(ids: str | None) -> dict[int, int]:
    """Passage id -> questions answered there, from `with_answered_segments`'s list."""
    return dict(Counter(int(pk) for pk in (ids or "").split(",") if pk))


def load_class(
    assignment: Assignment,
    *,
    with_key: bool = True,
    submitted_only: bool = False,
    highlight_columns: Iterable[str] = (),
    count_answers: bool = False,
    with_highlights: bool = True,
    with_figures: bool = False,
    answered: bool = True,
) -> ClassWork:
    """Everything about one assignment's class, in six queries (four without the key; with
    stored figures, five, and one more only when some students' figures are not stored).

    `submitted_only` keeps only the work handed in. `highlight_columns` adds columns to the
    highlight rows (named rows with submission, segment, start, end and technique ids).
    `count_answers` gives each submission `answer_count`: its answers with some content
    (words, or techniques chosen), in the same query. `with_figures` reads each
    submission's stored figures with it (`ClassWork.figures`); then `with_highlights=False`
    reads only the highlights of the submissions whose figures are not stored. `answered`
    False leaves out which questions each student answered (`read_answered` reads them
    for some students)."""
    lesson = assignment.lesson
    segments = list(
        with_tasks(Segment.objects.filter(lesson=lesson))  # what each asks: `progress`
        .order_by("position")
        .only("id", "lesson_id", "position", "title", "text")
    )
    techniques: dict[int, Technique] = {}
    keys: list[KeySpan] = []
    if with_key:
        techniques = {
            t.pk: t
            for t in Technique.objects.filter(taxonomy=lesson.taxonomy_id).order_by("position")
        }
        keys = list(
            KeySpan.objects.filter(segment__lesson=lesson)
            .order_by("segment__position", "position", "pk")
            .only("id", "segment_id", "start", "end", "quote", "technique_id", "position")
        )
    codes = {pk: t.code for pk, t in techniques.items()}
    students = list(
        User.objects.filter(enrollments__classroom=assignment.classroom_id)
        .order_by("display_name", "pk")
        .only("id", "display_name", "username")
    )
    enrolled = {s.pk for s in students}
    # Through the assignment's own manager, each submission knows its assignment: due dates
    # and lateness read it without a query per student.
    submissions_qs = assignment.submissions.all()
    if answered:
        submissions_qs = with_answered_segments(submissions_qs)  # for `progress`
    if submitted_only:
        submissions_qs = submissions_qs.filter(submitted_at__isnull=False)
    if count_answers:
        chosen = Answer.techniques.through.objects.filter(answer=OuterRef("pk"))
        counted = (
            Answer.objects.filter(~Q(text="") | Exists(chosen), submission=OuterRef("pk"))
            .order_by()
            .values("submission")
            .annotate(n=Count("pk"))
            .values("n")
        )
        submissions_qs = submissions_qs.annotate(answer_count=Coalesce(Subquery(counted), 0))
    if with_figures:
        submissions_qs = submissions_qs.annotate(**_FIGURES)
    submissions = {s.student_id: s for s in submissions_qs if s.student_id in enrolled}
    owner = {s.pk: s.student_id for s in submissions.values()}

    stored: dict[int, Figures] = {}
    if with_figures:
        for student_id, submission in submissions.items():
            if (found := _stored(submission, assignment)) is not None:
                stored[student_id] = found
    columns = (*_HIGHLIGHT_COLUMNS, *highlight_columns)
    highlights_qs = Highlight.objects.filter(submission__assignment=assignment)
    if submitted_only:
        highlights_qs = highlights_qs.filter(submission__submitted_at__isnull=False)
    # With stored figures, only the highlights of the students whose figures are not stored
    # are read (none, normally: then no query at all).
    stale = [s.pk for student_id, s in submissions.items() if student_id not in stored]
    if not with_highlights:
        highlights_qs = highlights_qs.filter(submission__in=stale)
    highlights: dict[int, list[Any]] = defaultdict(list)
    if with_highlights or (with_figures and stale):
        for row in highlights_qs.order_by().values_list(*columns, named=True):
            whose = owner.get(row.submission_id)
            if whose is not None:
                highlights[whose].append(row)

    key_spans = [span_of(key, codes) for key in keys]
    spans = {
        student_id: [span_of(row, codes) for row in rows] for student_id, rows in highlights.items()
    }
    if with_figures and len(stored) < len(submissions):  # the key, only for those not stored
        key = student_figures.Key(
            ((k.pk, span) for k, span in zip(keys, key_spans, strict=True)),
            {code: pk for pk, code in codes.items()},
        )
        for student_id in submissions:
            if student_id not in stored:
                stored[student_id] = student_figures.figures_of(spans.get(student_id, []), key)
    return ClassWork(
        assignment=assignment,
        segments=segments,
        techniques=techniques,
        codes=codes,
        keys=keys,
        key_spans=key_spans,
        students=students,
        submissions=submissions,
        highlights=dict(highlights),
        spans=spans,
        figures=stored,
        answered={
            student_id: _answered(getattr(s, "answered_segments", None))
            for student_id, s in submissions.items()
        }
        if answered
        else {},
    )


def read_answered(work: ClassWork, students: Iterable[User]) -> None:
    """Which questions these students answered in each passage (`ClassWork.answered`), for a
    class loaded without (`answered=False`): one query."""
    mine = {work.submissions[s.pk].pk: s.pk for s in students if s.pk in work.submissions}
    for submission in with_answered_segments(
        Submission.objects.filter(pk__in=list(mine)).only("pk")
    ):
        ids = getattr(submission, "answered_segments", None)
        work.answered[mine[submission.pk]] = _answered(ids)


def dashboard_work(assignment: Assignment) -> ClassWork:
    """The class as the dashboard reads it: each student's stored figures, only the
    highlights of students whose figures are not stored, and which questions were answered
    for none of them yet (`build_progress` reads that for a page of students)."""
    return load_class(assignment, with_highlights=False, with_figures=True, answered=False)


# --- per student -----------------------------------------------------------------------------


@dataclass
class StudentRow:
    student: User
    submission: Submission | None
    cells: list[tuple[str, int]]  # per passage: its `PassageState`, and highlights
    done: int  # passages done: every prompt answered
    highlight_count: int
    scores: scoring.Scores | None  # None for a student who has not started
    spans_found: scoring.Scores | None
    found: int  # key spans found
    other: int = 0  # key spans highlighted with another technique only


def _states(
    work: ClassWork,
    student: User,
    submission: Submission | None,
    per_segment: Mapping[int, int],
    passages: Sequence[tuple[int, int, PassageTask]],
) -> list[PassageState]:
    """The student's state in each passage (`lessons.work.progress`): done only when every
    prompt is answered, from the highlights and answers already loaded. `passages`: each
    passage's id, position and what it asks, worked out once for all the students."""
    if submission is None:
        return [PassageState.NOT_OPENED] * len(passages)
    answered = work.answered.get(student.pk, {})
    reached = submission.reached
    return [
        passage_state(
            task,
            opened=position <= reached,
            highlights=per_segment.get(pk, 0),
            answered=answered.get(pk, 0),
        )
        for pk, position, task in passages
    ]


def student_rows(
    work: ClassWork, students: Iterable[User] | None = None, *, cells: bool = True
) -> list[StudentRow]:
    """A row per enrolled student (or per one of `students`), from their figures (load the
    class `with_figures`); without `cells`, no state per passage (the students export)."""
    has_key = bool(work.keys)
    passages = [(s.pk, s.position, task_of(s)) for s in work.segments] if cells else []
    rows = []
    for student in work.students if students is None else students:
        submission = work.submissions.get(student.pk)
        figures = work.figures.get(student.pk) if submission is not None else None
        per_segment = (
            {int(pk): n for pk, n in figures.per_passage.items()} if figures is not None else {}
        )
        statuses = _states(work, student, submission, per_segment, passages) if cells else []
        scored = figures if has_key else None
        rows.append(
            StudentRow(
                student=student,
                submission=submission,
                cells=[
                    (status, per_segment.get(pk, 0))
                    for status, (pk, _, _) in zip(statuses, passages, strict=False)
                ],
                done=statuses.count(PassageState.DONE),
                highlight_count=figures.highlight_count if figures is not None else 0,
                scores=scored.scores if scored is not None else None,
                spans_found=scored.spans_found if scored is not None else None,
                found=len(scored.found) if scored is not None else 0,
                other=len(scored.other) if scored is not None else 0,
            )
        )
    return rows


# --- the heat map ----------------------------------------------------------------------------


def heat_level(k: int, n: int) -> int:
    """0 for nobody, else 1..HEAT_LEVELS by the share k/n of students (each level a fifth)."""
    if k <= 0 or n <= 0:
        return 0
    return min(HEAT_LEVELS, -(-HEAT_LEVELS * k // n))


# The line under the words of each heat level (static/css/lens.css), so that the levels
# differ by more than their colour; the legend names it.
HEAT_LINES = {
    1: gettext_lazy("dotted line"),
    2: gettext_lazy("dashed line"),
    3: gettext_lazy("thin line"),
    4: gettext_lazy("thicker line"),
    5: gettext_lazy("thickest line"),
}


@dataclass
class LegendEntry:
    level: int
    low: int  # students
    high: int

    @property
    def line(self) -> str:
        return str(HEAT_LINES[self.level])


def heat_legend(n: int) -> list[LegendEntry]:
    """The levels that can occur for a class of n, with how many students each stands for."""
    entries = []
    for level in range(1, HEAT_LEVELS + 1):
        low = (level - 1) * n // HEAT_LEVELS + 1
        high = level * n // HEAT_LEVELS
        if low <= high:
            entries.append(LegendEntry(level, low, high))
    return entries


class HeatPiece(NamedTuple):
    """A stretch of a paragraph at one heat level: neighbouring runs of the same level are
    one piece, so a large class's map is no longer than a small one's."""

    text: str
    level: int  # 0 (nobody: no shading) .. HEAT_LEVELS
    students: int  # the most students who highlighted any of its characters


@dataclass
class Phrase:
    text: str  # whole words
    count: int  # students with a highlight in it


@dataclass
class SegmentHeat:
    segment: Segment
    paragraphs: list[list[HeatPiece]]  # the text split at line feeds, blank lines left out
    phrases: list[Phrase]  # the most highlighted phrases, for the text alternative
    runs: list[tuple[int, int, int]]  # from scoring.coverage_by_owner
    highlighters: int  # students with a highlight here


@lru_cache(maxsize=1024)  # by the text itself: a passage's lines are the same every request
def _lines(text: str) -> tuple[tuple[int, int], ...]:
    """Where each line of the text starts and ends (split at line feeds), blank lines left
    out."""
    lines = []
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        if line.strip():
            lines.append((start, end))
    return tuple(lines)


def _paragraphs(text: str, runs: list[tuple[int, int, int]], n: int) -> list[list[HeatPiece]]:
    """The segment's plain text as paragraphs (split at line feeds), each cut where the heat
    level of the runs of `scoring.coverage_by_owner` (k students of n) changes: neighbouring
    runs at one level are one piece, its text sliced once."""
    levels = [heat_level(k, n) for _, _, k in runs]
    paragraphs: list[list[HeatPiece]] = []
    count = len(runs)
    i = 0
    for start, end in _lines(text):
        while i < count and runs[i][1] <= start:
            i += 1
        pieces: list[HeatPiece] = []
        j = i
        level = most = -1
        first = last = start
        while j < count and runs[j][0] < end:
            a, b, k = runs[j]
            if levels[j] == level:
                most = max(most, k)
            else:
                if level >= 0:
                    pieces.append(HeatPiece(text[first:last], level, most))
                level, most, first = levels[j], k, max(a, start)
            last = min(b, end)
            j += 1
        if level >= 0:
            pieces.append(HeatPiece(text[first:last], level, most))
        paragraphs.append(pieces)
    return paragraphs


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened so that it cuts no word in two."""
    if start < len(text) and text[start].isalnum():
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    if end > 0 and text[end - 1].isalnum():
        while end < len(text) and text[end].isalnum():
            end += 1
    return start, end


def _quoted(words: str) -> str:
    """A phrase as the heat map quotes it: white space made single spaces, no punctuation at
    either end, and at most PHRASE_LENGTH characters, cut between words."""
    words = _PHRASE_ENDS.sub("", " ".join(words.split()))
    if len(words) <= PHRASE_LENGTH:
        return words
    cut = words[:PHRASE_LENGTH]
    if words[PHRASE_LENGTH] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return _PHRASE_ENDS.sub("", cut) + "…"


def phrases_of(text: str, owners: Mapping[int, list[scoring.Span]]) -> list[Phrase]:
    """The class's most highlighted phrases in one passage: every stretch of text where the
    students' highlights (of any technique) overlap or touch, as one phrase of whole words,
    counted by the students with a highlight in it (a student with several there counts
    once). Most students first, then in reading order."""
    flat = {
        owner: [
            x for s in scoring.merge_spans(spans, ignore_technique=True) for x in (s.start, s.end)
        ]
        for owner, spans in owners.items()
    }
    return _phrases(text, flat, coverage_runs(flat.values(), len(text)))


def _phrases(
    text: str, owners: Mapping[int, Sequence[int]], runs: list[tuple[int, int, int]]
) -> list[Phrase]:
    """`phrases_of`, from each owner's highlights in the passage already merged (start, end,
    start...: `Figures.coverage`) and the runs they make (`coverage_runs`): a stretch is a
    row of runs that somebody highlighted, and each owner counts once in the stretches
    where their highlights start."""
    stretches: list[list[int]] = []
    for start, end, k in runs:
        if not k:
            continue
        if stretches and stretches[-1][1] == start:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    starts = [start for start, _ in stretches]
    students = [0] * len(stretches)
    length = len(text)
    for flat in owners.values():
        if len(flat) == 2:  # most students highlighted one stretch of a passage: no set
            if flat[0] < length and flat[0] < flat[1]:
                students[bisect_right(starts, max(flat[0], 0)) - 1] += 1
            continue
        mine = {
            bisect_right(starts, max(flat[i], 0)) - 1
            for i in range(0, len(flat), 2)
            if flat[i] < length and flat[i] < flat[i + 1]
        }
        for index in mine:
            students[index] += 1
    candidates = []
    for (start, end), count in zip(stretches, students, strict=True):
        words = _quoted(text[slice(*_whole_words(text, start, end))])
        if words:
            candidates.append((-count, start, Phrase(words, count)))
    candidates.sort(key=lambda c: c[:2])
    return [phrase for _, _, phrase in candidates[:PHRASES_PER_SEGMENT]]


def coverage_runs(owners: Iterable[Sequence[int]], length: int) -> list[tuple[int, int, int]]:
    """`scoring.coverage_by_owner` from each owner's highlights in the passage already
    merged (disjoint, as start, end, start, end...: `Figures.coverage`): the runs
    (start, end, k) that tile [0, length), k the owners covering the run, neighbouring runs
    with the same k joined. A count of the changes at each position, so the work is about
    the number of highlights (a test checks it against `scoring.coverage_by_owner`)."""
    if length <= 0:
        return []
    changes: dict[int, int] = defaultdict(int)
    for flat in owners:
        for i in range(0, len(flat), 2):
            start = flat[i]
            if start < length:
                changes[start] += 1
                changes[min(flat[i + 1], length)] -= 1
    runs: list[tuple[int, int, int]] = []
    position = count = 0
    for at in sorted(changes):
        if at > position:
            _append_run(runs, position, at, count)
            position = at
        count += changes[at]
    if position < length:
        _append_run(runs, position, length, count)
    return runs


def _append_run(runs: list[tuple[int, int, int]], start: int, end: int, k: int) -> None:
    """Add the run (start, end, k), joining it to the previous run when k is the same."""
    if runs and runs[-1][2] == k:
        runs[-1] = (runs[-1][0], end, k)
    else:
        runs.append((start, end, k))


@dataclass
class HeatMap:
    segments: list[SegmentHeat]
    students: int  # n: how many students' work it shows
    legend: list[LegendEntry]


def heat_map(work: ClassWork, owners: Mapping[int, Figures]) -> HeatMap:
    """The class heat map over the students in `owners` (student id -> their figures, of
    which it reads what they highlighted in each passage: `Figures.coverage`)."""
    n = len(owners)
    by_segment: dict[str, dict[int, Sequence[int]]] = defaultdict(dict)
    for owner, figures in owners.items():
        for segment_id, flat in figures.coverage.items():
            by_segment[segment_id][owner] = flat
    segments = []
    for segment in work.segments:
        here = by_segment.get(str(segment.pk), {})
        runs = coverage_runs(here.values(), len(segment.text))
        segments.append(
            SegmentHeat(
                segment=segment,
                paragraphs=_paragraphs(segment.text, runs, n),
                phrases=_phrases(segment.text, here, runs),
                runs=runs,
                highlighters=len(here),
            )
        )
    return HeatMap(segments=segments, students=n, legend=heat_legend(n))


# --- what the class found and missed ---------------------------------------------------------


@dataclass
class TechniqueRate:
    technique: Technique
    key_spans: int  # in the key
    found: int  # summed over the students who started
    possible: int  # key_spans x students who started
    other: int = 0  # highlighted with another technique only, summed likewise

    @property
    def missed(self) -> int:
        return self.possible - self.found - self.other

    @property
    def found_percent(self) -> int:
        return round(100 * self.found / self.possible) if self.possible else 0

    @property
    def other_percent(self) -> int:
        return round(100 * self.other / self.possible) if self.possible else 0

    @property
    def missed_percent(self) -> int:
        return max(0, 100 - self.found_percent - self.other_percent) if self.possible else 0

    @property
    def missed_at(self) -> int:
        """Where the missed bar starts in the chart (percent)."""
        return self.found_percent + self.other_percent


def technique_rates(
    work: ClassWork, found_by_key: Counter[int], started: int, other_by_key: Counter[int]
) -> list[TechniqueRate]:
    """Per technique of the key: the share of its key spans that students found, highlighted
    with another technique, or missed, worst first."""
    counts: Counter[int] = Counter()
    found: Counter[int] = Counter()
    other: Counter[int] = Counter()
    for key in work.keys:
        counts[key.technique_id] += 1
        found[key.technique_id] += found_by_key[key.pk]
        other[key.technique_id] += other_by_key[key.pk]
    rates = [
        TechniqueRate(technique, counts[pk], found[pk], counts[pk] * started, other[pk])
        for pk, technique in work.techniques.items()
        if counts[pk]
    ]
    rates.sort(key=lambda r: (r.found / r.possible if r.possible else 1, r.technique.position))
    return rates


@dataclass
class MissedKey:
    key: KeySpan
    segment: Segment
    technique: Technique
    missed: int


def most_missed(
    work: ClassWork, found_by_key: Counter[int], started: int, other_by_key: Counter[int]
) -> list[MissedKey]:
    """The key spans most students did not highlight at all (a key span highlighted with
    another technique is not missed: it counts in the rates' own column)."""
    segments = {s.pk: s for s in work.segments}
    items = [
        MissedKey(key, segments[key.segment_id], work.techniques[key.technique_id], missed)
        for key in work.keys
        if (missed := started - found_by_key[key.pk] - other_by_key[key.pk]) > 0
    ]
    items.sort(key=lambda m: (-m.missed, m.segment.position, m.key.position))
    return items[:MOST_MISSED]


@dataclass
class ConfusionCell:
    count: int
    level: int  # 0..HEAT_LEVELS: the share of its row (what became of that key technique)
    diagonal: bool


@dataclass
class ConfusionRow:
    technique: Technique | None  # None: the row of student spans that are not in the key
    cells: list[ConfusionCell | None]  # None where no count can be


@dataclass
class Confusion:
    columns: list[Technique | None]  # None: the column of key spans missed
    rows: list[ConfusionRow]
    total: int


def confusion_table(work: ClassWork, by_id: Mapping[tuple[int, int], int]) -> Confusion:
    """Key technique (rows) x technique the students chose (columns), with a row for spans not
    in the key and a column for key spans missed: `scoring.confusion`'s counts, added up
    over the students (`figures.add_up`, techniques by id, 0 for none)."""
    counts: Counter[tuple[str, str]] = Counter()
    for (key_technique, student_technique), n in by_id.items():
        counts[(work.codes.get(key_technique, ""), work.codes.get(student_technique, ""))] += n
    by_code = {t.code: t for t in work.techniques.values()}
    in_key = {span.technique for span in work.key_spans}
    chosen = {student for _, student in counts if student}
    row_codes = [t.code for t in work.techniques.values() if t.code in in_key]
    column_codes = [t.code for t in work.techniques.values() if t.code in in_key | chosen]
    rows = []
    for row_code in [*row_codes, ""]:
        row_total = sum(n for (key_code, _), n in counts.items() if key_code == row_code)
        cells: list[ConfusionCell | None] = []
        for column_code in [*column_codes, ""]:
            if not row_code and not column_code:
                cells.append(None)  # a span neither in the key nor highlighted: no such thing
                continue
            count = counts.get((row_code, column_code), 0)
            diagonal = bool(row_code) and row_code == column_code
            cells.append(ConfusionCell(count, heat_level(count, row_total), diagonal))
        rows.append(ConfusionRow(by_code.get(row_code), cells))
    return Confusion(
        columns=[*(by_code[c] for c in column_codes), None],
        rows=rows,
        total=sum(counts.values()),
    )


@dataclass
class SegmentAgreement:
    segment: Segment
    agreement: float | None  # in [0, 1]; None where nobody highlighted: nothing to agree on
    highlighters: int  # students with a highlight in this passage

    @property
    def percent(self) -> int | None:
        return None if self.agreement is None else round(100 * self.agreement)


def agreements(heat: HeatMap) -> list[SegmentAgreement]:
    """Class agreement per passage, lowest (most disagreement) first; empty under 2 students.
    From the runs the heat map has already swept, not a second sweep. A passage nobody
    highlighted has no figure (the measure would call it full agreement: everybody left it
    alone), and comes last."""
    result = []
    for item in heat.segments:
        value = scoring.agreement_of_runs(item.runs, heat.students, len(item.segment.text))
        if value is not None:
            shown = value if item.highlighters else None
            result.append(SegmentAgreement(item.segment, shown, item.highlighters))
    result.sort(key=lambda a: (a.agreement is None, a.agreement or 0, a.segment.position))
    return result


# --- the pages -------------------------------------------------------------------------------


@dataclass
class Progress:
    """The progress table: one page of the class's students."""

    work: ClassWork
    students: int  # enrolled
    page: Page  # of the enrolled students, STUDENTS_PER_PAGE at a time
    rows: list[StudentRow]  # the page's

    @property
    def passages(self) -> int:
        return len(self.work.segments)


def build_progress(work: ClassWork, page: int | str | None = 1) -> Progress:
    """One page of the progress table of a class loaded `with_figures` (the first for a page
    number that is no page; the last for one beyond it)."""
    shown = Paginator(work.students, STUDENTS_PER_PAGE).get_page(page)
    if not work.answered:
        read_answered(work, shown.object_list)
    return Progress(
        work=work,
        students=len(work.students),
        page=shown,
        rows=student_rows(work, shown.object_list),
    )


@dataclass
class Dashboard:
    work: ClassWork
    progress: Progress
    started: int
    submitted: int
    late: int
    heat: HeatMap
    rates: list[TechniqueRate]
    confusion: Confusion
    missed: list[MissedKey]
    agreements: list[SegmentAgreement]

    @property
    def rows(self) -> list[StudentRow]:
        return self.progress.rows


def build_dashboard(work: ClassWork, page: int | str | None = 1) -> Dashboard:
    """The dashboard of a class loaded `with_figures`: the class's figures added up over the
    students who started (`figures.add_up`), and one page of the progress table."""
    owners = {s.pk: work.figures[s.pk] for s in work.started}
    started = len(owners)
    sums = student_figures.add_up(owners.values())
    heat = heat_map(work, owners)
    return Dashboard(
        work=work,
        progress=build_progress(work, page),
        started=started,
        submitted=sum(s.is_submitted for s in work.submissions.values()),
        late=sum(s.is_late for s in work.submissions.values()),
        heat=heat,
        rates=technique_rates(work, sums.found, started, sums.other),
        confusion=confusion_table(work, sums.confusion),
        missed=most_missed(work, sums.found, started, sums.other),
        agreements=agreements(heat),
    )


def build_class_map(work: ClassWork) -> HeatMap | None:
    """The anonymous heat map of the work handed in (load `with_figures` and
    `submitted_only`), or None while too few students have handed in for it to stay
    anonymous."""
    owners = {s.pk: work.figures[s.pk] for s in work.started}
    if len(owners) < MIN_CLASS_MAP_STUDENTS:
        return None
    return heat_map(work, owners)
