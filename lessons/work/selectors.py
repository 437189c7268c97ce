"""Reads on students' work, as the pages show it: each returns dataclasses for the templates
and runs a fixed number of queries, however large the class.

- The exercise: a passage with the student's highlights drawn in, its prompts with their
  answers, the student's progress passage by passage.
- The class pages: a student's assignments, a teacher's classes, a class's roster.
- Moving an assignment to a later revision of its lesson (`move_refusal`, `plan_move`) and
  the work a move could not carry over.

The guarantees of a move (docs/revisions.md):

1. A published revision is never changed. Editing it starts a draft of the next revision, an
   exact copy (passages, prompts and key spans keep their identity, `uid`).
2. Publishing that draft marks the earlier revision replaced; assignments stay on the
   revision they were given, so students' highlights keep pointing at the words they chose.
3. A teacher may move an assignment to the newer revision. Every highlight goes where the
   author's edits took its own characters, as the editor recorded them
   (`library.selectors.revision_maps`, `textmap.locate`), when they survived together and
   unchanged; only a revision the editor did not record (imported from a lesson file) is
   searched, and then only for words that stand once in the whole revision with the same
   words on both sides. Answers and reviews follow their prompt and key span by identity.
   Whatever cannot be placed is kept whole as `UnplacedWork` and listed for the teacher:
   never dropped, never put on other words; so is work found on a revision the class is no
   longer on (saved during a move before moves locked the class's work).
"""

import functools
import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Literal

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.expressions import Col
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core import jobs
from core.models import Classroom, Enrollment, Job, School, User
from core.refusals import Refusal
from lessons.library.anchoring import CONTEXT_CHECK, Anchor, anchor_at, occurrences
from lessons.library.models import (
    KeySpan,
    Lesson,
    Prompt,
    Segment,
    Taxonomy,
    Technique,
    catalogue_text,
)
from lessons.library.rendering import (
    Mark,
    Piece,
    annotate_in_pieces,
    annotate_pieces,
    pieces_around,
)
from lessons.library.selectors import revision_maps
from lessons.library.services import newer_revision
from lessons.library.textmap import TextMap, locate

from .models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)
from .progress import PassageCounts, PassageState, PassageTask, passage_state

# Progress: the states of `progress.py`, fed from the queries the pages already run ------

ANSWERABLE = (Prompt.Kind.TEXT, Prompt.Kind.CHOOSE)


def _written() -> QuerySet[Answer]:
    """Answers with something in them: a text written, or a technique chosen."""
    chosen = Answer.techniques.through.objects.filter(answer=OuterRef("pk"))
    return Answer.objects.filter(~Q(text="") | Exists(chosen), prompt__kind__in=ANSWERABLE)


def with_tasks(segments: QuerySet[Segment]) -> QuerySet[Segment]:
    """Segments annotated with what they ask (`task_of`), in the same query."""
    return segments.annotate(
        questions=Count("prompts", filter=Q(prompts__kind__in=ANSWERABLE), distinct=True),
        highlight_prompts=Count(
            "prompts", filter=Q(prompts__kind=Prompt.Kind.HIGHLIGHT), distinct=True
        ),
    )


def task_of(segment: Segment) -> PassageTask:
    """What a segment read `with_tasks` asks of a student."""
    return PassageTask.of(
        questions=segment.questions,  # type: ignore[attr-defined]
        highlight_prompts=segment.highlight_prompts,  # type: ignore[attr-defined]
    )


