"""One assignment's class at a glance: the teacher's dashboard, the students' class map and
the figures the CSV exports share.

`load_class` reads the work in a fixed handful of queries whatever the class size (segments,
techniques, key, enrolled students, submissions, highlights); everything else is computed
here in Python with the sweeps of `scoring`, never with a query per student.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from core.models import User
from lessons.library.models import KeySpan, Segment, Technique
from lessons.work.models import Assignment, Highlight, Submission

from . import scoring

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
    keys: list[KeySpan]  # empty unless loaded `with_key`
    students: list[User]  # enrolled, by display name
    submissions: dict[int, Submission]  # by student id
    highlights: dict[int, list[tuple]] = field(default_factory=dict)  # rows by student id
    spans: dict[int, list[scoring.Span]] = field(default_factory=dict)  # by student id

    @property
    def started(self) -> list[User]:
        """The students who opened the lesson (they have a submission), by display name."""
        return [s for s in self.students if s.pk in self.submissions]

    @property
    def key_spans(self) -> list[scoring.Span]:
        return [key.span for key in self.keys]


def load_class(
    assignment: Assignment,
    *,
    with_key: bool = True,
    submitted_only: bool = False,
    highlight_columns: Iterable[str] = (),
) -> ClassWork:
    """Everything about one assignment's class, in six queries (four without the key).

    `submitted_only` keeps only the work handed in. `highlight_columns` adds columns to the
    highlight rows (tuples starting with submission, segment, start, end, technique ids).
    """
    lesson = assignment.lesson
    segments = list(
        Segment.objects.filter(lesson=lesson)
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
    submissions_qs = Submission.objects.filter(assignment=assignment)
    if submitted_only:
        submissions_qs = submissions_qs.filter(submitted_at__isnull=False)
    submissions: dict[int, Submission] = {}
    for submission in submissions_qs:
        if submission.student_id in enrolled:
            submission.assignment = assignment  # due dates read it: no query per student
            submissions[submission.student_id] = submission
    owner = {s.pk: s.student_id for s in submissions.values()}

    columns = (*_HIGHLIGHT_COLUMNS, *highlight_columns)
    highlights_qs = Highlight.objects.filter(submission__assignment=assignment)
    if submitted_only:
        highlights_qs = highlights_qs.filter(submission__submitted_at__isnull=False)
    highlights: dict[int, list[tuple]] = defaultdict(list)
    for row in highlights_qs.order_by().values_list(*columns):
        student_id = owner.get(row[0])
        if student_id is not None:
            highlights[student_id].append(row)

    codes = {pk: t.code for pk, t in techniques.items()}
    for key in keys:
        key.technique_code = codes.get(key.technique_id, "")
        key.span = scoring.Span(key.segment_id, key.start, key.end, key.technique_code)
    spans = {
        student_id: [scoring.Span(r[1], r[2], r[3], codes.get(r[4], "")) for r in rows]
        for student_id, rows in highlights.items()
    }
    return ClassWork(
        assignment=assignment,
        segments=segments,
        techniques=techniques,
        keys=keys,
        students=students,
        submissions=submissions,
        highlights=dict(highlights),
        spans=spans,
    )


# --- the key, once for the whole class --------------------------------------------------------


def _rescaled(part: scoring.Scores, part_count: int, count: int) -> scoring.Scores:
    """Scores measured against part of the key (`part_count` of its `count` spans), as
    scores against the whole key: see `KeyIndex`."""
    if count == 0 or part_count == count:
        return part
    recall = part.recall * part_count / count
    total = part.precision + recall
    f1 = 2 * part.precision * recall / total if total else 0.0
    return scoring.Scores(part.precision, recall, f1, part.student_count, count)


class KeyIndex:
    """The answer key, grouped once for the whole class.

    The partial-overlap measure is a sum over passages (and techniques): a student's span only
    ever meets key spans of its own passage and technique, and the key spans elsewhere only add
    to |T|. So each student is scored by `scoring` against the few key spans where they
    highlighted, and recall is rescaled to the whole key: the same figures as scoring against
    the whole key (tests/test_dashboard.py checks it), without a pass over the whole key for
    every student.
    """

    def __init__(self, spans: Iterable[scoring.Span]) -> None:
        self.spans = list(dict.fromkeys(spans))  # the key is a set, as in `scoring`
        self.by_group: dict[tuple, list[scoring.Span]] = defaultdict(list)
        self.by_segment: dict[int, list[scoring.Span]] = defaultdict(list)
        for t in self.spans:
            self.by_group[(t.segment, t.technique)].append(t)
            self.by_segment[t.segment].append(t)
        merged = scoring.merge_spans(self.spans, ignore_technique=True)
        self.merged_count = len(merged)
        self.merged_by_segment = Counter(t.segment for t in merged)
        self.techniques_by_segment = {
            segment: Counter(t.technique for t in spans)
            for segment, spans in self.by_segment.items()
        }

    def _in_groups(self, spans: list[scoring.Span]) -> list[scoring.Span]:
        groups = dict.fromkeys((s.segment, s.technique) for s in spans)
        return [t for group in groups for t in self.by_group.get(group, ())]

    def _in_segments(self, segments: Iterable[int]) -> list[scoring.Span]:
        return [t for segment in segments for t in self.by_segment.get(segment, ())]

    def score(self, spans: list[scoring.Span]) -> scoring.Scores:
        """`scoring.score(spans, key)`."""
        if not spans:
            return scoring.score(spans, self.spans)
        part = self._in_groups(spans)
        return _rescaled(scoring.score(spans, part), len(part), len(self.spans))

    def score_spans_only(self, spans: list[scoring.Span]) -> scoring.Scores:
        """`scoring.score_spans_only(spans, key)`."""
        if not spans:
            return scoring.score_spans_only(spans, self.spans)
        segments = dict.fromkeys(s.segment for s in spans)
        part_count = sum(self.merged_by_segment[segment] for segment in segments)
        part = scoring.score_spans_only(spans, self._in_segments(segments))
        return _rescaled(part, part_count, self.merged_count)

    def found(self, spans: list[scoring.Span]) -> list[scoring.Span]:
        """`scoring.found_key_spans(spans, key)`, in the key's order by group."""
        return scoring.found_key_spans(spans, self._in_groups(spans))

    def confusion(self, owners_spans: Iterable[list[scoring.Span]]) -> Counter:
        """`scoring.confusion(owners_spans, key)`: each student against the key spans of the
        passages they highlighted; in the others, every key span was missed."""
        counts: Counter = Counter()
        untouched: Counter = Counter()  # passage -> students who highlighted nothing there
        for spans in owners_spans:
            segments = dict.fromkeys(s.segment for s in spans)
            if segments:
                counts.update(scoring.confusion([spans], self._in_segments(segments)))
            for segment in self.by_segment:
                if segment not in segments:
                    untouched[segment] += 1
        for segment, students in untouched.items():
            for technique, n in self.techniques_by_segment[segment].items():
                counts[(technique, "")] += n * students
        return counts


