"""Writes that touch users, classes and enrolments."""

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