def with_answered_segments(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Submissions annotated with the segment of each question answered (`answered_in`), in
    the same query."""
    answered = (
        _written()
        .filter(submission=OuterRef("pk"))
        .order_by()
        .values("submission")
        .annotate(ids=StringAgg(Cast("prompt__segment_id", CharField()), Value(",")))
        .values("ids")
    )
    return submissions.annotate(answered_segments=Subquery(answered))


def answered_in(submission: Submission) -> dict[int, int]:
    """Segment id -> questions answered there, from `with_answered_segments`."""
    counts: dict[int, int] = {}
    for pk in filter(None, (getattr(submission, "answered_segments", None) or "").split(",")):
        counts[int(pk)] = counts.get(int(pk), 0) + 1
    return counts


def _segment_count(segments: QuerySet[Segment]):
    counted = segments.order_by().values("lesson").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def with_passage_counts(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Submissions annotated, in the same query, with `passages_done`, `passages_worked`
    (with a highlight or an answer, done or not) and `passages_read` (opened, nothing in
    them): `progress.passage_state` counted in SQL, for the pages that list submissions
    without loading the work in them."""
    submission = OuterRef(OuterRef("pk"))  # from inside a segment's subquery
    segments = Segment.objects.filter(lesson=OuterRef("assignment__lesson"))
    highlighted = Exists(Highlight.objects.filter(segment=OuterRef("pk"), submission=submission))
    answered_here = Exists(_written().filter(prompt__segment=OuterRef("pk"), submission=submission))
    questions = Prompt.objects.filter(segment=OuterRef("pk"), kind__in=ANSWERABLE)
    unanswered = questions.filter(
        ~Exists(
            _written().filter(prompt=OuterRef("pk"), submission=OuterRef(OuterRef(OuterRef("pk"))))
        )
    )
    asks_highlight = Exists(
        Prompt.objects.filter(segment=OuterRef("pk"), kind=Prompt.Kind.HIGHLIGHT)
    ) | ~Exists(questions)
    done = segments.filter(~Exists(unanswered)).filter(~asks_highlight | highlighted)
    done = done.filter(highlighted | answered_here)
    worked = segments.filter(highlighted | answered_here)
    read = segments.filter(position__lte=OuterRef("reached")).exclude(highlighted | answered_here)
    return submissions.annotate(
        passages_done=_segment_count(done),
        passages_worked=_segment_count(worked),
        passages_read=_segment_count(read),
    )


def counts_of(submission: Submission | None, total: int) -> PassageCounts | None:
    """A submission read `with_passage_counts` as counts of a lesson of `total` passages
    (None: not started)."""
    if submission is None:
        return None
    done = submission.passages_done  # type: ignore[attr-defined]
    return PassageCounts(
        total=total,
        done=done,
        worked=submission.passages_worked - done,  # type: ignore[attr-defined]
        read=submission.passages_read,  # type: ignore[attr-defined]
    )


# The exercise ---------------------------------------------------------------------------


@dataclass
class Passage:
    """One passage as the student works on it: the text with their highlights drawn in."""

    segment: Segment
    html: str
    highlights: list[Highlight]


# The exercise's read, in SQL written here -----------------------------------------------
#
# Every request of the student's exercise (the passage's page, a highlight added, changed or
# removed, answers saved) first reads the assignment open to the student with their
# submission, and what the request names: the passage, the technique posted, the highlight.
# As a Django query (one `FilteredRelation` join for each) it took 1.4 ms of CPU, 1.1 of them
# Django building the query again on every request; as separate queries, as long. Written
# once here, the same query takes 0.1 ms (bench/save.py's database, SQLite), and its row
# becomes the models as Django makes them (`model_from_row`). The tests of the exercise go
# through it on SQLite and PostgreSQL; tests/test_save_reads.py checks that it reads what
# Django's own queries read.

# Each model read, under its alias in `_EXERCISE_SQL`, in the order its columns come.
_EXERCISE_MODELS = (
    (Assignment, "a"),
    (Lesson, "l"),
    (Taxonomy, "x"),
    (Classroom, "c"),
    (Submission, "s"),
    (Segment, "g"),
    (Technique, "t"),
    (Highlight, "h"),
    (Segment, "hg"),
    (Technique, "ht"),
)
# The student as enrolled (as `Assignment.objects.for_student`), their submission, the
# passage at a position, a technique of the lesson's list, the student's highlight and its
# passage and technique: a LEFT JOIN finds nothing for a parameter that is None.
_EXERCISE_SQL = """
SELECT {columns}
FROM "work_assignment" a
INNER JOIN "core_enrollment" e ON e."classroom_id" = a."classroom_id" AND e."student_id" = %s
INNER JOIN "library_lesson" l ON l."id" = a."lesson_id"
INNER JOIN "library_taxonomy" x ON x."id" = l."taxonomy_id"
INNER JOIN "core_classroom" c ON c."id" = a."classroom_id"
LEFT JOIN "work_submission" s ON s."assignment_id" = a."id" AND s."student_id" = %s
LEFT JOIN "library_segment" g ON g."lesson_id" = a."lesson_id" AND g."position" = %s
LEFT JOIN "library_technique" t ON t."taxonomy_id" = l."taxonomy_id" AND t."id" = %s
LEFT JOIN "work_highlight" h ON h."submission_id" = s."id" AND h."id" = %s
LEFT JOIN "library_segment" hg ON hg."id" = h."segment_id"
LEFT JOIN "library_technique" ht ON ht."id" = h."technique_id"
WHERE a."id" = %s
"""


@functools.cache
def _exercise_sql() -> str:
    """`_EXERCISE_SQL` with the columns of its models (built once)."""
    columns = ", ".join(columns_of(model, alias) for model, alias in _EXERCISE_MODELS)
    return _EXERCISE_SQL.format(columns=columns)


@functools.cache
def columns_of(model: type[Model], alias: str) -> str:
    """The columns of `model` under the table alias `alias`, for SQL written by hand: in the
    order `model_from_row` reads them."""
    columns = []
    for column in model._meta.concrete_fields:
        assert column.column is not None  # a concrete field has its column
        columns.append(f"{alias}.{connection.ops.quote_name(column.column)}")
    return ", ".join(columns)


@functools.cache
def _converters(model: type[Model], alias: str) -> list[tuple[list[Callable], Col]]:
    """For each column of `model`, what Django does to the value the database gives (a date
    as text on SQLite, a boolean as 0 or 1, JSON, a UUID), as its own queries do it
    (`SQLCompiler.get_converters`); once per database (every connection to it converts
    alike)."""
    db = connections[alias]
    converters = []
    for column in model._meta.concrete_fields:
        col = column.get_col(model._meta.db_table)
        converters.append((db.ops.get_db_converters(col) + col.get_db_converters(db), col))
    return converters


def model_from_row[M: Model](
    model: type[M], values: Sequence, db: BaseDatabaseWrapper | None = None
) -> M | None:
    """The model as Django would read it from `values`, its columns (`columns_of`) in their
    order; None when a LEFT JOIN found no row (no primary key)."""
    if values[0] is None:  # the primary key comes first in every model read so
        return None
    db = db or connections[DEFAULT_DB_ALIAS]
    converted = []
    for value, (converters, col) in zip(values, _converters(model, db.alias), strict=True):
        for convert in converters:
            value = convert(value, col, db)
        converted.append(value)
    return model.from_db(db.alias, _attnames(model), converted)


@functools.cache
def _attnames(model: type[Model]) -> list[str]:
    return [column.attname for column in model._meta.concrete_fields]


def _fits(number: int) -> bool:
    """Whether an id or a position can be in a column: SQLite and PostgreSQL refuse to
    compare one with a number beyond 64 bits."""
    return -(2**63) <= number < 2**63


@dataclass(frozen=True)
class Exercise:
    """What a request of the student's exercise reads first (`exercise_of`): the assignment
    (with its lesson, the lesson's list of techniques and the class), the student's
    submission (None until their first write), and, when asked for, the passage, the
    technique and the highlight (None when the lesson or the student has none such)."""

    assignment: Assignment
    submission: Submission | None
    segment: Segment | None
    technique: Technique | None
    highlight: Highlight | None


def exercise_of(
    student: User,
    pk: int,
    *,
    position: int | None = None,
    technique: int | None = None,
    highlight: int | None = None,
) -> Exercise | None:
    """In one query: the assignment `pk` if `student` is in its class (else None), their
    submission, the passage at `position`, the technique `technique` of the lesson's list,
    and the student's highlight `highlight` (with its own passage and technique: a move to a
    new revision may have kept it aside, on a passage of another lesson). Whether the
    assignment is open is the caller's to say. A number no column holds (from the URL) is
    nothing found, as in Django's queries."""
    if not _fits(pk):
        return None
    asked = [n if n is not None and _fits(n) else None for n in (position, technique, highlight)]
    params = [student.pk, student.pk, *asked, pk]
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(_exercise_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    loaded: list = []
    at = 0
    for model, _alias in _EXERCISE_MODELS:
        width = len(model._meta.concrete_fields)
        loaded.append(model_from_row(model, row[at : at + width], db))
        at += width
    assignment, lesson, taxonomy, classroom, submission, segment, chosen = loaded[:7]
    highlight_read, its_segment, its_technique = loaded[7:]
    lesson.taxonomy = taxonomy
    assignment.lesson, assignment.classroom = lesson, classroom
    if submission is not None:
        submission.assignment, submission.student = assignment, student
    if segment is not None:
        segment.lesson = lesson
    if highlight_read is not None:
        if its_segment.lesson_id == lesson.pk:
            its_segment.lesson = lesson
        highlight_read.submission = submission
        highlight_read.segment, highlight_read.technique = its_segment, its_technique
    return Exercise(assignment, submission, segment, chosen, highlight_read)


def submission_of(assignment: Assignment, student: User) -> Submission:
    """The student's submission; before their first write, a new one, not saved: not started
    (no work, at passage 1). Reading never creates it, so opening a page changes nothing;
    the student's first highlight, answer or hand-in does (`services._lock_submission`)."""
    submission = assignment.submissions.filter(student=student).first()
    return submission or Submission(assignment=assignment, student=student)


HIGHLIGHT_ORDER = ("start", "end", "id")  # the order of the student's list of highlights


def _mark(pk: int, start: int, end: int, technique: str) -> Mark:
    """A highlight drawn in the text, labelled with its technique's name (`technique`, as
    stored) in the reader's language."""
    return Mark(start, end, catalogue_text(technique), ident=f"highlight-{pk}")


def passage_for(submission: Submission, segment: Segment) -> Passage:
    highlights = (
        []
        if submission.pk is None  # not started
        else list(
            submission.highlights.filter(segment=segment)
            .select_related("technique")
            .order_by(*HIGHLIGHT_ORDER)
        )
    )
    marks = [_mark(h.pk, h.start, h.end, h.technique.name) for h in highlights]
    html = annotate_in_pieces(segment.body_html, marks, prefix=pieces_prefix(segment))
    return Passage(segment, html, highlights)


def pieces_prefix(segment: Segment) -> str:
    """The ids of the passage's pieces on the student's page: this, then where each starts
    (`rendering.annotate_in_pieces`)."""
    return f"words-{segment.pk}-"


Change = Literal["added", "changed", "removed"]  # what happened to a highlight


@dataclass(frozen=True)
class MarkedText:
    """For an answer that redraws only what a highlight changed: the pieces of the passage's
    text it touches, with the student's highlights drawn in again (each piece as on the page,
    `Passage.html`, which this replaces by id), read from the highlights on those pieces
    alone; `count`, the student's highlights in the passage (after one was added or
    removed); `after`, the highlight after the one added in the list below the text (None:
    it is the last)."""

    pieces: list[Piece]
    count: int | None = None
    after: int | None = None


# What `marked_text` reads, in one query written here: the count of the student's highlights
# in the passage; the first after the highlight (start, end, pk) in the list (HIGHLIGHT_ORDER);
# and, a row each in that order, those that overlap [lo, hi) with their technique's name (none:
# one row, its highlight NULL). As three Django queries, `marked_text` took 1.2 ms of CPU;
# now 0.2, half of it drawing the pieces.
_MARKED_SQL = """
SELECT n."count", n."after", h."id", h."start", h."end", t."name"
FROM (
    SELECT COUNT(*) AS "count", (
        SELECT later."id" FROM "work_highlight" later
        WHERE later."submission_id" = %s AND later."segment_id" = %s AND (
            later."start" > %s
            OR (later."start" = %s AND later."end" > %s)
            OR (later."start" = %s AND later."end" = %s AND later."id" > %s)
        )
        ORDER BY later."start", later."end", later."id"
        LIMIT 1
    ) AS "after"
    FROM "work_highlight"
    WHERE "submission_id" = %s AND "segment_id" = %s
) n
LEFT JOIN "work_highlight" h
    ON h."submission_id" = %s AND h."segment_id" = %s AND h."start" < %s AND h."end" > %s
LEFT JOIN "library_technique" t ON t."id" = h."technique_id"
ORDER BY h."start", h."end", h."id"
"""


def marked_text(
    submission: Submission,
    segment: Segment,
    touched: Highlight,
    change: Change,
) -> MarkedText:
    """The pieces that the highlight `touched` (just added, changed or removed: `change`)
    overlaps, drawn with the highlights that overlap them; the count when one was added or
    removed, and which comes after a highlight added (one query, `_MARKED_SQL`)."""
    lo, hi = pieces_around(segment.body_html, touched.start, touched.end)
    start, end, pk = touched.start, touched.end, touched.pk
    mine = [submission.pk, segment.pk]
    params = [*mine, start, start, end, start, end, pk, *mine, *mine, hi, lo]
    with connection.cursor() as cursor:
        cursor.execute(_MARKED_SQL, params)
        rows = cursor.fetchall()
    count, after = rows[0][:2]
    pieces = annotate_pieces(
        segment.body_html,
        [_mark(*row[2:]) for row in rows if row[2] is not None],
        prefix=pieces_prefix(segment),
        start=touched.start,
        end=touched.end,
    )
    if change == "removed":
        return MarkedText(pieces, count=count)
    if change == "changed":
        return MarkedText(pieces)
    return MarkedText(pieces, count=count, after=after)


@dataclass
class PromptAnswer:
    """A prompt of the passage with the student's answer: the text written (a text prompt)
    or the ids of the techniques ticked (a choose prompt)."""

    prompt: Prompt
    text: str = ""
    chosen: set[int] = field(default_factory=set)


def prompt_answers(submission: Submission, segment: Segment) -> list[PromptAnswer]:
    prompts = list(segment.prompts.all())
    answers = (
        {}
        if submission.pk is None  # not started
        else {
            a.prompt_id: a
            for a in Answer.objects.filter(
                submission=submission, prompt__in=prompts
            ).prefetch_related("techniques")
        }
    )
    return [
        PromptAnswer(prompt, answer.text, {t.pk for t in answer.techniques.all()})
        if (answer := answers.get(prompt.pk))
        else PromptAnswer(prompt)
        for prompt in prompts
    ]


def passages_of(lesson: Lesson) -> list[Segment]:
    """The passages of the lesson, for the list of all passages (no text)."""
    return list(lesson.segments.only("id", "position", "title"))


@dataclass
class PassageProgress:
    """A row of the hand-in page: a passage, the student's highlights in it, the questions
    they have not answered yet, and its state (`progress.passage_state`)."""

    segment: Segment
    highlights: int
    unanswered: list[Prompt]
    state: PassageState = PassageState.NOT_OPENED


def progress_by_passage(submission: Submission) -> list[PassageProgress]:
    segments = submission.assignment.lesson.segments.prefetch_related("prompts").order_by(
        "position"
    )
    highlight_counts: dict[int, int] = {}
    answered: set[int] = set()
    if submission.pk is not None:  # else not started: nothing yet
        for segment_id in submission.highlights.values_list("segment_id", flat=True):
            highlight_counts[segment_id] = highlight_counts.get(segment_id, 0) + 1
        answered = set(
            Answer.objects.filter(submission=submission)
            .exclude(text="", techniques__isnull=True)
            .values_list("prompt_id", flat=True)
        )
    rows = []
    for segment in segments:
        prompts = segment.prompts.all()
        questions = [p for p in prompts if p.is_answerable]
        unanswered = [p for p in questions if p.pk not in answered]
        task = PassageTask.of(
            questions=len(questions), highlight_prompts=len(prompts) - len(questions)
        )
        highlights = highlight_counts.get(segment.pk, 0)
        state = passage_state(
            task,
            opened=submission.pk is not None and segment.position <= submission.reached,
            highlights=highlights,
            answered=len(questions) - len(unanswered),
        )
        rows.append(PassageProgress(segment, highlights, unanswered, state))
    return rows


# The class pages ------------------------------------------------------------------------


@dataclass
class AssignmentRow:
    """A lesson assigned to a class, with its number of passages and, on a student's pages,
    the student's submission (None until they start)."""

    assignment: Assignment
    segment_count: int
    submission: Submission | None = None
    progress: PassageCounts | None = None  # the student's, on their pages


def _with_segment_count(assignments) -> list[AssignmentRow]:
    counted = assignments.annotate(segment_count=Count("lesson__segments", distinct=True))
    return [AssignmentRow(a, a.segment_count) for a in counted]


def assignments_for_student(
    student: User, classroom: Classroom | None = None
) -> list[AssignmentRow]:
    """The lessons assigned to the student (in one of their classes, or in all of them), each
    with the student's submission."""
    if classroom is None:
        assignments = Assignment.objects.for_student(student).select_related(
            "lesson", "classroom", "classroom__teacher"
        )
    else:
        assignments = classroom.assignments.select_related("lesson")
    rows = _with_segment_count(assignments)
    submissions = {
        s.assignment_id: s
        for s in with_passage_counts(
            Submission.objects.filter(
                student=student, assignment__in=[row.assignment for row in rows]
            )
        )
    }
    for row in rows:
        row.submission = submissions.get(row.assignment.pk)
        row.progress = counts_of(row.submission, row.segment_count)
    return rows


@dataclass
class ClassSummary:
    """A class on its teacher's home page."""

    classroom: Classroom
    students: int
    assignments: int


def classes_taught(teacher: User) -> list[ClassSummary]:
    classrooms = Classroom.objects.taught_by(teacher).annotate(
        student_count=Count("enrollments", distinct=True),
        assignment_count=Count("assignments", distinct=True),
    )
    return [ClassSummary(c, c.student_count, c.assignment_count) for c in classrooms]


def class_assignments(classroom: Classroom) -> list[AssignmentRow]:
    return _with_segment_count(classroom.assignments.select_related("lesson"))


def assignable_lessons(assigned: list[AssignmentRow]):
    """The published lessons a class can still be given: none of the revisions of the
    lessons it has already."""
    lineages = {row.assignment.lesson.lineage_id for row in assigned}
    return Lesson.objects.published().exclude(pk__in=lineages).exclude(root__in=lineages)


@dataclass
class Progress:
    """How far one student is in one assignment: passages done, worked on and read
    (`progress.PassageCounts`), the hand-in and the number of highlights."""

    counts: PassageCounts
    submitted_at: datetime | None
    highlight_count: int


@dataclass
class RosterRow:
    """A student of the class with their progress in each of its assignments (None where
    they have not started)."""

    student: User
    joined_at: datetime
    work: list[tuple[AssignmentRow, Progress | None]]


def class_roster(classroom: Classroom, assignments: list[AssignmentRow]) -> list[RosterRow]:
    enrollments = list(classroom.enrollments.select_related("student"))
    totals = {row.assignment.pk: row.segment_count for row in assignments}
    submissions = (
        with_passage_counts(Submission.objects.filter(assignment__classroom=classroom))
        .annotate(highlight_count=Count("highlights", distinct=True))
        .values_list(
            "assignment_id",
            "student_id",
            "submitted_at",
            "highlight_count",
            "passages_done",
            "passages_worked",
            "passages_read",
            named=True,
        )
    )
    progress = {
        (s.assignment_id, s.student_id): Progress(
            PassageCounts(
                total=totals.get(s.assignment_id, 0),
                done=s.passages_done,
                worked=s.passages_worked - s.passages_done,
                read=s.passages_read,
            ),
            s.submitted_at,
            s.highlight_count,
        )
        for s in submissions
    }
    return [
        RosterRow(
            student=e.student,
            joined_at=e.joined_at,
            work=[(row, progress.get((row.assignment.pk, e.student_id))) for row in assignments],
        )
        for e in enrollments
    ]


@dataclass
class StudentDue:
    """A student of the class and the later due date their teacher gave them, if any."""

    student: User
    extended_due_at: datetime | None


def due_dates(assignment: Assignment) -> list[StudentDue]:
    students = User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
        "display_name", "pk"
    )
    extensions = dict(
        assignment.submissions.filter(extended_due_at__isnull=False).values_list(
            "student_id", "extended_due_at"
        )
    )
    return [StudentDue(student, extensions.get(student.pk)) for student in students]


# Moving an assignment to a later revision ---------------------------------------------


def move_refusal(assignment: Assignment, to: Lesson) -> Refusal | None:
    """Why the class cannot move to revision `to`, or None when it can. A class moves only
    forward, to the newest published revision of its own lesson, with the same techniques.
    (The newest: a published revision is replaced exactly when a later one is published.)"""
    current = assignment.lesson
    if to.lineage_id != current.lineage_id:
        return Refusal(gettext("That is not a revision of this class's lesson."))
    if to.pk == current.pk:  # most often the same move posted twice
        return Refusal(
            gettext("This class is already on revision %(revision)s.")
            % {"revision": current.revision},
            status=409,
        )
    if not to.is_published:
        return Refusal(
            gettext("Revision %(revision)s is a draft: a class only moves to a published revision.")
            % {"revision": to.revision}
        )
    if to.revision < current.revision:
        return Refusal(
            gettext(
                "Revision %(revision)s is older than revision %(current)s, which this class is "
                "on: a class only moves forward."
            )
            % {"revision": to.revision, "current": current.revision}
        )
    if to.is_replaced:
        return Refusal(
            gettext("Revision %(revision)s has been replaced: move to the newest revision.")
            % {"revision": to.revision}
        )
    if to.taxonomy_id != current.taxonomy_id:
        return Refusal(gettext("The new revision uses another taxonomy, so work cannot move."))
    return None


@dataclass
class Unplaced:
    kind: str
    submission: Submission
    reason: str
    item: Highlight | Answer | Review


@dataclass
class MovePlan:
    assignment: Assignment
    to: Lesson
    highlights: list[tuple[Highlight, Segment, Anchor]] = field(default_factory=list)
    answers: list[tuple[Answer, Prompt]] = field(default_factory=list)
    reviews: list[tuple[Review, Prompt | None, KeySpan | None]] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)

    def extend(self, other: "MovePlan") -> None:
        """Add the plan of other students' work (plans are made student by student)."""
        self.highlights += other.highlights
        self.answers += other.answers
        self.reviews += other.reviews
        self.unplaced += other.unplaced

    def without(self, submissions: set[int]) -> "MovePlan":
        """The plan of every student's work but these submissions'."""
        return MovePlan(
            assignment=self.assignment,
            to=self.to,
            highlights=[h for h in self.highlights if h[0].submission_id not in submissions],
            answers=[a for a in self.answers if a[0].submission_id not in submissions],
            reviews=[r for r in self.reviews if r[0].submission_id not in submissions],
            unplaced=[u for u in self.unplaced if u.submission.pk not in submissions],
        )


