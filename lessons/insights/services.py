"""Writes of insights: each submission's stored figures (`models.SubmissionFigures`), computed
by `figures.figures_of` from its highlights and the answer key of the revision its class is
on. Called inside the transactions of the writes that change them (`receivers`), by the
worker (`tasks`) and by `manage.py rebuild_figures`."""

from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lessons.library.models import KeySpan
from lessons.work import services as work_services
from lessons.work.models import Assignment, Highlight, Submission

from . import figures, scoring
from .models import FIGURES_VERSION, SubmissionFigures

BATCH = 500  # rows per INSERT


class _Spans:
    """Highlights and key spans as `scoring` spans, for the lessons of one or more taxonomies:
    a span's technique by code when it is of its lesson's taxonomy, else "" (as
    `selectors.spans.span_of` reads it with the lesson's techniques); the stored confusion
    counts name techniques by id, so the ids of the codes met are kept (`ids`)."""

    COLUMNS = ("segment_id", "start", "end", "technique_id", "technique__code")

    def __init__(self) -> None:
        self.ids: dict[int, dict[str, int]] = defaultdict(dict)  # taxonomy -> code -> id

    def span(self, taxonomy: int, segment, start, end, technique, code, of_taxonomy):
        if of_taxonomy != taxonomy:
            return scoring.Span(segment, start, end, "")
        self.ids[taxonomy][code] = technique
        return scoring.Span(segment, start, end, code)

    def keys(self, taxonomy_of: dict[int, int]) -> dict[int, list[tuple[int, scoring.Span]]]:
        """The answer keys of these lessons (lesson -> taxonomy), in the key's order."""
        keys: dict[int, list[tuple[int, scoring.Span]]] = defaultdict(list)
        rows = (
            KeySpan.objects.filter(segment__lesson__in=list(taxonomy_of))
            .order_by("segment__position", "position", "pk")  # the key's order, as pages read it
            .values_list("pk", "segment__lesson_id", *self.COLUMNS, "technique__taxonomy_id")
        )
        for pk, lesson, *values in rows:
            keys[lesson].append((pk, self.span(taxonomy_of[lesson], *values)))
        return keys


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
    reader = _Spans()
    keys = reader.keys(taxonomy_of)
    lesson_of = {pk: lesson for pk, lesson, _ in submissions}
    spans: dict[int, list[scoring.Span]] = defaultdict(list)
    highlights = Highlight.objects.filter(
        Q(submission__in=list(submission_ids)) | Q(submission__assignment__in=list(assignment_ids))
    ).order_by()
    for submission, *values in highlights.values_list(
        "submission_id", *reader.COLUMNS, "technique__taxonomy_id"
    ):
        if (on := lesson_of.get(submission)) is not None:
            spans[submission].append(reader.span(taxonomy_of[on], *values))
    key_of = {
        lesson: figures.Key(keys[lesson], reader.ids[taxonomy])
        for lesson, taxonomy in taxonomy_of.items()
    }
    made = []
    for pk, lesson, _ in submissions:
        parts = figures.parts_of(spans.get(pk, []), key_of[lesson])
        made.append(_row(pk, lesson, parts, key_of[lesson]))
    SubmissionFigures.objects.bulk_create(
        made,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["submission"],
        update_fields=["lesson", "version", "updated_at", "parts", *figures.COLUMNS],
    )
    return len(made)


def _row(submission: int, lesson: int, parts: list[figures.Part], key: figures.Key):
    return SubmissionFigures(
        submission_id=submission,
        lesson_id=lesson,
        version=FIGURES_VERSION,
        parts=parts,
        **figures.as_columns(figures.fold(parts, key)),
    )


def figures_update(*, submission_id: int, segment_id: int, start: int, end: int) -> None:
    """One highlight of the submission, on [start, end) of passage `segment_id`, was added,
    changed or removed: store its figures again, computing anew only the parts of them
    around those words (`figures.parts_around`) from the highlights there, and adding them up
    with the parts kept. Its cost does not grow with the student's highlights elsewhere.
    Figures not stored yet (a student's first highlight), or stale, are computed from all the
    student's highlights. Inside the write's transaction, after its locks; three queries
    (the stored parts, the highlights, the row written) and the key, read once per process
    for a published revision (`_published_key`)."""
    row = (
        Submission.objects.filter(pk=submission_id)
        .values_list(
            "assignment__lesson_id",
            "assignment__lesson__taxonomy_id",
            "assignment__lesson__is_published",
            "assignment__lesson__updated_at",
            "figures__lesson_id",
            "figures__version",
            "figures__parts",
        )
        .first()
    )
    if row is None:
        return
    lesson, taxonomy, published, changed_at, stored_lesson, version, parts = row
    if published:
        items, key_ids = _published_key(lesson, changed_at, taxonomy)
    else:
        items, key_ids = _key(lesson, taxonomy)
    reader = _Spans()
    reader.ids[taxonomy].update(key_ids)
    highlights = Highlight.objects.filter(submission=submission_id).order_by()
    fresh = stored_lesson == lesson and version == FIGURES_VERSION
    if fresh:
        stretch = figures.parts_around(parts, segment_id, start, end)
        highlights = highlights.filter(segment=segment_id, start__lt=stretch[1], end__gt=stretch[0])
    spans = [
        reader.span(taxonomy, *values)
        for values in highlights.values_list(*reader.COLUMNS, "technique__taxonomy_id")
    ]
    key = figures.Key(items, reader.ids[taxonomy])
    if fresh:
        parts = figures.parts_update(parts, segment_id, stretch, figures.parts_of(spans, key))
    else:
        parts = figures.parts_of(spans, key)
    made = _row(submission_id, lesson, parts, key)
    if stored_lesson is None:  # no row yet
        SubmissionFigures.objects.bulk_create(
            [made],
            update_conflicts=True,
            unique_fields=["submission"],
            update_fields=["lesson", "version", "updated_at", "parts", *figures.COLUMNS],
        )
    else:
        SubmissionFigures.objects.filter(submission=submission_id).update(
            lesson=lesson,
            version=FIGURES_VERSION,
            parts=made.parts,
            updated_at=timezone.now(),
            **{name: getattr(made, name) for name in figures.COLUMNS},
        )


def _key(lesson: int, taxonomy: int) -> tuple[list[tuple[int, scoring.Span]], dict[str, int]]:
    """A revision's answer key (key span id and span, in the key's order), and the ids of
    the techniques it uses by code."""
    reader = _Spans()
    return reader.keys({lesson: taxonomy})[lesson], reader.ids[taxonomy]


@lru_cache(maxsize=64)
def _published_key(lesson: int, changed_at, taxonomy: int):
    """`_key` of a published revision, which is never changed while it is published
    (`library.models.Lesson`): read once per process. Looked up by the revision's id and the
    time it last changed, so that a revision unpublished, edited and published again (which
    saves it: `library.services.lesson_unpublish`, `lesson_publish`), or one that a database
    gave the id of one rolled back (SQLite does), is read anew."""
    return _key(lesson, taxonomy)


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
