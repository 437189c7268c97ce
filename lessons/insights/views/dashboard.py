"""The class dashboard and CSV exports (teachers), and the class map (students, after release)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from core.responses import AuthenticatedRequest
from lessons.work import services
from lessons.work.access import get_assignment_for_student
from lessons.work.models import Assignment, AuditEvent

from .. import exports as csv_export
from ..access import get_assignment_for_teacher
from ..selectors.dashboard import (
    MIN_CLASS_MAP_STUDENTS,
    build_class_map,
    build_dashboard,
    load_class,
)


@login_required
def dashboard(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Progress, the heat map, what the class found and missed, and where it disagrees."""
    assignment = get_assignment_for_teacher(request.user, pk)
    board = build_dashboard(load_class(assignment))
    return render(
        request,
        "insights/dashboard.html",
        {"assignment": assignment, "lesson": assignment.lesson, "board": board},
    )


def _exported(request: AuthenticatedRequest, assignment: Assignment, what: str) -> None:
    """The class's export, in the audit log: one event for the whole class."""
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORTED,
        classroom_id=assignment.classroom_id,
        obj=assignment,
        detail=f"Downloaded {what} of “{assignment.lesson.title}” (CSV)",
    )


@login_required
def export_students(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    response = csv_export.students_csv(load_class(assignment, count_answers=True))
    _exported(request, assignment, "every student's progress and scores")
    return response


@login_required
def export_answers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    response = csv_export.answers_csv(load_class(assignment))
    _exported(request, assignment, "every student's answers and the teacher's reviews")
    return response


@login_required
def export_highlights(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    work = load_class(assignment, highlight_columns=csv_export.HIGHLIGHT_COLUMNS)
    response = csv_export.highlights_csv(work)
    _exported(request, assignment, "every student's highlights")
    return response


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
    context["heat"] = build_class_map(load_class(assignment, with_key=False, submitted_only=True))
    context["min_students"] = MIN_CLASS_MAP_STUDENTS
    context["available"] = True
    return render(request, "insights/class_map.html", context)
