"""CSV exports of one assignment: a row per student (with the teacher's scores and comments),
a row per student and prompt (the answers), and a row per highlight (long format).

UTF-8 with a byte order mark (so Excel reads accents right), quoting by the csv module, and
every cell that a spreadsheet would read as a formula neutralised (OWASP, "CSV Injection"):
all written by `lessons.work.exports.write_csv`, which a student's data export uses too.
"""

from collections.abc import Iterable
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from lessons.library.models import Prompt
from lessons.work.exports import write_csv
from lessons.work.models import Answer, Assignment, Highlight, Review

from . import scoring
from .selectors.dashboard import ClassWork, load_class, student_rows
from .selectors.spans import span_of


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    write_csv(response, header, rows)
    return response


def filename(assignment: Assignment, what: str) -> str:
    classroom = slugify(assignment.classroom.name) or "class"
    return f"{assignment.lesson.slug}-{classroom}-{what}.csv"


def _clock():
    """A function writing times as "2025-03-03 09:40:05" in the current time zone (one look-up
    of the zone, not one per cell: the highlights export has two times per row)."""
    zone = timezone.get_current_timezone()

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).isoformat(" ", "seconds")[:19] if value else ""

    return when


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _status(submission) -> str:
    if submission is None:
        return "not started"
    return "handed in" if submission.is_submitted else "in progress"


def answerable_prompts(assignment: Assignment) -> list[Prompt]:
    """The prompts a student answers in words or by choosing, in reading order: one query."""
    return list(
        Prompt.objects.filter(segment__lesson=assignment.lesson_id)
        .exclude(kind=Prompt.Kind.HIGHLIGHT)
        .select_related("segment")
        .order_by("segment__position", "position")
        .only("id", "kind", "text", "position", "segment__position")
    )


def class_reviews(assignment: Assignment) -> list[Review]:
    """Every review of the assignment's submissions, drafts included, with its prompt and the
    prompt's passage: one query."""
    return list(
        Review.objects.filter(submission__assignment=assignment)
        .select_related("prompt__segment")
        .order_by("pk")
        .only(
            *("id", "submission_id", "prompt_id", "key_span_id", "score", "comment"),
            *("reviewed_at", "prompt__position", "prompt__segment__position"),
        )
    )


def _prompt_label(prompt: Prompt) -> str:
    return f"Passage {prompt.segment.position} prompt {prompt.position}"


def students_work(assignment: Assignment) -> ClassWork:
    """The class as the students export reads it: each student's stored figures (no
    highlights) and their count of answers."""
    return load_class(
        assignment, count_answers=True, with_highlights=False, with_figures=True, answered=False
    )


def students_csv(work: ClassWork) -> HttpResponse:
    zone, _time = timezone.get_current_timezone_name(), _clock()
    rows = student_rows(work, cells=False)  # from each student's figures (`students_work`)
    reviews = class_reviews(work.assignment)
    by_target = {(r.submission_id, r.prompt_id, r.key_span_id): r for r in reviews}
    prompts = {r.prompt_id: r.prompt for r in reviews if r.prompt is not None}
    reviewed_keys = {r.key_span_id for r in reviews if r.key_span_id}
    segment_positions = {s.pk: s.position for s in work.segments}
    keys = [k for k in work.keys if k.pk in reviewed_keys]
    # Each teacher score and comment, per prompt and per key span reviewed, and overall: the
    # columns of what the teacher reviewed for someone, in reading order.
    ordered = sorted(prompts.values(), key=lambda p: (p.segment.position, p.position))
    targets: list[tuple[str, int | None, int | None]] = [
        *((_prompt_label(p), p.pk, None) for p in ordered),
        *(
            (f"Passage {segment_positions[k.segment_id]} key span {k.position}", None, k.pk)
            for k in keys
        ),
    ]
    if any(not r.prompt_id and not r.key_span_id for r in reviews):
        targets.append(("Overall", None, None))
    header = [
        "Student",
        "Login",
        "Status",
        f"Started at ({zone})",
        "Passages reached",
        "Passages",
        f"Submitted at ({zone})",
        "Late",
        f"Extended due date ({zone})",
        "Highlights",
        "Answers",
        "Precision",
        "Recall",
        "F1",
        "Spans found F1",
        "Key spans found",
        "Key spans another technique",
        "Key spans total",
        *(f"{label} {what}" for label, _, _ in targets for what in ("score", "comment")),
    ]
    lines = []
    for row in rows:
        submission, scores, spans = row.submission, row.scores, row.spans_found
        teacher: list[object] = []
        for _, prompt_id, key_id in targets:
            review = by_target.get((submission.pk, prompt_id, key_id)) if submission else None
            teacher += [review.score, review.comment] if review else ["", ""]
        lines.append(
            [
                row.student.display_name,
                row.student.username,
                _status(submission),
                _time(submission.started_at) if submission else "",
                submission.reached if submission else "",
                len(work.segments),
                _time(submission.submitted_at) if submission else "",
                _yes(submission.is_late) if submission else "no",
                _time(submission.extended_due_at) if submission else "",
                row.highlight_count,
                getattr(submission, "answer_count", 0) if submission else 0,
                _score(scores.precision if scores else None),
                _score(scores.recall if scores else None),
                _score(scores.f1 if scores else None),
                _score(spans.f1 if spans else None),
                row.found if submission else "",
                row.other if submission else "",
                len(work.keys),
                *teacher,
            ]
        )
    return csv_response(filename(work.assignment, "students"), header, lines)


