"""Feedback: a student's own, once released, and a teacher's view of one student's work."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from core.models import User
from core.responses import HtmxHttpRequest
from lessons.work.access import get_assignment_for_student, get_assignment_for_teacher
from lessons.work.models import MAX_SCORE, Submission
from lessons.work.selectors import unplaced_items

from ..forms import ReviewForm
from ..selectors.feedback import build_feedback


@login_required
def feedback(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The answer key against the student's work, once the teacher's rule releases it."""
    assignment = get_assignment_for_student(request.user, pk)
    submission = (
        Submission.objects.filter(assignment=assignment, student=request.user)
        .select_related("assignment__lesson")
        .first()
    )
    if not assignment.feedback_released_for(submission):
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
def student_work(request: HtmxHttpRequest, pk: int, student_pk: int) -> HttpResponse:
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
