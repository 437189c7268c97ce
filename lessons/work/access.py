"""Access helpers: each returns the object for this user or raises Http404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import User

from .models import Assignment, Highlight, Submission


def get_assignment_for_student(user: User, pk: int) -> Assignment:
    if not user.is_student:
        raise Http404
    return get_object_or_404(
        Assignment.objects.for_student(user).select_related(
            "lesson", "lesson__taxonomy", "classroom"
        ),
        pk=pk,
    )


def get_assignment_for_teacher(user: User, pk: int) -> Assignment:
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(
        Assignment.objects.for_teacher(user).select_related(
            "lesson", "lesson__taxonomy", "classroom"
        ),
        pk=pk,
    )


def get_highlight_for_student(submission: Submission, pk: int) -> Highlight:
    return get_object_or_404(submission.highlights.select_related("segment", "technique"), pk=pk)