@dataclass
class MoveTarget:
    """What placing work in revision `to` reads of it (and of the way from the class's
    revision to it), once for the whole class: its passages, the editor's maps, its prompts
    and key spans by identity."""

    from_lesson_id: int
    to: Lesson
    segments: dict[int, Segment]
    texts: dict[int, str]
    maps: dict[int, TextMap] | None
    prompts: dict
    key_spans: dict


# Why a piece of work is not carried over (UnplacedWork.reason): stored in English, and
# translated when shown (`{% translate item.reason %}` in work/_unplaced_items.html).
CHANGED = gettext_noop("its words were changed or removed in the new revision")
NOT_FOUND = gettext_noop(
    "its words are not in the new revision exactly once with the same words around them"
)
TAKEN = gettext_noop("the same words already carry this highlight")
QUESTION_GONE = gettext_noop("its question was removed or changed kind in the new revision")
KEY_GONE = gettext_noop("its key span was removed in the new revision")
ORPHANED = gettext_noop("saved while the class was being moved")


def _agrees(old: str, new: str, *, before: bool) -> bool:
    """Whether the context `new` beside the words still agrees with `old`, on one side: the
    nearest CONTEXT_CHECK characters are the same, or (when the old context was shorter,
    the words being that close to the passage's edge) all of it and the edge itself."""
    if len(old) < CONTEXT_CHECK:
        return new == old
    if before:
        return new[-CONTEXT_CHECK:] == old[-CONTEXT_CHECK:]
    return new[:CONTEXT_CHECK] == old[:CONTEXT_CHECK]


