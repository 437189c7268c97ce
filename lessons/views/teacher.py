"""What a teacher sees of students' work (the dashboards build on this)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from core.models import User

from .. import services
from ..access import get_assignment_for_teacher
from ..feedback import build as build_feedback
from ..forms import AssignmentSettingsForm, ExtensionForm, ReviewForm
from ..models import MAX_SCORE, Submission
from .revision import unplaced_items


@login_required
def student_work(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    """One student's highlights, notes and answers, in the text and against the key."""
    assignment = get_assignment_for_teacher(request.user, pk)
    student = get_object_or_404(User, pk=student_pk, enrollments__classroom=assignment.classroom_id)
    submission = (
        Submission.objects.filter(assignment=assignment, student=student)
        .select_related("assignment__lesson")
        .first()
    )
    feedback = build_feedback(submission, include_drafts=True) if submission else None
    overall = feedback.overall if feedback else None
    review_form = ReviewForm(
        initial={
            "comment": overall.comment if overall else "",
            "score": overall.score if overall else None,
            "reviewed": overall.is_reviewed if overall else True,
            "next": request.get_full_path(),
        }
    )
    return render(
        request,
        "lessons/student_work.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "student": student,
            "submission": submission,
            "feedback": feedback,
            "for_teacher": True,
            "max_score": MAX_SCORE,
            "form": review_form,
            "review": overall,
            "unplaced": unplaced_items(submission),
        },
    )


@login_required
def assignment_settings(request: HttpRequest, pk: int) -> HttpResponse:
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
        messages.success(request, "Settings saved.")
        return redirect("assignment_settings", assignment.pk)
    students = list(
        User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
            "display_name", "pk"
        )
    )
    extensions = dict(
        Submission.objects.filter(assignment=assignment, extended_due_at__isnull=False).values_list(
            "student_id", "extended_due_at"
        )
    )
    rows = [
        (
            student,
            extensions.get(student.pk),
            ExtensionForm(
                initial={"due_at": extensions.get(student.pk)}, prefix=f"student-{student.pk}"
            ),
        )
        for student in students
    ]
    return render(
        request,
        "lessons/assignment_settings.html",
        {"assignment": assignment, "lesson": assignment.lesson, "form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def feedback_release(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    if services.feedback_release(assignment=assignment):
        messages.success(request, "Feedback is released: students who handed in can see it.")
    else:
        messages.info(request, "Feedback was already released.")
    return redirect("assignment_settings", assignment.pk)


@login_required
@require_POST
def extend(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    student = get_object_or_404(User, pk=student_pk, enrollments__classroom=assignment.classroom_id)
    form = ExtensionForm(request.POST, prefix=f"student-{student.pk}")
    if not form.is_valid():
        messages.error(request, f"That date could not be read for {student.display_name}.")
        return redirect("assignment_settings", assignment.pk)
    due_at = form.cleaned_data["due_at"]
    services.submission_extend(assignment=assignment, student=student, due_at=due_at)
    if due_at:
        messages.success(
            request,
            f"{student.display_name} now has until "
            f"{date_format(timezone.localtime(due_at), 'j F Y, H:i')}.",
        )
    else:
        messages.success(request, f"{student.display_name} has the class's due date again.")
    return redirect("assignment_settings", assignment.pk)
