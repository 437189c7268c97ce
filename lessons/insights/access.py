"""Access helpers for what teachers read about their classes: each returns the object for
this user or raises Http404."""

from django.http import Http404
from django.utils.translation import gettext

from core.access import may_see_answer_key
from core.models import User
from lessons.work import access as work_access
from lessons.work.models import Assignment


def get_assignment_for_teacher(user: User, pk: int) -> Assignment:
    """An assignment of the teacher's own class, whose results they may read: dashboards,
    class maps, reviews, exports and a student's work are all made of the lesson's answer
    key, so they follow `core.access.may_see_answer_key` too (a teacher whose approval was
    withdrawn no longer reads them)."""
    assignment = work_access.get_assignment_for_teacher(user, pk)
    if not may_see_answer_key(user, assignment.lesson):
        raise Http404(
            gettext("Only teachers approved by their school read the results of a lesson.")
        )
    return assignment