# --- per student -----------------------------------------------------------------------------

_CELL_START = {
    "done": '<td class="cell cell-done"><span aria-hidden="true">✓</span>'
    '<span class="visually-hidden">done</span>',
    "progress": '<td class="cell cell-progress"><span aria-hidden="true">…</span>'
    '<span class="visually-hidden">in progress</span>',
    "none": '<td class="cell cell-none"><span aria-hidden="true">·</span>'
    '<span class="visually-hidden">not started</span>',
}


@dataclass
class StudentRow:
    student: User
    submission: Submission | None
    statuses: list[str]  # per passage: "done", "progress" or "none"
    per_segment: list[int]  # highlights per passage
    highlight_count: int
    scores: scoring.Scores | None  # None for a student who has not started
    spans_found: scoring.Scores | None
    found: int  # key spans found

    @property
    def done(self) -> int:
        return self.statuses.count("done")


def _when(value) -> str:
    return dateformat.format(timezone.localtime(value), "j M, H:i")


def progress_rows_html(rows: list[StudentRow], work: ClassWork) -> SafeString:
    """The progress table's body. Built here rather than in the template: a class of 200 has
    5,000 cells, and the template language took most of the page's time to draw them. Every
    text from the database is escaped; the rest is fixed text and numbers."""
    passages = len(work.segments)
    keys = len(work.keys)
    muted = '<span class="muted">{}</span>'.format
    # One reverse() for the whole table: the student's id goes where the 0 is.
    url_start, url_end = reverse("insights:student_work", args=[work.assignment.pk, 0]).rsplit(
        "0", 1
    )
    out = []
    for row in rows:
        name = escape(row.student.display_name)
        url = f"{url_start}{row.student.pk}{url_end}"
        submission = row.submission
        if submission is None:
            handed_in = muted("not started")
        elif submission.submitted_at is None:
            handed_in = muted("not yet")
        else:
            handed_in = _when(submission.submitted_at)
            if submission.is_late:
                handed_in += ' <strong class="flag-late">LATE</strong>'
        if submission is not None and submission.extended_due_at:
            extension = f"until {_when(submission.extended_due_at)}"
        else:
            extension = muted("none")
        if row.scores is None:
            found = f1 = muted("\N{EN DASH}")
        else:
            found, f1 = f"{row.found} of {keys}", f"{row.scores.f1:.2f}"
        done = row.done
        out.append(
            f'<tr><th scope="row"><a href="{url}">{name}</a></th>'
            f'<td class="nowrap"><progress max="{passages}" value="{done}" '
            f'aria-label="Passages done by {name}">{done} of {passages}</progress> '
            f"{done}/{passages}</td>"
            f"<td>{handed_in}</td><td>{extension}</td>"
            f'<td class="number">{row.highlight_count}</td>'
            f'<td class="number">{found}</td><td class="number">{f1}</td>'
        )
        for status, count in zip(row.statuses, row.per_segment, strict=True):
            out.append(_CELL_START[status])
            if count:
                plural = "" if count == 1 else "s"
                out.append(
                    f' <span class="cell-count">{count}'
                    f'<span class="visually-hidden"> highlight{plural}</span></span>'
                )
            out.append("</td>")
        out.append("</tr>\n")
    return mark_safe("".join(out))  # database text is escaped above


