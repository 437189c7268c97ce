"""What a teacher sees of students' work (the dashboards build on this)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import User
from core.responses import AuthenticatedRequest

from .. import selectors, services
from ..access import get_assignment_for_teacher
from ..forms import AssignmentSettingsForm, ExtensionForm
from ..models import AuditEvent


@login_required
def assignment_settings(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Dates, late work and the feedback release rule; extensions for single students."""
    assignment = get_assignment_for_teacher(request.user, pk)
    form = AssignmentSettingsForm(
        request.POST if request.method == "POST" else None, instance=assignment
    )
    if request.method == "POST" and form.is_valid():
        services.assignment_update(
            assignment=assignment,
            opens_at=form.cleaned_data["opens_at"],
            due_at=form.cleaned_data["due_at"],
            accept_late=form.cleaned_data["accept_late"],
            feedback_release=form.cleaned_data["feedback_release"],
        )
        messages.success(request, _("Settings saved."))
        return redirect("work:assignment_settings", assignment.pk)
    rows = [
        (
            row.student,
            row.extended_due_at,
            ExtensionForm(
                initial={"due_at": row.extended_due_at}, prefix=f"student-{row.student.pk}"
            ),
        )
        for row in selectors.due_dates(assignment)
    ]
    return render(
        request,
        "work/assignment_settings.html",
        {"assignment": assignment, "lesson": assignment.lesson, "form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def feedback_release(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    if services.feedback_release(assignment=assignment):
        messages.success(request, _("Feedback is released: students who handed in can see it."))
    else:
        messages.info(request, _("Feedback was already released."))
    return redirect("work:assignment_settings", assignment.pk)


@login_required
@require_POST
def extend(request: AuthenticatedRequest, pk: int, student_pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    student = get_object_or_404(User, pk=student_pk, enrollments__classroom=assignment.classroom_id)
    form = ExtensionForm(request.POST, prefix=f"student-{student.pk}")
    if not form.is_valid():
        messages.error(
            request, _("That date could not be read for %(name)s.") % {"name": student.display_name}
        )
        return redirect("work:assignment_settings", assignment.pk)
    due_at = form.cleaned_data["due_at"]
    submission = services.submission_extend(assignment=assignment, student=student, due_at=due_at)
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.CHANGED,
        student_id=student.pk,
        classroom_id=assignment.classroom_id,
        obj=submission,
        detail=(
            f"Gave the student until {due_at.isoformat(timespec='minutes')} "
            f"for “{assignment.lesson.title}”"
            if due_at
            else f"Took back the student's own due date for “{assignment.lesson.title}”"
        ),
    )
    if due_at:
        messages.success(
            request,
            _("%(name)s now has until %(when)s.")
            % {
                "name": student.display_name,
                "when": date_format(timezone.localtime(due_at), "DATETIME_FORMAT"),
            },
        )
    else:
        messages.success(
            request, _("%(name)s has the class's due date again.") % {"name": student.display_name}
        )
    return redirect("work:assignment_settings", assignment.pk)