def _searched(highlight: Highlight, texts: dict[int, str]) -> tuple[int, Anchor] | None:
    """Where the highlight's words are in a revision the editor did not record (imported from
    a lesson file): only where they stand exactly once in the whole revision, with the words
    on both sides still the same (a passage's edge counts as context: it must still be
    there). Anything less certain is not placed."""
    found = [
        (segment_id, span)
        for segment_id, text in texts.items()
        for span in occurrences(text, highlight.quote)
    ]
    if len(found) != 1:
        return None
    segment_id, (start, end) = found[0]
    anchor = anchor_at(texts[segment_id], start, end)
    if _agrees(highlight.prefix, anchor.prefix, before=True) and _agrees(
        highlight.suffix, anchor.suffix, before=False
    ):
        return segment_id, anchor
    return None


def _placed(
    highlight: Highlight, maps: dict[int, TextMap] | None, texts: dict[int, str]
) -> tuple[int, Anchor] | None:
    """Where the highlight goes in the new revision: where the author's edits took its own
    characters (`textmap.locate`), when the editor recorded them; else by searching
    (`_searched`). None: it cannot be placed."""
    if maps is None:
        return _searched(highlight, texts)
    where = locate(maps, highlight.segment_id, highlight.start, highlight.end)
    if where is None:
        return None
    segment_id, start, end = where
    anchor = anchor_at(texts[segment_id], start, end)
    # The same characters, so the same words, by construction; checked all the same.
    return (segment_id, anchor) if anchor.quote == highlight.quote else None


