"""Access helpers: each returns the object for this user or raises Http404."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import Classroom, School, User

from .models import Assignment


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


# Students' data: export, deletion, the audit log ---------------------------------------


def classes_in_care_of(user: User) -> Q:
    """The classes whose students' data `user` answers for, as a filter on classes: a
    teacher's own classes and, for a school's admin, every class of the school's teachers.
    Nobody else's (students, teachers without classes: no class)."""
    if not user.is_active or not user.is_teacher:
        return Q(pk__in=[])
    care = Q(teacher=user)
    if user.administers_school:
        care |= Q(teacher__school_id=user.school_id)
    return care


def get_student_in_care(user: User, classroom_pk: int, student_pk: int) -> tuple[Classroom, User]:
    """A class in `user`'s care and a student of it: for exporting or deleting the student's
    data. 404 for anyone else's class or student."""
    classroom = get_object_or_404(
        Classroom.objects.filter(classes_in_care_of(user)).select_related("teacher"),
        pk=classroom_pk,
    )
    student = get_object_or_404(
        User, pk=student_pk, role=User.Role.STUDENT, enrollments__classroom=classroom
    )
    return classroom, student


def get_student_of_school(school: School, student_pk: int) -> User:
    """A student in a class of one of the school's teachers, or with audit events in one
    (removed from it since): for its admin's audit log."""
    students = User.objects.filter(
        Q(enrollments__classroom__teacher__school=school)
        | Q(audit_events__classroom__teacher__school=school),
        role=User.Role.STUDENT,
    )
    return get_object_or_404(students.distinct(), pk=student_pk)