def _status(submission: Submission | None, position: int) -> str:
    if submission is None:
        return "none"
    if submission.is_submitted or position < submission.reached:
        return "done"
    if position == submission.reached:
        return "progress"
    return "none"


def student_rows(
    work: ClassWork, key: KeyIndex, *, spans_only: bool = False
) -> tuple[list[StudentRow], Counter]:
    """A row per enrolled student, and how many students found each key span (by key id)."""
    keys_by_span: dict[scoring.Span, list[KeySpan]] = defaultdict(list)
    for item in work.keys:
        keys_by_span[item.span].append(item)
    found_by_key: Counter = Counter()
    rows = []
    for student in work.students:
        submission = work.submissions.get(student.pk)
        spans = work.spans.get(student.pk, [])
        per_segment = Counter(span.segment for span in spans)
        scores = found_spans = None
        found = 0
        if submission is not None and work.keys:
            scores = key.score(spans)
            if spans_only:
                found_spans = key.score_spans_only(spans)
            for span in key.found(spans):
                for item in keys_by_span[span]:
                    found_by_key[item.pk] += 1
                    found += 1
        rows.append(
            StudentRow(
                student=student,
                submission=submission,
                statuses=[_status(submission, s.position) for s in work.segments],
                per_segment=[per_segment.get(s.pk, 0) for s in work.segments],
                highlight_count=len(spans),
                scores=scores,
                spans_found=found_spans,
                found=found,
            )
        )
    return rows, found_by_key


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


@dataclass
class Phrase:
    text: str
    count: int


@dataclass
class SegmentHeat:
    segment: Segment
    html: SafeString  # the text, paragraph by paragraph, runs shaded by how many highlighted
    phrases: list[Phrase]  # the most highlighted runs, for the text alternative
    runs: list[tuple[int, int, int]]  # from scoring.coverage_by_owner
    highlighters: int  # students with a highlight here


def _heat_html(text: str, runs: list[tuple[int, int, int]], n: int) -> SafeString:
    """The segment's plain text as paragraphs (split at line feeds), each run of characters
    that k students highlighted wrapped in a span of class heat-<level>."""
    out: list[str] = []
    i = 0
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        while i < len(runs) and runs[i][1] <= start:
            i += 1
        if not line.strip():
            continue
        parts = []
        j = i
        while j < len(runs) and runs[j][0] < end:
            a, b, k = runs[j]
            piece = escape(text[max(a, start) : min(b, end)], quote=False)
            level = heat_level(k, n)
            if level:
                parts.append(f'<span class="heat heat-{level}" data-count="{k}">{piece}</span>')
            else:
                parts.append(piece)
            j += 1
        out.append(f"<p>{''.join(parts)}</p>")
    return mark_safe("\n".join(out))  # every piece of text is escaped above


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
                html=_heat_html(segment.text, runs, n),
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

    @property
    def missed(self) -> int:
        return self.possible - self.found

    @property
    def found_percent(self) -> int:
        return round(100 * self.found / self.possible) if self.possible else 0

    @property
    def missed_percent(self) -> int:
        return 100 - self.found_percent if self.possible else 0


