"""Which of a class's stored figures (`models.SubmissionFigures`) are fresh: computed against
the revision the class is on, by this version of the computation. For a submission without
fresh figures, pages compute them from its highlights (`dashboard.load_class`; a page never
writes), until the writes, the worker or `manage.py rebuild_figures` store them."""

from django.db.models import Exists, OuterRef, QuerySet

from lessons.work.models import Assignment, Submission

from .. import figures
from ..models import FIGURES_VERSION, SubmissionFigures

# The columns of a submission's figures, read through the submission ("figures__f1", ...).
THROUGH_SUBMISSION = tuple(f"figures__{name}" for name in figures.COLUMNS)


def fresh_rows(assignment: Assignment) -> QuerySet[SubmissionFigures]:
    """The stored figures of the assignment's submissions that are fresh."""
    return SubmissionFigures.objects.filter(
        submission__assignment=assignment, lesson=assignment.lesson_id, version=FIGURES_VERSION
    )


def stale_count(assignment: Assignment) -> int:
    """How many of the assignment's submissions have no fresh figures."""
    return (
        Submission.objects.filter(assignment=assignment)
        .exclude(Exists(fresh_rows(assignment).filter(submission=OuterRef("pk"))))
        .count()
    )
