"""Access helpers: each returns the object for this user or raises Http404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from core.access import get_school_for_admin
from core.models import User

from .models import Course, LinkedLesson, Platform


def get_course_for_teacher(user: User, pk: int) -> Course:
    """An LMS course whose class `user` teaches."""
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(
        Course.objects.select_related("classroom", "platform__registration"),
        pk=pk,
        classroom__teacher=user,
    )


def get_link_for_teacher(user: User, pk: int) -> LinkedLesson:
    """A linked lesson of an LMS course whose class `user` teaches."""
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(
        LinkedLesson.objects.select_related(
            "course__classroom", "course__platform__registration", "assignment__lesson"
        ),
        pk=pk,
        course__classroom__teacher=user,
    )


def get_platform_for_admin(user: User, pk: int) -> Platform:
    """An LMS registered by the school `user` administers."""
    school = get_school_for_admin(user)
    return get_object_or_404(Platform.objects.select_related("registration"), pk=pk, school=school)
