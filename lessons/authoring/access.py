"""Access helpers for authoring: each returns the object for this user or raises Http404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import User
from lessons.library.models import Lesson


def get_draft_for_author(user: User, pk: int) -> "Lesson":
    """A draft lesson (or draft revision) its author is editing. Published revisions are
    never edited (lessons/revisions.py), and nobody edits another teacher's lesson."""
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(
        Lesson.objects.select_related("taxonomy"), pk=pk, created_by=user, is_published=False
    )
