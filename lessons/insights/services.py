"""Writes of insights: each submission's stored figures (`models.SubmissionFigures`), computed
by `figures.figures_of` from its highlights and the answer key of the revision its class is
on. Called inside the transactions of the writes that change them (`receivers`), by the
worker (`tasks`) and by `manage.py rebuild_figures`."""

from collections import defaultdict
from collections.abc import Collection

from django.db import transaction
from django.db.models import Q

from lessons.library.models import KeySpan
from lessons.work import services as work_services
from lessons.work.models import Assignment, Highlight, Submission

from . import figures, scoring
from .models import FIGURES_VERSION, SubmissionFigures

BATCH = 500  # rows per INSERT


def figures_store(
    *, submission_ids: Collection[int] = (), assignment_ids: Collection[int] = ()
) -> int:
    """Compute and store the figures of these submissions and of every submission of these
    assignments, against the key of the revision each class is on now, inside the caller's
    transaction (which holds the locks of the writes that changed them). Returns how many
    rows were written. Four queries, whatever the number of submissions."""
    chosen = Q(pk__in=list(submission_ids)) | Q(assignment__in=list(assignment_ids))
    submissions = list(
        Submission.objects.filter(chosen).values_list(
            "pk", "assignment__lesson_id", "assignment__lesson__taxonomy_id"
        )
    )
    if not submissions:
        return 0
    taxonomy_of = {lesson: taxonomy for _, lesson, taxonomy in submissions}
    # A highlight's or key span's technique by code when it is of the lesson's taxonomy,
    # else "" (as `selectors.spans.span_of` reads it with the lesson's techniques); the
    # stored confusion counts name techniques by id.
    ids: dict[int, dict[str, int]] = defaultdict(dict)  # taxonomy -> code -> id

    def span(taxonomy: int, segment, start, end, technique, code, of_taxonomy) -> scoring.Span:
        if of_taxonomy != taxonomy:
            return scoring.Span(segment, start, end, "")
        ids[taxonomy][code] = technique
        return scoring.Span(segment, start, end, code)

    columns = ("segment_id", "start", "end", "technique_id", "technique__code")
    keys: dict[int, list[tuple[int, scoring.Span]]] = defaultdict(list)
    rows = (
        KeySpan.objects.filter(segment__lesson__in=list(taxonomy_of))
        .order_by("segment__position", "position", "pk")  # the key's order, as pages read it
        .values_list("pk", "segment__lesson_id", *columns, "technique__taxonomy_id")
    )
    for pk, lesson, *values in rows:
        keys[lesson].append((pk, span(taxonomy_of[lesson], *values)))
    lesson_of = {pk: lesson for pk, lesson, _ in submissions}
    spans: dict[int, list[scoring.Span]] = defaultdict(list)
    highlights = Highlight.objects.filter(
        Q(submission__in=list(submission_ids)) | Q(submission__assignment__in=list(assignment_ids))
    ).order_by()
    for submission, *values in highlights.values_list(
        "submission_id", *columns, "technique__taxonomy_id"
    ):
        if (on := lesson_of.get(submission)) is not None:
            spans[submission].append(span(taxonomy_of[on], *values))
    key_of = {
        lesson: figures.Key(keys[lesson], ids[taxonomy]) for lesson, taxonomy in taxonomy_of.items()
    }
    made = [
        SubmissionFigures(
            submission_id=pk,
            lesson_id=lesson,
            version=FIGURES_VERSION,
            **figures.as_columns(figures.figures_of(spans.get(pk, []), key_of[lesson])),
        )
        for pk, lesson, _ in submissions
    ]
    SubmissionFigures.objects.bulk_create(
        made,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["submission"],
        update_fields=["lesson", "version", "updated_at", *figures.COLUMNS],
    )
    return len(made)


def figures_forget(*, lesson_id: int) -> list[int]:
    """The answer key of `lesson_id` is changing: forget the figures scored against it (the
    pages compute those students' figures from their work until they are stored again).
    Returns the assignments on that lesson, whose figures are to be computed again once the
    change is committed (`tasks.figures_rebuild`)."""
    SubmissionFigures.objects.filter(lesson=lesson_id).delete()
    return list(Assignment.objects.filter(lesson=lesson_id).values_list("pk", flat=True))


def figures_rebuild(*, assignment_id: int) -> int:
    """Store the figures of every submission of one class again, in one transaction, with the
    class's work locked as a move locks it: no student's write falls between reading the work
    and storing its figures. Returns how many rows were written."""
    with transaction.atomic():
        if not Assignment.objects.filter(pk=assignment_id).exists():
            return 0
        work_services.assignment_lock(assignment_id=assignment_id)
        return figures_store(assignment_ids=[assignment_id])
