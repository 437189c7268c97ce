"""Access helpers for authoring: each returns the object for this user or raises Http404."""

from django.shortcuts import get_object_or_404

from core.models import User
from lessons.library.access import require_teacher
from lessons.library.models import Lesson

__all__ = ["get_draft_for_author", "get_lesson_for_author", "require_teacher"]


def get_draft_for_author(user: User, pk: int) -> Lesson:
    """A draft lesson (or draft revision) its author is editing. Published revisions are
    never edited (library.services.check_editable), and nobody edits another teacher's
    lesson."""
    require_teacher(user)
    return get_object_or_404(
        Lesson.objects.select_related("taxonomy"), pk=pk, created_by=user, is_published=False
    )


def get_lesson_for_author(user: User, pk: int) -> Lesson:
    """Any revision of the author's own lesson, a draft or not: to show the page again after
    a write to the draft was refused (it may have been published in another tab since)."""
    require_teacher(user)
    return get_object_or_404(Lesson.objects.select_related("taxonomy"), pk=pk, created_by=user)
