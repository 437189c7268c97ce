"""The class dashboard and CSV exports (teachers), and the class map (students, after release)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from core import jobs
from core.models import Job
from core.paging import Pager, pager
from core.responses import AuthenticatedRequest
from lessons.work import services
from lessons.work.access import get_assignment_for_student
from lessons.work.models import Assignment, AuditEvent

from .. import exports as csv_export
from .. import tasks
from ..access import get_assignment_for_teacher
from ..selectors.dashboard import (
    MIN_CLASS_MAP_STUDENTS,
    Progress,
    build_class_map,
    build_dashboard,
    build_progress,
    dashboard_work,
    load_class,
)


@login_required
def dashboard(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Progress, the heat map, what the class found and missed, and where it disagrees. The
    progress table shows a page of students (`?page=`); its page links answer htmx with the
    table alone."""
    assignment = get_assignment_for_teacher(request.user, pk)
    work = dashboard_work(assignment)
    page = request.GET.get("page")
    context: dict[str, object] = {"assignment": assignment, "lesson": assignment.lesson}
    if request.htmx and request.htmx.target == PROGRESS_TABLE:
        progress = build_progress(work, page)
        context |= {"progress": progress, "pager": _progress_pager(request, progress)}
        response = render(request, "insights/dashboard.html#progress_table", context)
    else:
        board = build_dashboard(work, page)
        context |= {"board": board, "pager": _progress_pager(request, board.progress)}
        response = render(request, "insights/dashboard.html", context)
    # The same address answers with the table alone or the whole page: no cache may mix them.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


PROGRESS_TABLE = "progress-table"  # the element a page link of the progress table swaps


def _progress_pager(request: AuthenticatedRequest, progress: Progress) -> Pager:
    return pager(
        request.path,
        request.GET,
        progress.page,
        name="progress",
        label=gettext("Pages of students"),
        fragment="#progress-heading",
        target=PROGRESS_TABLE,
    )


# Each export's record in the audit log, and the title of its job when the worker makes it.
_EXPORT_TEXTS = {
    "students": (
        gettext_lazy("Downloaded every student's progress and scores of “%(lesson)s” (CSV)"),
        gettext_lazy("Exporting every student's progress and scores of %(class)s (CSV)"),
    ),
    "answers": (
        gettext_lazy(
            "Downloaded every student's answers and the teacher's reviews of “%(lesson)s” (CSV)"
        ),
        gettext_lazy(
            "Exporting every student's answers and the teacher's reviews of %(class)s (CSV)"
        ),
    ),
    "highlights": (
        gettext_lazy("Downloaded every student's highlights of “%(lesson)s” (CSV)"),
        gettext_lazy("Exporting every student's highlights of %(class)s (CSV)"),
    ),
}


def _exported(request: AuthenticatedRequest, assignment: Assignment, kind: str) -> None:
    """The class's export, in the audit log: one event for the whole class."""
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORTED,
        classroom_id=assignment.classroom_id,
        obj=assignment,
        detail=str(_EXPORT_TEXTS[kind][0]) % {"lesson": assignment.lesson.title},
    )


def _download(
    request: AuthenticatedRequest,
    pk: int,
    make: Callable[[Assignment], HttpResponse],
    *,
    kind: str,
) -> HttpResponse:
    """A class export: `make` writes the CSV of the assignment, and the download goes in the
    audit log. Only a POST (the dashboard's download buttons) downloads, since recording it is
    a write; a GET (a bookmarked address, or the one a sign-in comes back to) reads nothing,
    writes nothing and goes to the dashboard, where the buttons are. An export of more rows
    than BACKGROUND_EXPORT_ROWS is made in the worker (`tasks.export_csv`): the POST goes to
    its progress page, where the file is downloaded once made."""
    assignment = get_assignment_for_teacher(request.user, pk)
    if request.method != "POST":
        return redirect("insights:dashboard", assignment.pk)
    if csv_export.export_rows(assignment, kind) > settings.BACKGROUND_EXPORT_ROWS:
        job = jobs.job_start(
            task=tasks.export_csv,
            owner=request.user,
            kind=Job.Kind.EXPORT,
            title=str(_EXPORT_TEXTS[kind][1]) % {"class": assignment.classroom.name},
            subject=f"assignment:{assignment.pk}",
            params={"assignment": assignment.pk, "export": kind},
        )
        _exported(request, assignment, kind)
        return redirect("core:job", job.pk)
    response = make(assignment)
    _exported(request, assignment, kind)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_students(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _download(
        request,
        pk,
        kind="students",
        make=lambda assignment: csv_export.students_csv(csv_export.students_work(assignment)),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_answers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _download(
        request,
        pk,
        kind="answers",
        make=lambda assignment: csv_export.answers_csv(load_class(assignment)),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_highlights(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _download(
        request,
        pk,
        kind="highlights",
        make=lambda assignment: csv_export.highlights_csv(
            load_class(assignment, highlight_columns=csv_export.HIGHLIGHT_COLUMNS)
        ),
    )


@login_required
def class_map(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Where the class highlighted, without names: only for a student who has handed in and
    whose feedback is released, so nobody copies the class before doing the work."""
    assignment = get_assignment_for_student(request.user, pk)
    submission = assignment.submissions.filter(student=request.user).first()
    context: dict[str, object] = {
        "assignment": assignment,
        "lesson": assignment.lesson,
        "submission": submission,
    }
    if not assignment.feedback_released_for(submission):
        return render(request, "insights/class_map.html", context, status=403)
    context["heat"] = build_class_map(
        load_class(
            assignment,
            with_key=False,
            submitted_only=True,
            with_highlights=False,
            with_figures=True,
            answered=False,
        )
    )
    context["min_students"] = MIN_CLASS_MAP_STUDENTS
    context["available"] = True
    return render(request, "insights/class_map.html", context)
