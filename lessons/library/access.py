"""Access helpers for the library: each returns the object for this user or raises Http404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import User

from .models import Lesson
from .selectors import lessons_visible_to


def require_teacher(user: User) -> None:
    """The library and the authoring pages are for teachers: anyone else finds nothing."""
    if not user.is_teacher:
        raise Http404


def get_lesson_for_teacher(user: User, slug: str) -> Lesson:
    """A lesson the library shows this teacher (`selectors.lessons_visible_to`)."""
    require_teacher(user)
    return get_object_or_404(
        lessons_visible_to(user).select_related("taxonomy", "created_by"), slug=slug
    )