def move_target(assignment: Assignment, to: Lesson) -> MoveTarget:
    """What `plan_move` reads of revision `to`, in a few queries. Refused (`move_refusal`)
    when the class cannot move there."""
    if refusal := move_refusal(assignment, to):
        raise refusal
    segments = {s.pk: s for s in to.segments.only("id", "uid", "position", "text")}
    return MoveTarget(
        from_lesson_id=assignment.lesson_id,
        to=to,
        segments=segments,
        texts={pk: s.text for pk, s in segments.items()},
        maps=revision_maps(assignment.lesson, to),
        prompts={p.uid: p for p in Prompt.objects.filter(segment__lesson=to)},
        key_spans={k.uid: k for k in KeySpan.objects.filter(segment__lesson=to)},
    )


def plan_move(
    assignment: Assignment,
    to: Lesson,
    *,
    submissions: Collection[int] | None = None,
    target: MoveTarget | None = None,
) -> MovePlan:
    """Where every piece of the class's work would go in revision `to` (writes nothing); of
    these submissions' work only, when given (a student's work is placed on its own, so a
    class's plan can be made a part at a time: `prepare_move`). Refused (`move_refusal`)
    when the class cannot move there. Reads only the columns it needs: a class of 200 has
    thousands of highlights and answers.

    Work found on a revision the class is no longer on (saved during a move, before moves
    locked the class's work) is listed, never placed and never an error."""
    if refusal := move_refusal(assignment, to):
        raise refusal
    if target is None or target.from_lesson_id != assignment.lesson_id or target.to != to:
        target = move_target(assignment, to)
    plan = MovePlan(assignment=assignment, to=to)
    current = assignment.lesson_id
    new_segments, texts, maps = target.segments, target.texts, target.maps
    prompts, key_spans = target.prompts, target.key_spans
    lost: dict[str, dict[int, str]] = {"highlight": {}, "answer": {}, "review": {}}
    work: dict[str, object] = {"submission__assignment": assignment}
    if submissions is not None:
        work["submission__in"] = list(submissions)

    highlights = (
        Highlight.objects.filter(**work)
        .select_related("segment")
        .only(
            "id",
            "submission_id",
            "technique_id",
            "segment_id",
            "start",
            "end",
            "quote",
            "prefix",
            "suffix",
            "segment__lesson_id",
            "segment__position",
        )
        .order_by("submission", "segment__position", "start", "end", "id")
    )
    taken = set()
    for highlight in highlights:
        if highlight.segment.lesson_id != current:
            lost["highlight"][highlight.pk] = ORPHANED
            continue
        place = _placed(highlight, maps, texts)
        if place is None:
            lost["highlight"][highlight.pk] = CHANGED if maps is not None else NOT_FOUND
            continue
        segment_id, anchor = place
        key = (
            highlight.submission_id,
            segment_id,
            highlight.technique_id,
            anchor.start,
            anchor.end,
        )
        if key in taken:
            lost["highlight"][highlight.pk] = TAKEN
            continue
        taken.add(key)
        plan.highlights.append((highlight, new_segments[segment_id], anchor))

    answers = (
        Answer.objects.filter(**work)
        .select_related("prompt__segment")
        .only("id", "submission_id", "prompt__uid", "prompt__kind", "prompt__segment__lesson_id")
    )
    for answer in answers:
        prompt = prompts.get(answer.prompt.uid)
        if answer.prompt.segment.lesson_id != current:
            lost["answer"][answer.pk] = ORPHANED
        elif prompt is None or prompt.kind != answer.prompt.kind:
            lost["answer"][answer.pk] = QUESTION_GONE
        else:
            plan.answers.append((answer, prompt))
    reviews = (
        Review.objects.filter(**work)
        .exclude(prompt__isnull=True, key_span__isnull=True)
        .select_related("prompt__segment", "key_span__segment")
        .only(
            "id",
            "submission_id",
            "prompt__uid",
            "prompt__kind",
            "prompt__segment__lesson_id",
            "key_span__uid",
            "key_span__segment__lesson_id",
        )
    )
    for review in reviews:
        reviewed = review.prompt or review.key_span
        assert reviewed is not None, "the query leaves out reviews of the whole work"
        if reviewed.segment.lesson_id != current:
            lost["review"][review.pk] = ORPHANED
        elif isinstance(reviewed, Prompt):
            prompt = prompts.get(reviewed.uid)
            if prompt is None or prompt.kind != reviewed.kind:
                lost["review"][review.pk] = QUESTION_GONE
            else:
                plan.reviews.append((review, prompt, None))
        else:
            key_span = key_spans.get(reviewed.uid)
            if key_span is None:
                lost["review"][review.pk] = KEY_GONE
            else:
                plan.reviews.append((review, None, key_span))

    plan.unplaced = _read_whole(lost)
    return plan


