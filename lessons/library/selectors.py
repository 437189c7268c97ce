"""Reads of the lesson library, as what its pages show: each returns the lessons and what is
counted about them in a fixed number of queries, however many lessons there are."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from core.access import may_assign, may_publish, may_see_answer_key
from core.models import Classroom, User

from .models import KeySpan, Lesson, Segment
from .services import draft_revision, lineage
from .textmap import TextMap


def lessons_visible_to(user: User) -> QuerySet[Lesson]:
    """What the library shows a teacher: the current revision of published lessons, and the
    teacher's own new drafts (a draft of a later revision is reached from the lesson it
    revises)."""
    return Lesson.objects.filter(
        Q(is_published=True, replaced_at__isnull=True)
        | Q(created_by=user, is_published=False, revision=1)
    )


@dataclass(frozen=True)
class LessonCard:
    """A lesson in a list, with the size of its text and of its answer key."""

    lesson: Lesson
    segment_count: int
    key_count: int


def lesson_cards(lessons: QuerySet[Lesson]) -> list[LessonCard]:
    """The cards of these lessons, by title, in one query."""
    rows = (
        lessons.select_related("taxonomy")
        .annotate(
            segment_count=Count("segments", distinct=True),
            key_count=Count("segments__key_spans", distinct=True),
        )
        .order_by("title", "pk")
    )
    return [LessonCard(lesson, lesson.segment_count, lesson.key_count) for lesson in rows]


@dataclass(frozen=True)
class ClassChoice:
    """A class of the teacher, on a lesson's page: "Assign to a class"."""

    classroom: Classroom
    revision: int | None  # the revision of the lesson the class has already, if any


@dataclass(frozen=True)
class LessonPage:
    """A lesson read in full: its passages with their prompts and key, what its author may
    do with it, and the teacher's classes to assign it to."""

    lesson: Lesson
    segments: list[Segment]
    is_creator: bool
    next_draft: Lesson | None  # the author's draft of the next revision, if one is started
    assignment_count: int
    # The answer key is read (and so shown, and copied) only by whom `core.access` allows:
    # otherwise its key spans are not even loaded.
    shows_key: bool
    may_publish: bool
    may_assign: bool
    classes: list[ClassChoice]


def class_choices(lesson: Lesson, user: User) -> list[ClassChoice]:
    """The classes `user` teaches, each with the revision of `lesson` it has (if any), in two
    queries."""
    had = dict(
        lineage(lesson)
        .filter(assignments__classroom__teacher=user)
        .values_list("assignments__classroom_id", "revision")
    )
    return [
        ClassChoice(classroom, had.get(classroom.pk))
        for classroom in Classroom.objects.taught_by(user)
    ]


def lesson_page(lesson: Lesson, *, user: User) -> LessonPage:
    shows_key = may_see_answer_key(user, lesson)
    segments = lesson.segments.prefetch_related(
        "prompts",
        *(
            [Prefetch("key_spans", queryset=KeySpan.objects.select_related("technique"))]
            if shows_key
            else []
        ),
    )
    is_creator = lesson.created_by_id == user.pk
    return LessonPage(
        lesson=lesson,
        segments=list(segments),
        is_creator=is_creator,
        next_draft=draft_revision(lesson) if is_creator and lesson.is_published else None,
        assignment_count=lesson.assignments.count(),
        shows_key=shows_key,
        may_publish=may_publish(user),
        may_assign=may_assign(user),
        classes=class_choices(lesson, user),
    )


def revision_maps(from_lesson: Lesson, to_lesson: Lesson) -> dict[int, TextMap] | None:
    """Where the characters of each passage of `to_lesson`, a later revision of the same
    lesson, came from in `from_lesson`: by passage id of `to_lesson`, a map into the passages
    of `from_lesson`, composed through every revision in between (`TextMap.through`), in one
    query. Moving a class then puts each highlight where its own characters went
    (`textmap.locate`).

    None when that is not known, and the words must be found by searching: a revision after
    `from_lesson` has a passage without a map (a draft copied before the editor kept them),
    or a map points outside the revision before it."""
    if from_lesson.lineage_id != to_lesson.lineage_id or to_lesson.revision < from_lesson.revision:
        raise ValueError("revision_maps goes from a revision to a later one of the same lesson")
    if to_lesson.pk == from_lesson.pk:
        texts = to_lesson.segments.values_list("pk", "text")
        return {pk: TextMap.identity(pk, len(text)) for pk, text in texts}
    rows = Segment.objects.filter(
        lesson__in=lineage(to_lesson).filter(
            revision__gte=from_lesson.revision, revision__lte=to_lesson.revision
        )
    ).values_list("pk", "lesson__revision", "origin")
    passages: dict[int, dict[int, TextMap | None]] = {}
    for pk, revision, origin in rows:
        passages.setdefault(revision, {})[pk] = TextMap.from_json(origin)
    # chain[0] is from_lesson's passages, chain[-1] to_lesson's: each revision's maps point
    # at the passages of the one before it.
    chain = [passages.get(r, {}) for r in range(from_lesson.revision, to_lesson.revision + 1)]
    if any(m is None for later in chain[1:] for m in later.values()):
        return None
    maps = {pk: m for pk, m in chain[-1].items() if m is not None}  # all of them, just checked
    for index in range(len(chain) - 2, -1, -1):
        earlier = chain[index]
        if not all(m.sources().issubset(earlier) for m in maps.values()):
            return None
        if index:
            known = {pk: m for pk, m in earlier.items() if m is not None}  # all of them
            maps = {pk: m.through(known) for pk, m in maps.items()}
    return maps
