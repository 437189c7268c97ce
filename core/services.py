"""Writes that touch users, classes and enrolments."""

import secrets

from django.db import IntegrityError, transaction

from .models import Classroom, Enrollment, User, new_join_code


@transaction.atomic
def classroom_create(*, teacher: User, name: str) -> Classroom:
    for _ in range(20):
        try:
            with transaction.atomic():
                return Classroom.objects.create(
                    teacher=teacher, name=name, join_code=new_join_code()
                )
        except IntegrityError:
            continue  # the code was taken a moment ago: draw another
    raise RuntimeError("Could not find a free join code")


@transaction.atomic
def student_register(*, display_name: str, password: str) -> User:
    user = User(
        username=User.free_username(display_name),
        display_name=display_name,
        role=User.Role.STUDENT,
    )
    user.set_password(password)
    user.save()
    return user


def student_enroll(*, classroom: Classroom, student: User) -> tuple[Enrollment, bool]:
    """Enrol a student; joining a class twice is harmless."""
    return Enrollment.objects.get_or_create(classroom=classroom, student=student)


@transaction.atomic
def teacher_register(*, username: str, display_name: str, email: str, password: str) -> User:
    user = User(username=username, display_name=display_name, email=email, role=User.Role.TEACHER)
    user.set_password(password)
    user.save()
    return user


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def student_reset_password(*, student: User) -> str:
    """Give a student who forgot their password a new one, for the teacher to hand over."""
    password = "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)
    )
    student.set_password(password)
    student.save(update_fields=["password"])
    return password


def student_unenroll(*, classroom: Classroom, student: User) -> None:
    """Take a student out of a class. Their saved work stays, and returns if they rejoin."""
    Enrollment.objects.filter(classroom=classroom, student=student).delete()
