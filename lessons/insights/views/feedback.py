"""Feedback: a student's own, once released, and a teacher's view of one student's work."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from core.access import may_see_answer_key
from core.models import User
from core.responses import AuthenticatedRequest
from lessons.work import services
from lessons.work.access import get_assignment_for_student
from lessons.work.models import MAX_SCORE, AuditEvent, Submission
from lessons.work.selectors import unplaced_items

from ..access import get_assignment_for_teacher
from ..forms import ReviewForm
from ..selectors.feedback import build_feedback


@login_required
def scoring_help(request: AuthenticatedRequest) -> HttpResponse:
    """How scores are computed, in plain words (the short form of docs/scoring.md)."""
    return render(request, "insights/scoring_help.html")


@login_required
def feedback(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The answer key against the student's work, once the teacher's rule releases it."""
    assignment = get_assignment_for_student(request.user, pk)
    submission = (
        Submission.objects.filter(assignment=assignment, student=request.user)
        .select_related("assignment__lesson")
        .first()
    )
    released = submission is not None and assignment.feedback_released_for(submission)
    if submission is None or not may_see_answer_key(
        request.user, assignment.lesson, feedback_released=released
    ):
        return render(
            request,
            "insights/feedback_pending.html",
            {"assignment": assignment, "submission": submission},
            status=403,
        )
    return render(
        request,
        "insights/feedback.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "submission": submission,
            "feedback": build_feedback(submission),
            "max_score": MAX_SCORE,
        },
    )


@login_required
def student_work(request: AuthenticatedRequest, pk: int, student_pk: int) -> HttpResponse:
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
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEWED,
        student_id=student.pk,
        classroom_id=assignment.classroom_id,
        obj=submission or assignment,
        detail=gettext("Opened the student's work on “%(lesson)s”")
        % {"lesson": assignment.lesson.title},
    )
    review_form = ReviewForm(
        initial={
            "comment": overall.comment if overall else "",
            "score": overall.score if overall else None,
            "reviewed": overall.is_reviewed if overall else False,
            "next": request.get_full_path(),
        }
    )
    return render(
        request,
        "insights/student_work.html",
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