# The columns `highlights_csv` needs beyond those every loader fetches (see load_class).
HIGHLIGHT_COLUMNS = ("quote", "note", "created_at", "updated_at", "id")


def highlights_csv(work: ClassWork) -> HttpResponse:
    zone, _time = timezone.get_current_timezone_name(), _clock()
    segments = {s.pk: s for s in work.segments}
    keys_by_segment: dict[int, list[scoring.Span]] = {}
    for span in work.key_spans:
        keys_by_segment.setdefault(span.segment, []).append(span)
    header = [
        "Student",
        "Login",
        "Passage",
        "Start",
        "End",
        "Quote",
        "Technique code",
        "Technique",
        "Note",
        "Verdict",
        f"Created at ({zone})",
        f"Updated at ({zone})",
    ]
    lines = []
    for student in work.students:
        rows = work.highlights.get(student.pk, [])
        rows = sorted(rows, key=lambda r: (segments[r.segment_id].position, r.start, r.end, r.id))
        for row in rows:
            technique = work.techniques[row.technique_id]
            span = span_of(row, work.codes)
            verdict = scoring.classify(span, keys_by_segment.get(row.segment_id, []))
            lines.append(
                [
                    student.display_name,
                    student.username,
                    segments[row.segment_id].position,
                    row.start,
                    row.end,
                    row.quote,
                    technique.code,
                    technique.name,
                    row.note,
                    verdict.value,
                    _time(row.created_at),
                    _time(row.updated_at),
                ]
            )
    return csv_response(filename(work.assignment, "highlights"), header, lines)


def answers_csv(work: ClassWork) -> HttpResponse:
    """A row per enrolled student and answerable prompt: the answer, the techniques chosen,
    and the teacher's score and comment. A fixed number of queries, whatever the class."""
    prompts = answerable_prompts(work.assignment)
    # One query: a row per answer and technique chosen (None when it chose none).
    answers: dict[tuple[int, int], str] = {}
    chosen: dict[tuple[int, int], list[int]] = {}
    rows = Answer.objects.filter(submission__assignment=work.assignment).order_by()
    for submission_id, prompt_id, text, technique_id in rows.values_list(
        "submission_id", "prompt_id", "text", "techniques"
    ):
        answers[(submission_id, prompt_id)] = text
        if technique_id is not None:
            chosen.setdefault((submission_id, prompt_id), []).append(technique_id)
    order = {pk: i for i, pk in enumerate(work.techniques)}
    reviews = {
        (r.submission_id, r.prompt_id): r for r in class_reviews(work.assignment) if r.prompt_id
    }
    header = [
        "Student",
        "Login",
        "Passage",
        "Prompt",
        "Question",
        "Answer",
        "Techniques chosen",
        "Score",
        "Comment",
        "Reviewed",
    ]
    lines = []
    for student in work.students:
        submission = work.submissions.get(student.pk)
        for prompt in prompts:
            key = (submission.pk if submission else 0, prompt.pk)
            review = reviews.get(key) if submission else None
            techniques = sorted(chosen.get(key, []), key=order.__getitem__)
            lines.append(
                [
                    student.display_name,
                    student.username,
                    prompt.segment.position,
                    prompt.position,
                    prompt.text,
                    answers.get(key, ""),
                    "; ".join(work.techniques[t].name for t in techniques),
                    review.score if review and review.score is not None else "",
                    review.comment if review else "",
                    _yes(review is not None and review.is_reviewed),
                ]
            )
    return csv_response(filename(work.assignment, "answers"), header, lines)


# Large exports, made in the worker (`tasks.export_csv`) ------------------------------------

EXPORTS = ("students", "answers", "highlights")


def export_rows(assignment: Assignment, kind: str) -> int:
    """How many rows the export would have, in one or two queries: beyond
    BACKGROUND_EXPORT_ROWS it is made in the worker, with a progress page."""
    students = assignment.classroom.enrollments.count()
    if kind == "students":
        return students
    if kind == "answers":
        return students * len(answerable_prompts(assignment))
    return Highlight.objects.filter(submission__assignment=assignment).count()


def make_csv(assignment: Assignment, kind: str) -> HttpResponse:
    """The export `kind` (one of EXPORTS) of the assignment, as the dashboard's buttons
    download it."""
    if kind == "students":
        return students_csv(students_work(assignment))
    if kind == "answers":
        return answers_csv(load_class(assignment))
    return highlights_csv(load_class(assignment, highlight_columns=HIGHLIGHT_COLUMNS))
