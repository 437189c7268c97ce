"""Access helpers: each returns the object for this user or raises Http404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import User

from .models import Assignment, Highlight, Lesson, Submission


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
    return get_object_or_404(
        Highlight.objects.select_related("segment", "technique"), pk=pk, submission=submission
    )


def get_draft_for_author(user: User, pk: int) -> "Lesson":
    """A draft lesson (or draft revision) its author is editing. Published revisions are
    never edited (lessons/revisions.py), and nobody edits another teacher's lesson."""
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(
        Lesson.objects.select_related("taxonomy"), pk=pk, created_by=user, is_published=False
    )