# A move in the worker: planned outside the class's lock, student by student ---------------

# A student's work as of their latest change: for their highlights, answers and reviews, how
# many, the newest one's id and the latest time one changed. A write on the work (a new
# one, a change, a removal) changes it; see `prepare_move`.
Fingerprint = tuple[object, ...]


def _work_of(assignment: Assignment) -> list[QuerySet]:
    return [
        model.objects.filter(submission__assignment=assignment)
        for model in (Highlight, Answer, Review)
    ]


def work_fingerprints(assignment: Assignment) -> dict[int, Fingerprint]:
    """Each submission's fingerprint, for the submissions with any work, in three queries."""
    found: dict[int, list[object]] = {}
    work = _work_of(assignment)
    for index, rows in enumerate(work):
        totals = (
            rows.order_by()
            .values("submission_id")
            .annotate(count=Count("id"), newest=Max("id"), changed=Max("updated_at"))
        )
        for row in totals:
            parts = found.setdefault(row["submission_id"], [None for _ in range(3 * len(work))])
            parts[3 * index : 3 * index + 3] = [row["count"], row["newest"], row["changed"]]
    return {pk: tuple(parts) for pk, parts in found.items()}


def work_version(assignment: Assignment) -> str:
    """The class's work as of its latest change, as a short key (the dry run of a move is
    kept under it: `plan_cached`): the same as long as no student's work changed. Three
    aggregate queries, whatever the class."""
    parts: list[object] = [assignment.lesson_id]
    for rows in _work_of(assignment):
        totals = rows.aggregate(count=Count("id"), newest=Max("id"), changed=Max("updated_at"))
        changed = totals["changed"]
        parts += [totals["count"], totals["newest"], changed.isoformat() if changed else None]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


@dataclass
class PreparedMove:
    """A class's plan made outside the move's lock (`prepare_move`), with each student's
    fingerprint as it was before their part was planned."""

    plan: MovePlan
    fingerprints: dict[int, Fingerprint]
    target: MoveTarget


# Students whose work is planned at a time: a step of the progress bar.
PLAN_CHUNK = 50


def prepare_move(
    assignment: Assignment,
    to: Lesson,
    *,
    report: Callable[[int, int], None] | None = None,
    chunk: int = PLAN_CHUNK,
) -> PreparedMove:
    """The plan of moving the class to `to`, made a few students at a time without locking
    anything (students keep working), `report(done, total)` after each part. Refused
    (`move_refusal`) when the class cannot move there.

    The move (`services.assignment_move`) then takes the class's lock, reads the
    fingerprints again, and plans afresh, inside the lock, only the work of students whose
    fingerprint changed (or who started since): a write made while the plan was being made
    is never moved by a stale plan. A fingerprint is read before its student's work is, so
    a write between the two makes the plan look older than it is, never newer."""
    target = move_target(assignment, to)
    fingerprints = work_fingerprints(assignment)
    students = sorted(fingerprints)
    plan = MovePlan(assignment=assignment, to=to)
    if report:
        report(0, len(students))
    for start in range(0, len(students), chunk):
        part = students[start : start + chunk]
        plan.extend(plan_move(assignment, to, submissions=part, target=target))
        if report:
            report(start + len(part), len(students))
    return PreparedMove(plan=plan, fingerprints=fingerprints, target=target)


def replan_changed(assignment: Assignment, prepared: PreparedMove) -> MovePlan:
    """Inside the move's lock: the prepared plan, with the work of every student whose
    fingerprint is not what it was planned from planned again (or dropped, when it is
    gone). Refused (`move_refusal`) when the class can no longer move there (moved
    meanwhile)."""
    to = prepared.plan.to
    if refusal := move_refusal(assignment, to):
        raise refusal
    if prepared.target.from_lesson_id != assignment.lesson_id:
        return plan_move(assignment, to)
    now = work_fingerprints(assignment)
    before = prepared.fingerprints
    changed = {pk for pk, fingerprint in now.items() if before.get(pk) != fingerprint}
    plan = prepared.plan.without(changed | (set(before) - set(now)))
    plan.assignment = assignment
    if changed:
        plan.extend(plan_move(assignment, to, submissions=changed, target=prepared.target))
    return plan


def _read_whole(lost: dict[str, dict[int, str]]) -> list[Unplaced]:
    """What cannot be placed, read whole (it is shown to the teacher and kept), with the
    reason for each: `lost` holds the reasons by kind and id."""
    whole: dict[str, QuerySet[Highlight] | QuerySet[Answer] | QuerySet[Review]] = {
        "highlight": Highlight.objects.select_related(
            "segment", "technique", "submission__student"
        ),
        "answer": Answer.objects.select_related(
            "prompt__segment", "submission__student"
        ).prefetch_related("techniques"),
        "review": Review.objects.select_related(
            "prompt__segment", "key_span__segment", "key_span__technique", "submission__student"
        ),
    }
    unplaced = []
    for kind, reasons in lost.items():
        if reasons:
            for item in whole[kind].filter(pk__in=reasons).order_by("submission", "pk"):
                unplaced.append(Unplaced(kind, item.submission, reasons[item.pk], item))
    return unplaced


def orphaned_work(assignments=None) -> list[Unplaced]:
    """Work left on a revision its class is no longer on (saved while the class was being
    moved, before moves locked the class's work), as `plan_move` lists it; of these
    assignments (a queryset), or of all. In a fixed number of queries."""
    highlights = Highlight.objects.exclude(segment__lesson=F("submission__assignment__lesson"))
    answers = Answer.objects.exclude(prompt__segment__lesson=F("submission__assignment__lesson"))
    reviews = Review.objects.filter(
        Q(prompt__isnull=False) & ~Q(prompt__segment__lesson=F("submission__assignment__lesson"))
        | Q(key_span__isnull=False)
        & ~Q(key_span__segment__lesson=F("submission__assignment__lesson"))
    )
    lost: dict[str, dict[int, str]] = {}
    for kind, rows in (("highlight", highlights), ("answer", answers), ("review", reviews)):
        if assignments is not None:
            rows = rows.filter(submission__assignment__in=assignments)
        lost[kind] = dict.fromkeys(rows.values_list("pk", flat=True), ORPHANED)
    return _read_whole(lost)


# Work a move cannot carry over, as the teacher reads it ---------------------------------

KIND_LABELS = {
    "highlight": gettext_lazy("Highlight"),
    "answer": gettext_lazy("Answer"),
    "review": gettext_lazy("Your review"),
}
KIND_ORDER = {"highlight": 0, "answer": 1, "review": 2}


@dataclass
class WorkItem:
    """One piece of work that cannot be (or could not be) carried over, as the teacher
    reads it: the same shape for a dry run and for what an earlier move kept."""

    student: User
    kind: str
    reason: str
    passage: int | None = None
    quote: str = ""
    prompt: str = ""
    techniques: list[str] = field(default_factory=list)  # names as stored (a dry run is cached)
    text: str = ""
    score: int | None = None
    start: int = 0  # where a highlight was, to list them in text order

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def technique_names(self) -> list[str]:
        """The techniques' names in the reader's language, when the page is drawn."""
        return [catalogue_text(name) for name in self.techniques]


