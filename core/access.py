"""Who may see and do what.

One access helper per kind of object: each returns the object or raises Http404, so nobody
learns that somebody else's class (or school) exists.

And the one rule about answer keys (`may_see_answer_key`, with `lessons_with_visible_keys`, the
same rule as a filter on lessons): every page, fragment, file and copy that carries a key's
quotes or explanations asks it, and nothing else decides.
"""

from typing import Protocol

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from .models import Classroom, Invitation, School, User


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


# Schools ----------------------------------------------------------------------------------


def get_school_for_admin(user: User) -> School:
    """The school `user` administers; 404 for anyone who is not a school admin."""
    if not user.administers_school or user.school is None:
        raise Http404
    return user.school


def pending_teachers_of(school: School):
    """The teachers waiting for approval who asked to join `school`: those who confirmed
    their e-mail address (the others cannot log in yet, and may not own the address)."""
    return User.objects.filter(
        role=User.Role.TEACHER, status=User.Status.PENDING, school=school, email_verified=True
    )


def get_pending_teacher_for_admin(user: User, pk: int) -> User:
    """A teacher waiting for approval who asked to join the school `user` administers."""
    return get_object_or_404(pending_teachers_of(get_school_for_admin(user)), pk=pk)


def get_invitation_for_admin(user: User, pk: int) -> Invitation:
    """An invitation to the school `user` administers, not accepted yet."""
    school = get_school_for_admin(user)
    return get_object_or_404(Invitation, pk=pk, school=school, accepted_at__isnull=True)


# Answer keys ------------------------------------------------------------------------------


class Authored(Protocol):
    """A lesson, as far as the rule needs it (core does not import the library)."""

    @property
    def created_by_id(self) -> int | None: ...


def may_see_answer_key(
    user: User | AnonymousUser, lesson: Authored, *, feedback_released: bool = False
) -> bool:
    """Whether `user` may read the answer key of `lesson` (its key spans' quotes and
    explanations, and anything made of them: lesson files, copies, dashboards, feedback).

    Answer keys are confidential (shared/DESIGN.md):
    - a teacher sees them once approved by a school's admin (or invited by one, or by the
      operator); a teacher still waiting sees only the keys of the lessons they wrote;
    - a student sees a lesson's key only in their own feedback, once their teacher's rule has
      released it to them: `feedback_released` is `Assignment.feedback_released_for` of the
      student's own submission;
    - nobody else, ever.
    """
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_student:
        return feedback_released
    if not user.is_teacher:
        return False
    return user.is_approved_teacher or (
        lesson.created_by_id is not None and lesson.created_by_id == user.pk
    )


def lessons_with_visible_keys(user: User) -> Q:
    """`may_see_answer_key` for teachers, as a filter on lessons: for lists and exports."""
    if user.is_active and user.is_approved_teacher:
        return Q()
    if user.is_active and user.is_teacher:
        return Q(created_by=user)
    return Q(pk__in=[])


def may_assign(user: User) -> bool:
    """Assigning a lesson gives its key to the class's dashboards: approved teachers only."""
    return user.is_active and user.is_approved_teacher


def may_publish(user: User) -> bool:
    """Publishing puts a lesson before every teacher: approved teachers only. A teacher who
    is waiting writes drafts."""
    return user.is_active and user.is_approved_teacher


# Lazy: translated when it is shown, in the language of the request (docs/i18n.md).
NOT_APPROVED = gettext_lazy(
    "Your account is waiting for approval by your school's admin. Until then you can write "
    "drafts, and see the answer keys of your own lessons only."
)
