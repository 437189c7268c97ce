"""One access helper per kind of object: each returns the object or raises Http404, so
nobody learns that somebody else's class exists."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Classroom, User


def get_classroom_for_teacher(user: User, pk: int) -> Classroom:
    if not user.is_teacher:
        raise Http404
    return get_object_or_404(Classroom, pk=pk, teacher=user)


def get_classroom_for_student(user: User, pk: int) -> Classroom:
    if not user.is_student:
        raise Http404
    return get_object_or_404(Classroom.objects.attended_by(user), pk=pk)


def get_student_in_classroom(classroom: Classroom, pk: int) -> User:
    return get_object_or_404(User, pk=pk, enrollments__classroom=classroom)
