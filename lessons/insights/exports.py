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
from django.utils.translation import gettext, pgettext

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


def _yes_no() -> dict[bool, str]:
    """The words of a yes/no column, looked up once per file (not once per row)."""
    return {True: pgettext("a CSV cell", "yes"), False: pgettext("a CSV cell", "no")}


def _statuses() -> dict[str, str]:
    """A submission's state in words, by `_state`, looked up once per file."""
    return {
        "none": gettext("not started"),
        "submitted": gettext("handed in"),
        "working": gettext("in progress"),
    }


def _state(submission) -> str:
    if submission is None:
        return "none"
    return "submitted" if submission.is_submitted else "working"


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
    return gettext("Passage %(passage)s prompt %(prompt)s") % {
        "passage": prompt.segment.position,
        "prompt": prompt.position,
    }


def students_work(assignment: Assignment) -> ClassWork:
    """The class as the students export reads it: each student's stored figures (no
    highlights) and their count of answers."""
    return load_class(
        assignment, count_answers=True, with_highlights=False, with_figures=True, answered=False
    )


def students_csv(work: ClassWork) -> HttpResponse:
    zone, _time = timezone.get_current_timezone_name(), _clock()
    yes_no, statuses = _yes_no(), _statuses()
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
            (
                gettext("Passage %(passage)s key span %(key)s")
                % {"passage": segment_positions[k.segment_id], "key": k.position},
                None,
                k.pk,
            )
            for k in keys
        ),
    ]
    if any(not r.prompt_id and not r.key_span_id for r in reviews):
        targets.append((pgettext("a CSV column", "Overall"), None, None))
    header = [
        gettext("Student"),
        pgettext("a CSV column", "Login"),
        pgettext("a CSV column", "Status"),
        gettext("Started at (%(zone)s)") % {"zone": zone},
        gettext("Passages reached"),
        pgettext("a CSV column", "Passages"),
        gettext("Submitted at (%(zone)s)") % {"zone": zone},
        pgettext("a CSV column", "Late"),
        gettext("Extended due date (%(zone)s)") % {"zone": zone},
        gettext("Highlights"),
        gettext("Answers"),
        gettext("Precision"),
        gettext("Recall"),
        "F1",
        gettext("Spans found F1"),
        gettext("Key spans found"),
        gettext("Key spans another technique"),
        gettext("Key spans total"),
        *(
            heading
            for label, _, _ in targets
            for heading in (
                gettext("%(target)s score") % {"target": label},
                gettext("%(target)s comment") % {"target": label},
            )
        ),
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
                statuses[_state(submission)],
                _time(submission.started_at) if submission else "",
                submission.reached if submission else "",
                len(work.segments),
                _time(submission.submitted_at) if submission else "",
                yes_no[bool(submission and submission.is_late)],
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
        gettext("Student"),
        pgettext("a CSV column", "Login"),
        gettext("Passage"),
        pgettext("a highlight's first character", "Start"),
        pgettext("a highlight's last character", "End"),
        pgettext("a CSV column", "Quote"),
        gettext("Technique code"),
        gettext("Technique"),
        pgettext("a CSV column", "Note"),
        pgettext("a CSV column", "Verdict"),
        gettext("Created at (%(zone)s)") % {"zone": zone},
        gettext("Updated at (%(zone)s)") % {"zone": zone},
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
                    technique.display_name,
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
    yes_no = _yes_no()
    header = [
        gettext("Student"),
        pgettext("a CSV column", "Login"),
        gettext("Passage"),
        pgettext("the prompt's number in its passage", "Prompt"),
        pgettext("a CSV column", "Question"),
        pgettext("a CSV column", "Answer"),
        gettext("Techniques chosen"),
        pgettext("a CSV column", "Score"),
        pgettext("a CSV column", "Comment"),
        pgettext("a CSV column", "Reviewed"),
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
                    "; ".join(work.techniques[t].display_name for t in techniques),
                    review.score if review and review.score is not None else "",
                    review.comment if review else "",
                    yes_no[review is not None and review.is_reviewed],
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
