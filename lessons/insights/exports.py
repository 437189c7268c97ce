"""CSV exports of one assignment: a row per student, and a row per highlight (long format).

UTF-8 with a byte order mark (so Excel reads accents right), quoting by the csv module, and
every cell that a spreadsheet would read as a formula neutralised (OWASP, "CSV Injection"):
all written by `lessons.work.exports.write_csv`, which a student's data export uses too.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from lessons.work.exports import write_csv
from lessons.work.models import Answer, Assignment

from . import scoring
from .selectors.dashboard import ClassWork, student_rows
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


def answer_counts(assignment: Assignment) -> dict[int, int]:
    """Answers with some content (words, or techniques chosen), by submission id: one query."""
    return dict(
        Answer.objects.filter(submission__assignment=assignment)
        .filter(~Q(text="") | Q(techniques__isnull=False))
        .order_by()
        .values("submission_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("submission_id", "n")
    )


def students_csv(work: ClassWork) -> HttpResponse:
    zone, _time = timezone.get_current_timezone_name(), _clock()
    answers = answer_counts(work.assignment)
    rows, _ = student_rows(work, scoring.KeyIndex(work.key_spans), spans_only=True)
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
        "Key spans total",
    ]
    lines = []
    for row in rows:
        submission, scores, spans = row.submission, row.scores, row.spans_found
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
                answers.get(submission.pk, 0) if submission else 0,
                _score(scores.precision if scores else None),
                _score(scores.recall if scores else None),
                _score(scores.f1 if scores else None),
                _score(spans.f1 if spans else None),
                row.found if submission else "",
                len(work.keys),
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
