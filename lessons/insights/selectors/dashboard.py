"""One assignment's class at a glance: the teacher's dashboard, the students' class map and
the figures the CSV exports share.

`load_class` reads the work in a fixed handful of queries whatever the class size (segments,
techniques, key, enrolled students, submissions, highlights); everything else is computed
here in Python with the sweeps of `scoring`, never with a query per student.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from core.models import User
from lessons.library.models import KeySpan, Segment, Technique
from lessons.work.models import Answer, Assignment, Highlight, Submission
from lessons.work.progress import PassageState, passage_state
from lessons.work.selectors import answered_in, task_of, with_answered_segments, with_tasks

from .. import scoring
from .spans import span_of

HEAT_LEVELS = 5
PHRASES_PER_SEGMENT = 5
PHRASE_LENGTH = 80  # characters of a phrase quoted in the heat map's text alternative
MOST_MISSED = 10
MIN_CLASS_MAP_STUDENTS = 3  # fewer, and a student could tell who highlighted what

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
    # technique_id, then the `highlight_columns` asked for.
    highlights: dict[int, list[Any]]
    spans: dict[int, list[scoring.Span]]  # by student id: highlights[i] as a scoring span

    @property
    def started(self) -> list[User]:
        """The students who opened the lesson (they have a submission), by display name."""
        return [s for s in self.students if s.pk in self.submissions]


def load_class(
    assignment: Assignment,
    *,
    with_key: bool = True,
    submitted_only: bool = False,
    highlight_columns: Iterable[str] = (),
    count_answers: bool = False,
) -> ClassWork:
    """Everything about one assignment's class, in six queries (four without the key).

    `submitted_only` keeps only the work handed in. `highlight_columns` adds columns to the
    highlight rows (named rows with submission, segment, start, end and technique ids).
    `count_answers` gives each submission `answer_count`: its answers with some content
    (words, or techniques chosen), in the same query.
    """
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
    students = list(
        User.objects.filter(enrollments__classroom=assignment.classroom_id)
        .order_by("display_name", "pk")
        .only("id", "display_name", "username")
    )
    enrolled = {s.pk for s in students}
    # Through the assignment's own manager, each submission knows its assignment: due dates
    # and lateness read it without a query per student.
    submissions_qs = with_answered_segments(assignment.submissions.all())  # for `progress`
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
    submissions = {s.student_id: s for s in submissions_qs if s.student_id in enrolled}
    owner = {s.pk: s.student_id for s in submissions.values()}

    columns = (*_HIGHLIGHT_COLUMNS, *highlight_columns)
    highlights_qs = Highlight.objects.filter(submission__assignment=assignment)
    if submitted_only:
        highlights_qs = highlights_qs.filter(submission__submitted_at__isnull=False)
    highlights: dict[int, list[Any]] = defaultdict(list)
    for row in highlights_qs.order_by().values_list(*columns, named=True):
        student_id = owner.get(row.submission_id)
        if student_id is not None:
            highlights[student_id].append(row)

    codes = {pk: t.code for pk, t in techniques.items()}
    return ClassWork(
        assignment=assignment,
        segments=segments,
        techniques=techniques,
        codes=codes,
        keys=keys,
        key_spans=[span_of(key, codes) for key in keys],
        students=students,
        submissions=submissions,
        highlights=dict(highlights),
        spans={
            student_id: [span_of(row, codes) for row in rows]
            for student_id, rows in highlights.items()
        },
    )


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
    work: ClassWork, submission: Submission | None, per_segment: Counter[int]
) -> list[PassageState]:
    """The student's state in each passage (`lessons.work.progress`): done only when every
    prompt is answered, from the highlights and answers already loaded."""
    if submission is None:
        return [PassageState.NOT_OPENED] * len(work.segments)
    answered = answered_in(submission)
    return [
        passage_state(
            task_of(s),
            opened=s.position <= submission.reached,
            highlights=per_segment[s.pk],
            answered=answered.get(s.pk, 0),
        )
        for s in work.segments
    ]


def student_rows(
    work: ClassWork, key: scoring.KeyIndex, *, spans_only: bool = False
) -> tuple[list[StudentRow], Counter[int], Counter[int]]:
    """A row per enrolled student; how many students found each key span, and how many
    highlighted it with another technique only (both by key id)."""
    keys_by_span: dict[scoring.Span, list[KeySpan]] = defaultdict(list)
    for item, span in zip(work.keys, work.key_spans, strict=True):
        keys_by_span[span].append(item)
    found_by_key: Counter[int] = Counter()
    other_by_key: Counter[int] = Counter()
    rows = []
    for student in work.students:
        submission = work.submissions.get(student.pk)
        spans = work.spans.get(student.pk, [])
        per_segment = Counter(span.segment for span in spans)
        scores = found_spans = None
        found = other = 0
        if submission is not None and work.keys:
            scores = key.score(spans)
            if spans_only:
                found_spans = key.score_spans_only(spans)
            for span in key.found(spans):
                for item in keys_by_span[span]:
                    found_by_key[item.pk] += 1
                    found += 1
            for span in key.other_technique(spans):
                for item in keys_by_span[span]:
                    other_by_key[item.pk] += 1
                    other += 1
        statuses = _states(work, submission, per_segment)
        rows.append(
            StudentRow(
                student=student,
                submission=submission,
                cells=[
                    (status, per_segment[s.pk])
                    for status, s in zip(statuses, work.segments, strict=True)
                ],
                done=statuses.count(PassageState.DONE),
                highlight_count=len(spans),
                scores=scores,
                spans_found=found_spans,
                found=found,
                other=other,
            )
        )
    return rows, found_by_key, other_by_key


# --- the heat map ----------------------------------------------------------------------------


def heat_level(k: int, n: int) -> int:
    """0 for nobody, else 1..HEAT_LEVELS by the share k/n of students (each level a fifth)."""
    if k <= 0 or n <= 0:
        return 0
    return min(HEAT_LEVELS, -(-HEAT_LEVELS * k // n))


@dataclass
class LegendEntry:
    level: int
    low: int  # students
    high: int


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
    """A stretch of a paragraph that the same number of students highlighted."""

    text: str
    level: int  # 0 (nobody: no shading) .. HEAT_LEVELS
    students: int  # how many highlighted it


@dataclass
class Phrase:
    text: str
    count: int


@dataclass
class SegmentHeat:
    segment: Segment
    paragraphs: list[list[HeatPiece]]  # the text split at line feeds, blank lines left out
    phrases: list[Phrase]  # the most highlighted runs, for the text alternative
    runs: list[tuple[int, int, int]]  # from scoring.coverage_by_owner
    highlighters: int  # students with a highlight here


def _paragraphs(text: str, runs: list[tuple[int, int, int]], n: int) -> list[list[HeatPiece]]:
    """The segment's plain text as paragraphs (split at line feeds), each cut where the runs
    of `scoring.coverage_by_owner` change, with the heat level of the k students of a run."""
    paragraphs: list[list[HeatPiece]] = []
    i = 0
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        while i < len(runs) and runs[i][1] <= start:
            i += 1
        if not line.strip():
            continue
        pieces = []
        j = i
        while j < len(runs) and runs[j][0] < end:
            a, b, k = runs[j]
            pieces.append(HeatPiece(text[max(a, start) : min(b, end)], heat_level(k, n), k))
            j += 1
        paragraphs.append(pieces)
    return paragraphs


def _phrases(text: str, runs: list[tuple[int, int, int]]) -> list[Phrase]:
    candidates = []
    for start, end, k in runs:
        words = " ".join(text[start:end].split())
        if k and any(c.isalnum() for c in words):
            if len(words) > PHRASE_LENGTH:
                words = words[: PHRASE_LENGTH - 1].rstrip() + "…"
            candidates.append((-k, start, Phrase(words, k)))
    candidates.sort(key=lambda c: c[:2])
    return [phrase for _, _, phrase in candidates[:PHRASES_PER_SEGMENT]]


def _spans_by_segment(
    owners: Mapping[int, list[scoring.Span]],
) -> dict[int, dict[int, list[scoring.Span]]]:
    by_segment: dict[int, dict[int, list[scoring.Span]]] = defaultdict(dict)
    for owner, spans in owners.items():
        for span in spans:
            by_segment[span.segment].setdefault(owner, []).append(span)
    return by_segment


@dataclass
class HeatMap:
    segments: list[SegmentHeat]
    students: int  # n: how many students' work it shows
    legend: list[LegendEntry]


def heat_map(work: ClassWork, owners: Mapping[int, list[scoring.Span]]) -> HeatMap:
    """The class heat map over the students in `owners` (student id -> spans)."""
    n = len(owners)
    by_segment = _spans_by_segment(owners)
    segments = []
    for segment in work.segments:
        runs = scoring.coverage_by_owner(
            by_segment.get(segment.pk, {}), segment.pk, len(segment.text)
        )
        segments.append(
            SegmentHeat(
                segment=segment,
                paragraphs=_paragraphs(segment.text, runs, n),
                phrases=_phrases(segment.text, runs),
                runs=runs,
                highlighters=len(by_segment.get(segment.pk, ())),
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


def confusion_table(
    work: ClassWork, key: scoring.KeyIndex, owners: Mapping[int, list[scoring.Span]]
) -> Confusion:
    """Key technique (rows) x technique the students chose (columns), with a row for spans not
    in the key and a column for key spans missed (see `scoring.confusion`)."""
    counts = key.confusion(owners.values())
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
    agreement: float  # in [0, 1]
    highlighters: int  # students with a highlight in this passage

    @property
    def percent(self) -> int:
        return round(100 * self.agreement)


def agreements(heat: HeatMap) -> list[SegmentAgreement]:
    """Class agreement per passage, lowest (most disagreement) first; empty under 2 students.
    From the runs the heat map has already swept, not a second sweep."""
    result = []
    for item in heat.segments:
        value = scoring.agreement_of_runs(item.runs, heat.students, len(item.segment.text))
        if value is not None:
            result.append(SegmentAgreement(item.segment, value, item.highlighters))
    # Passages nobody highlighted agree trivially: they go last.
    result.sort(key=lambda a: (not a.highlighters, a.agreement, a.segment.position))
    return result


# --- the pages -------------------------------------------------------------------------------


@dataclass
class Dashboard:
    work: ClassWork
    rows: list[StudentRow]
    passages: int
    started: int
    submitted: int
    late: int
    heat: HeatMap
    rates: list[TechniqueRate]
    confusion: Confusion
    missed: list[MissedKey]
    agreements: list[SegmentAgreement]


def build_dashboard(work: ClassWork) -> Dashboard:
    key = scoring.KeyIndex(work.key_spans)
    rows, found_by_key, other_by_key = student_rows(work, key)
    owners = {s.pk: work.spans.get(s.pk, []) for s in work.started}
    started = len(owners)
    heat = heat_map(work, owners)
    return Dashboard(
        work=work,
        rows=rows,
        passages=len(work.segments),
        started=started,
        submitted=sum(s.is_submitted for s in work.submissions.values()),
        late=sum(s.is_late for s in work.submissions.values()),
        heat=heat,
        rates=technique_rates(work, found_by_key, started, other_by_key),
        confusion=confusion_table(work, key, owners),
        missed=most_missed(work, found_by_key, started, other_by_key),
        agreements=agreements(heat),
    )


def build_class_map(work: ClassWork) -> HeatMap | None:
    """The anonymous heat map of the work handed in (load with `submitted_only`), or None
    while too few students have handed in for it to stay anonymous."""
    owners = {s.pk: work.spans.get(s.pk, []) for s in work.started}
    if len(owners) < MIN_CLASS_MAP_STUDENTS:
        return None
    return heat_map(work, owners)