def _planned_item(item: Unplaced) -> WorkItem:
    """What `plan_move` could not place (its objects come with their relations loaded)."""
    work = WorkItem(student=item.submission.student, kind=item.kind, reason=item.reason)
    obj = item.item
    if isinstance(obj, Highlight):
        work.passage, work.start = obj.segment.position, obj.start
        work.quote, work.text = obj.quote, obj.note
        work.techniques = [obj.technique.name]
    elif isinstance(obj, Answer):
        work.passage = obj.prompt.segment.position
        work.prompt, work.text = obj.prompt.text, obj.text
        work.techniques = [t.name for t in obj.techniques.all()]
    elif obj.prompt is not None:  # a review of an answer
        work.passage = obj.prompt.segment.position
        work.prompt, work.text, work.score = obj.prompt.text, obj.comment, obj.score
    else:  # a review of the student's work on a key span
        key_span = obj.key_span
        assert key_span is not None, "a review of the whole work is never unplaced"
        work.passage = key_span.segment.position
        work.quote, work.techniques = key_span.quote, [key_span.technique.name]
        work.text, work.score = obj.comment, obj.score
    return work


def _kept_item(row: UnplacedWork) -> WorkItem:
    """What an earlier move kept as UnplacedWork."""
    techniques = [row.technique.name] if row.technique is not None else []
    techniques += [t.name for t in row.techniques.all()]
    return WorkItem(
        student=row.submission.student,
        kind=row.kind,
        reason=row.reason,
        passage=row.segment_position,
        quote=row.quote,
        prompt=row.prompt_text,
        techniques=techniques,
        text=row.text,
        score=row.score,
        start=row.start or 0,
    )


def _in_order(items: list[WorkItem]) -> list[WorkItem]:
    """By passage; in a passage highlights (in text order), then answers, then reviews."""
    return sorted(items, key=lambda w: (w.passage or 0, KIND_ORDER[w.kind], w.start))


def _by_student(items: list[WorkItem]) -> list[tuple[User, list[WorkItem]]]:
    items = sorted(_in_order(items), key=lambda w: (w.student.display_name, w.student.pk))
    return [(student, list(group)) for student, group in groupby(items, key=lambda w: w.student)]


def _kept_rows(rows) -> list[WorkItem]:
    rows = (
        rows.select_related("technique", "submission__student")
        .prefetch_related("techniques")
        .order_by("segment_position", "start", "id")
    )
    return [_kept_item(row) for row in rows]


def unplaced_items(submission: Submission | None) -> list[WorkItem]:
    """One student's work that earlier moves could not carry over. Only a move leaves work
    behind, and a move always goes to revision 2 or later: on revision 1, no query."""
    if submission is None or submission.assignment.lesson.revision == 1:
        return []
    return _in_order(_kept_rows(submission.unplaced.all()))


@dataclass
class PlanSummary:
    """The numbers the teacher reads before moving."""

    highlights: int
    students: int
    answers: int
    reviews: int
    unplaced: list[tuple[User, list[WorkItem]]]
    unplaced_count: int


@dataclass
class RevisionOverview:
    """The assignment's revision page: the newer revision to move to, if any, with the dry
    run of the move (as last worked out, and whether the class's work has changed since) or
    the reason it cannot be made; the work on it under way in the worker; the earlier moves
    and what they kept."""

    newer: Lesson | None
    summary: PlanSummary | None
    cannot_move: str
    moves: list[RevisionMove]
    kept: list[tuple[User, list[WorkItem]]]
    kept_count: int
    planned_at: datetime | None = None
    plan_is_current: bool = False
    under_way: Job | None = None


# The dry run of a move, as the worker last worked it out (`services.plan_cache_store`): kept
# in the cache under the class and the revision, with the class's work version it was made
# from, so that the page shows it without planning again, and says when work changed since.
PLAN_CACHE_SECONDS = 7 * 24 * 60 * 60


def plan_cache_key(assignment: Assignment, to: Lesson) -> str:
    return f"move-plan:{assignment.pk}:{to.pk}"


@dataclass
class CachedPlan:
    version: str  # `work_version` when it was made
    made_at: datetime
    summary: PlanSummary


def plan_cached(assignment: Assignment, to: Lesson) -> CachedPlan | None:
    cached = cache.get(plan_cache_key(assignment, to))
    return cached if isinstance(cached, CachedPlan) else None


def summarise(plan: MovePlan) -> PlanSummary:
    return PlanSummary(
        highlights=len(plan.highlights),
        students=len({h.submission_id for h, _, _ in plan.highlights}),
        answers=len(plan.answers),
        reviews=len(plan.reviews),
        unplaced=_by_student([_planned_item(item) for item in plan.unplaced]),
        unplaced_count=len(plan.unplaced),
    )


MOVE_KINDS = (Job.Kind.PLAN, Job.Kind.MOVE)


def move_subject(assignment: Assignment) -> str:
    """What a job on moving this class is about (`Job.subject`)."""
    return f"assignment:{assignment.pk}"


def revision_overview(assignment: Assignment, teacher: User) -> RevisionOverview:
    """Never plans: the dry run is the one the worker last made, read from the cache."""
    newer = newer_revision(assignment.lesson)
    refusal = move_refusal(assignment, newer) if newer else None
    cached = plan_cached(assignment, newer) if newer and not refusal else None
    moves = list(
        RevisionMove.objects.filter(assignment=assignment).select_related(
            "from_lesson", "to_lesson", "moved_by"
        )
    )
    kept = _kept_rows(UnplacedWork.objects.filter(move__assignment=assignment)) if moves else []
    return RevisionOverview(
        newer=newer,
        summary=cached.summary if cached else None,
        cannot_move=refusal.message if refusal else "",
        moves=moves,
        kept=_by_student(kept),
        kept_count=len(kept),
        planned_at=cached.made_at if cached else None,
        plan_is_current=bool(cached and cached.version == work_version(assignment)),
        under_way=(
            jobs.job_under_way(teacher, move_subject(assignment), *MOVE_KINDS)
            if newer and not refusal
            else None
        ),
    )


@dataclass
class MoveOutcome:
    """What a move did, for the teacher: highlights re-anchored, answers and reviews that
    followed their question or key span, and pieces of work kept aside."""

    placed: int
    answers: int
    reviews: int
    unplaced: int


def move_outcome(move: RevisionMove) -> MoveOutcome:
    work = {"submission__assignment": move.assignment_id}
    return MoveOutcome(
        placed=move.placed,
        answers=Answer.objects.filter(**work).count(),
        reviews=Review.objects.filter(**work)
        .exclude(prompt__isnull=True, key_span__isnull=True)
        .count(),
        unplaced=move.unplaced.count(),
    )


# Privacy: one student's data, what deleting it takes, the audit log ----------------------