def technique_rates(work: ClassWork, found_by_key: Counter, started: int) -> list[TechniqueRate]:
    """Per technique of the key: the share of its key spans that students found, worst first."""
    counts: Counter = Counter()
    found: Counter = Counter()
    for key in work.keys:
        counts[key.technique_id] += 1
        found[key.technique_id] += found_by_key[key.pk]
    rates = [
        TechniqueRate(technique, counts[pk], found[pk], counts[pk] * started)
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


def most_missed(work: ClassWork, found_by_key: Counter, started: int) -> list[MissedKey]:
    segments = {s.pk: s for s in work.segments}
    items = [
        MissedKey(key, segments[key.segment_id], work.techniques[key.technique_id], missed)
        for key in work.keys
        if (missed := started - found_by_key[key.pk]) > 0
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
    work: ClassWork, key: KeyIndex, owners: Mapping[int, list[scoring.Span]]
) -> Confusion:
    """Key technique (rows) x technique the students chose (columns), with a row for spans not
    in the key and a column for key spans missed (see `scoring.confusion`)."""
    counts = key.confusion(owners.values())
    by_code = {t.code: t for t in work.techniques.values()}
    in_key = {key.technique_code for key in work.keys}
    chosen = {student for _, student in counts if student}
    row_codes = [t.code for t in work.techniques.values() if t.code in in_key]
    column_codes = [t.code for t in work.techniques.values() if t.code in in_key | chosen]
    rows = []
    for row_code in [*row_codes, ""]:
        row_total = sum(n for (key, _), n in counts.items() if key == row_code)
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


def _agreement(runs: list[tuple[int, int, int]], n: int, length: int) -> float | None:
    """`scoring.agreement` for n students, from the runs of `scoring.coverage_by_owner` that
    the heat map has already swept (the test checks that both agree)."""
    if n < 2 or length <= 0:
        return None
    agreeing = sum((b - a) * (k * (k - 1) + (n - k) * (n - k - 1)) for a, b, k in runs)
    return agreeing / (n * (n - 1) * length)


def agreements(heat: HeatMap) -> list[SegmentAgreement]:
    """Class agreement per passage, lowest (most disagreement) first; empty under 2 students."""
    result = []
    for item in heat.segments:
        value = _agreement(item.runs, heat.students, len(item.segment.text))
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
    started: int
    submitted: int
    late: int
    heat: HeatMap
    rates: list[TechniqueRate]
    confusion: Confusion
    missed: list[MissedKey]
    agreements: list[SegmentAgreement]

    @property
    def progress_html(self) -> SafeString:
        return progress_rows_html(self.rows, self.work)


def build_dashboard(work: ClassWork) -> Dashboard:
    key = KeyIndex(work.key_spans)
    rows, found_by_key = student_rows(work, key)
    owners = {s.pk: work.spans.get(s.pk, []) for s in work.started}
    started = len(owners)
    heat = heat_map(work, owners)
    return Dashboard(
        work=work,
        rows=rows,
        started=started,
        submitted=sum(s.is_submitted for s in work.submissions.values()),
        late=sum(s.is_late for s in work.submissions.values()),
        heat=heat,
        rates=technique_rates(work, found_by_key, started),
        confusion=confusion_table(work, key, owners),
        missed=most_missed(work, found_by_key, started),
        agreements=agreements(heat),
    )


def build_class_map(work: ClassWork) -> HeatMap | None:
    """The anonymous heat map of the work handed in (load with `submitted_only`), or None
    while too few students have handed in for it to stay anonymous."""
    owners = {s.pk: work.spans.get(s.pk, []) for s in work.started}
    if len(owners) < MIN_CLASS_MAP_STUDENTS:
        return None
    return heat_map(work, owners)
