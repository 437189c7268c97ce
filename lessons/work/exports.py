"""Files made of students' work: the CSV writer every export uses, and one student's data as a
zip of JSON and CSV files (`student_zip`, for their teacher, their school's admin, or the
student themselves).

CSV: UTF-8 with a byte order mark (so Excel reads accents right), quoting by the csv module,
and every cell that a spreadsheet would read as a formula neutralised (OWASP, "CSV
Injection"). The class exports of `lessons.insights.exports` write through `write_csv` too.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.models import User

from .models import MAX_SCORE, AuditEvent, Review, UnplacedWork
from .selectors import StudentData

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell as text; one that begins like a formula gets a leading apostrophe, which
    spreadsheets show as text instead of evaluating (=HYPERLINK(...), @SUM(1), -2+3...)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writable(Protocol):
    """Where a CSV file goes: a response, a StringIO."""

    def write(self, text: str, /) -> object: ...


def write_csv(out: Writable, header: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    """A whole CSV file into `out`: the byte order mark, the header, the rows, every cell
    neutralised."""
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


# One student's data -------------------------------------------------------------------------

README = """\
What Lens stores about {name}
{underline}

Made on {made_at} by {made_by}.
{scope}

data.json holds everything below in one file. The same, as tables (CSV, UTF-8), one per kind
of record:

  account.csv        the account: every field Lens keeps except the password, which is
                     stored only as a one-way hash and is not included
  enrolments.csv     the classes the student is in, and since when
  assignments.csv    each lesson the student has opened: handed in or not, when, where
                     they are, their own due date if the teacher gave one
  highlights.csv     the words they highlighted, the technique they named, their note
  answers.csv        their answers to the lessons' questions
  reviews.csv        their teacher's comments and scores on their work
  unplaced_work.csv  work kept aside when a class moved to a new version of a lesson
{audit_line}
Times are in {zone}, written as ISO 8601 with their offset from UTC.
"""

AUDIT_LINE = (
    "  audit_events.csv   who viewed, exported or changed this student's work in Lens, and when\n"
)
OWN_SCOPE = (
    "Everything you have done in Lens: your account, your classes, your work, and your "
    "teachers' comments once your feedback is released."
)


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _when(value)
    return value


def _account(student: User) -> dict[str, Any]:
    """Every column of the account but the password hash (a new column is included
    without a change here)."""
    account: dict[str, Any] = {}
    for field in User._meta.concrete_fields:
        if field.name == "password":
            continue
        if field.is_relation:
            related = getattr(student, field.name)
            account[field.name] = str(related) if related is not None else None
        else:
            account[field.name] = _plain(getattr(student, field.attname))
    return account


def _review_target(review: Review) -> tuple[str, int | None, str]:
    """What a review is about: (on, passage, question)."""
    if review.prompt is not None:
        return "question", review.prompt.segment.position, review.prompt.text
    if review.key_span is not None:
        # The key span's words and explanation are the answer key: never in an export.
        return "a span of the answer key", review.key_span.segment.position, ""
    return "the whole work", None, ""


def _unplaced(row: UnplacedWork) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "reason": row.reason,
        "passage": row.segment_position,
        "quote": row.quote,
        "prefix": row.prefix,
        "suffix": row.suffix,
        "start": row.start,
        "end": row.end,
        "technique": row.technique.name if row.technique else None,
        "techniques": [t.name for t in row.techniques.all()],
        "question": row.prompt_text,
        "text": row.text,
        "score": row.score,
        "kept_at": _when(row.created_at),
    }


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": _when(event.at),
        "who": event.actor_name,
        "action": event.action,
        "class": event.classroom.name if event.classroom else None,
        "object": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
    }


def student_json(data: StudentData) -> dict[str, Any]:
    """The student's data as one JSON document (see README above for its parts)."""
    assignments = []
    for submission in data.submissions:
        assignment = submission.assignment
        highlights = [
            {
                "passage": h.segment.position,
                "start": h.start,
                "end": h.end,
                "quote": h.quote,
                "prefix": h.prefix,
                "suffix": h.suffix,
                "technique_code": h.technique.code,
                "technique": h.technique.name,
                "note": h.note,
                "created_at": _when(h.created_at),
                "updated_at": _when(h.updated_at),
            }
            for h in data.highlights.get(submission.pk, [])
        ]
        answers = [
            {
                "passage": a.prompt.segment.position,
                "question": a.prompt.text,
                "text": a.text,
                "techniques": [t.name for t in a.techniques.all()],
                "created_at": _when(a.created_at),
                "updated_at": _when(a.updated_at),
            }
            for a in data.answers.get(submission.pk, [])
        ]
        reviews = []
        for review in data.reviews.get(submission.pk, []):
            on, passage, question = _review_target(review)
            reviews.append(
                {
                    "on": on,
                    "passage": passage,
                    "question": question,
                    "comment": review.comment,
                    "score": review.score,
                    "out_of": MAX_SCORE,
                    "reviewed": review.is_reviewed,
                    "reviewed_at": _when(review.reviewed_at),
                    "reviewer": review.reviewer.display_name if review.reviewer else None,
                    "updated_at": _when(review.updated_at),
                }
            )
        assignments.append(
            {
                "lesson": assignment.lesson.title,
                "lesson_slug": assignment.lesson.slug,
                "revision": assignment.lesson.revision,
                "class": assignment.classroom.name,
                "due_at": _when(assignment.due_at),
                "own_due_at": _when(submission.extended_due_at),
                "status": "handed in" if submission.is_submitted else "in progress",
                "started_at": _when(submission.started_at),
                "updated_at": _when(submission.updated_at),
                "handed_in_at": _when(submission.submitted_at),
                "late": submission.is_late,
                "passage": submission.position,
                "furthest_passage": submission.reached,
                "highlights": highlights,
                "answers": answers,
                "reviews": reviews,
                "unplaced_work": [_unplaced(u) for u in data.unplaced.get(submission.pk, [])],
            }
        )
    document: dict[str, Any] = {
        "export": {
            "made_at": _when(data.made_at),
            "made_by": data.made_by,
            "scope": data.scope,
            "time_zone": timezone.get_current_timezone_name(),
        },
        "account": _account(data.student),
        "enrolments": [
            {
                "class": e.classroom.name,
                "teacher": e.classroom.teacher.display_name,
                "joined_at": _when(e.joined_at),
            }
            for e in data.enrolments
        ],
        "assignments": assignments,
    }
    if data.events is not None:
        document["audit_events"] = [_event(e) for e in data.events]
    return document