@dataclass
class StudentData:
    """What Lens stores about one student, for an export (`exports.student_zip`): within the
    classes the person exporting answers for, or all of it for the student themselves. The
    rows of each submission are listed by submission id, in the order of the text."""

    student: User
    made_by: str
    made_at: datetime
    scope: str
    enrolments: list[Enrollment]
    submissions: list[Submission]
    highlights: dict[int, list[Highlight]]
    answers: dict[int, list[Answer]]
    reviews: dict[int, list[Review]]
    unplaced: dict[int, list[UnplacedWork]]
    events: list[AuditEvent] | None  # None: not part of this export (the student's own)


def _by_submission[Row: (Highlight, Answer, Review, UnplacedWork)](
    rows: QuerySet[Row],
) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.submission_id, []).append(row)
    return grouped


OPERATOR = gettext_noop("The team that runs Lens (manage.py)")


def who(user: User | None) -> str:
    """A person as the audit log and exports name them: "Alice Teacher (alice)"."""
    if user is None:
        return gettext(OPERATOR)
    return f"{user.display_name or user.username} ({user.username})"


def student_data(
    student: User, *, made_by: User | None, care: Q | None, scope: str, now: datetime
) -> StudentData:
    """One student's data in ten queries, however much work they have.

    `care` (a filter on classes, `access.classes_in_care_of`) limits it to the classes the
    person exporting answers for, and adds the audit events about the student in those
    classes and those not tied to a class. `care=None` is the student's own download:
    everything, except what they may not see yet (their teacher's reviews before their
    feedback is released, draft reviews) and the audit log. `made_by=None`: the operator,
    everything (`manage.py export_student_data`)."""
    own = care is None and made_by is not None
    enrolments = student.enrollments.select_related("classroom__teacher").order_by(
        "classroom__name", "pk"
    )
    submissions = Submission.objects.filter(student=student).select_related(
        "assignment__lesson", "assignment__classroom"
    )
    if care is not None:
        in_care = Classroom.objects.filter(care).values("pk")
        enrolments = enrolments.filter(classroom__in=in_care)
        submissions = submissions.filter(assignment__classroom__in=in_care)
    submission_list = list(
        submissions.order_by("assignment__classroom__name", "assignment__lesson__title", "pk")
    )
    work = {"submission__in": [s.pk for s in submission_list]}
    highlights = _by_submission(
        Highlight.objects.filter(**work)
        .select_related("segment", "technique")
        .order_by("submission", "segment__position", "start", "end", "pk")
    )
    answers = _by_submission(
        Answer.objects.filter(**work)
        .select_related("prompt__segment")
        .prefetch_related("techniques")
        .order_by("submission", "prompt__segment__position", "prompt__position", "pk")
    )
    reviews = _by_submission(
        Review.objects.filter(**work)
        .select_related("prompt__segment", "key_span__segment", "reviewer")
        .order_by("submission", "pk")
    )
    unplaced = _by_submission(
        UnplacedWork.objects.filter(**work)
        .select_related("technique")
        .prefetch_related("techniques")
        .order_by("submission", "segment_position", "start", "pk")
    )
    events = None
    if own:
        # The student sees their teacher's reviews as their feedback page does: once released.
        released = {s.pk for s in submission_list if s.assignment.feedback_released_for(s, now)}
        reviews = {
            pk: [r for r in rows if r.is_reviewed] for pk, rows in reviews.items() if pk in released
        }
        unplaced = {
            pk: [u for u in rows if u.kind != UnplacedWork.Kind.REVIEW or pk in released]
            for pk, rows in unplaced.items()
        }
    else:
        events_about = AuditEvent.objects.filter(student=student)
        if care is not None:
            events_about = events_about.filter(
                Q(classroom__isnull=True) | Q(classroom__in=Classroom.objects.filter(care))
            )
        events = list(events_about.select_related("classroom").order_by("at", "pk"))
    return StudentData(
        student=student,
        made_by=who(made_by),
        made_at=now,
        scope=scope,
        enrolments=list(enrolments),
        submissions=submission_list,
        highlights=highlights,
        answers=answers,
        reviews=reviews,
        unplaced=unplaced,
        events=events,
    )


@dataclass
class DeletionPlan:
    """What deleting a student's data takes away (for the confirmation page), and the classes
    in the way: classes the student is in, or has work in, that the person deleting does not
    answer for (another teacher's, another school's)."""

    student: User
    classes: list[Classroom]  # the student's classes the person deleting answers for
    other_classes: int  # classes the student is in or has work in, that they do not
    submissions: int
    highlights: int
    answers: int
    reviews: int
    unplaced: int
    events: int

    @property
    def allowed(self) -> bool:
        return self.other_classes == 0


def deletion_plan(student: User, *, care: Q | None) -> DeletionPlan:
    """In a fixed number of queries, however much work the student has. `care=None`: the
    operator, who answers for every class."""
    touched = set(student.enrollments.values_list("classroom_id", flat=True)) | set(
        Submission.objects.filter(student=student).values_list(
            "assignment__classroom_id", flat=True
        )
    )
    if care is None:
        in_care = touched
    else:
        in_care = set(Classroom.objects.filter(care).values_list("pk", flat=True).order_by())
    classes = list(
        Classroom.objects.filter(pk__in=touched & in_care).order_by("name", "pk"),
    )
    work = {"submission__student": student}
    return DeletionPlan(
        student=student,
        classes=classes,
        other_classes=len(touched - in_care),
        submissions=Submission.objects.filter(student=student).count(),
        highlights=Highlight.objects.filter(**work).count(),
        answers=Answer.objects.filter(**work).count(),
        reviews=Review.objects.filter(**work).count(),
        unplaced=UnplacedWork.objects.filter(**work).count(),
        events=AuditEvent.objects.filter(student=student).count(),
    )


@dataclass
class SchoolClass:
    """A class of a school's teacher and its students, on the school admin's page."""

    classroom: Classroom
    students: list[User]


def school_classes(school: School) -> list[SchoolClass]:
    """Every class of the school's teachers with its students: one query."""
    enrolments = (
        Enrollment.objects.filter(classroom__teacher__school=school)
        .select_related("classroom__teacher", "student")
        .order_by("classroom__name", "classroom_id", "student__display_name", "student_id")
    )
    classes: list[SchoolClass] = []
    for _, group in groupby(enrolments, key=lambda e: e.classroom_id):
        rows = list(group)
        classes.append(SchoolClass(rows[0].classroom, [e.student for e in rows]))
    return classes


def audit_events(school: School, *, student: User | None = None) -> QuerySet[AuditEvent]:
    """The audit log a school's admin reads, newest first: events in the classes of the
    school's teachers, and events outside any class about a student in one of them. Every row
    comes with its class and student (one query a page)."""
    of_school = Enrollment.objects.filter(
        student=OuterRef("student"), classroom__teacher__school=school
    )
    events = AuditEvent.objects.filter(
        Q(classroom__teacher__school=school)
        | (Q(classroom__isnull=True, student__isnull=False) & Exists(of_school))
    )
    if student is not None:
        events = events.filter(student=student)
    return events.select_related("classroom__teacher", "student").order_by("-at", "-pk")