def _table(rows: list[dict[str, Any]], *, fields: list[str]) -> tuple[list[str], list[list]]:
    """Rows of dicts as a CSV header and rows; lists become "a; b"."""

    def cell(value: Any) -> Any:
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    return fields, [[cell(row.get(f)) for f in fields] for row in rows]


def _fields_of(example: dict[str, Any], *, skip: tuple[str, ...] = ()) -> list[str]:
    return [key for key in example if key not in skip]


ASSIGNMENT_KEYS = ("lesson", "class")
NESTED = ("highlights", "answers", "reviews", "unplaced_work")


def student_tables(document: dict[str, Any]) -> dict[str, tuple[list[str], list[list]]]:
    """The JSON document as CSV tables, by file name."""
    tables = {
        "account.csv": (["field", "value"], [[k, v] for k, v in document["account"].items()]),
        "enrolments.csv": _table(document["enrolments"], fields=["class", "teacher", "joined_at"]),
    }
    assignments = document["assignments"]
    assignment_fields = [
        "lesson",
        "lesson_slug",
        "revision",
        "class",
        "due_at",
        "own_due_at",
        "status",
        "started_at",
        "updated_at",
        "handed_in_at",
        "late",
        "passage",
        "furthest_passage",
    ]
    tables["assignments.csv"] = _table(assignments, fields=assignment_fields)
    for name in NESTED:
        rows = [
            {"lesson": a["lesson"], "class": a["class"], **item}
            for a in assignments
            for item in a[name]
        ]
        fields = [*ASSIGNMENT_KEYS, *(_fields_of(rows[0], skip=ASSIGNMENT_KEYS) if rows else [])]
        tables[f"{name}.csv"] = _table(rows, fields=fields)
    if "audit_events" in document:
        fields = ["at", "who", "action", "class", "object", "object_id", "detail"]
        tables["audit_events.csv"] = _table(document["audit_events"], fields=fields)
    return tables


def student_zip(data: StudentData) -> bytes:
    """The zip: README.txt, data.json and one CSV file per kind of record."""
    document = student_json(data)
    name = data.student.display_name or data.student.username
    readme = README.format(
        name=name,
        underline="=" * (len(name) + 26),
        made_at=document["export"]["made_at"],
        made_by=data.made_by,
        scope=data.scope,
        audit_line=AUDIT_LINE if "audit_events" in document else "",
        zone=document["export"]["time_zone"],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"
        )
        for filename, (header, rows) in student_tables(document).items():
            out = io.StringIO(newline="")
            write_csv(out, header, rows)
            archive.writestr(filename, out.getvalue())
    return buffer.getvalue()


def zip_filename(student: User, made_at: datetime) -> str:
    return f"lens-data-{student.username}-{timezone.localtime(made_at):%Y-%m-%d}.zip"


def zip_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # A file of personal data: never kept by a shared cache or the browser's back button.
    response["Cache-Control"] = "no-store"
    return response
